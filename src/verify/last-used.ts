import type { Logger } from 'pino';
import type { Store } from '../store/ports.js';

export const LAST_USED_FLUSH_MS = 60_000;
const MAX_PENDING = 100_000;

/**
 * last_used_time, written asynchronously and coalesced (SPEC §5): a successful verification only
 * notes (project, key, time) in memory; once a minute each project's keys are written in one
 * transaction — at most one write per key per minute per node, never on the request path. Beyond
 * MAX_PENDING distinct keys in one minute, further uses wait for the next minute (dropped, counted).
 */
export class LastUsedRecorder {
  private pending = new Map<string, Map<string, number>>();
  private size = 0;
  private timer: NodeJS.Timeout | undefined;
  dropped = 0;

  constructor(
    private readonly store: Store,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.flush(), LAST_USED_FLUSH_MS);
    this.timer.unref();
  }

  note(projectId: string, keyId: string, at: number): void {
    let keys = this.pending.get(projectId);
    if (!keys) {
      keys = new Map();
      this.pending.set(projectId, keys);
    }
    const prev = keys.get(keyId);
    if (prev === undefined) {
      if (this.size >= MAX_PENDING) {
        this.dropped++;
        return;
      }
      this.size++;
    }
    if (prev === undefined || at > prev) keys.set(keyId, at);
  }

  async flush(): Promise<void> {
    const batch = this.pending;
    this.pending = new Map();
    this.size = 0;
    for (const [projectId, keys] of batch) {
      try {
        await this.store.keys(projectId).touchLastUsed([...keys].map(([keyId, at]) => ({ keyId, at })));
      } catch (e) {
        this.logger.warn({ err: { name: (e as Error).name }, keys: keys.size }, 'last_used_time write failed; skipped this minute');
      }
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
