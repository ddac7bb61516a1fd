import type { Logger } from 'pino';
import type { Clock } from '../shared/clock.js';
import { parseDuration } from '../shared/duration.js';
import type { AuditStore } from '../store/ports.js';

const PURGE_EVERY_MS = 3_600_000;

/** Deletes audit events older than `audit.retention`, hourly (and once shortly after start). */
export class AuditRetention {
  private timer: NodeJS.Timeout | undefined;
  private first: NodeJS.Timeout | undefined;
  private readonly retentionMs: number;

  constructor(
    private readonly store: AuditStore,
    private readonly clock: Clock,
    retention: string,
    private readonly logger: Logger,
  ) {
    this.retentionMs = parseDuration(retention) ?? 90 * 86_400_000;
  }

  start(): void {
    this.first = setTimeout(() => void this.purge(), 60_000);
    this.first.unref();
    this.timer = setInterval(() => void this.purge(), PURGE_EVERY_MS);
    this.timer.unref();
  }

  async purge(): Promise<number> {
    try {
      const n = await this.store.purgeBefore(this.clock.now() - this.retentionMs);
      if (n) this.logger.info({ purged: n }, 'audit events past retention purged');
      return n;
    } catch (e) {
      this.logger.warn({ err: { name: (e as Error).name } }, 'audit purge failed; retrying next hour');
      return 0;
    }
  }

  stop(): void {
    clearTimeout(this.first);
    clearInterval(this.timer);
  }
}
