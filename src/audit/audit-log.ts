import type { Logger } from 'pino';
import type { Clock } from '../shared/clock.js';
import type { IdSource } from '../shared/ids.js';
import type { AuditStore } from '../store/ports.js';
import { AuditBatcher } from './audit-batcher.js';

export interface AuditEntry {
  action: string;
  actor: string;
  keyId?: string | null;
  reason?: string | null;
  requestId?: string | null;
  details?: Record<string, unknown>;
}

export const FAILURE_FLUSH_MS = 60_000;
const MAX_FAILURE_BUCKETS = 10_000;

interface FailureBucket {
  projectId: string;
  reason: string;
  count: number;
  first: number;
  last: number;
  sampleKeyId: string | null;
}

/**
 * The audit log. Mutations are written as they happen (after the change commits; the events of
 * concurrent requests share one transaction, audit-batcher.ts, and each caller waits for its own). Verification
 * failures are aggregated per (project, reason) and flushed once a minute as one event with a count,
 * so a flood of bad credentials writes at most one row per project and reason per minute per node;
 * beyond MAX_FAILURE_BUCKETS distinct buckets, further failures are only counted in `dropped`.
 * Audit is never on the verify response path and never fails a request: a write error is logged.
 */
export class AuditLog {
  private readonly failures = new Map<string, FailureBucket>();
  private timer: NodeJS.Timeout | undefined;
  private readonly batcher: AuditBatcher;
  dropped = 0;

  constructor(
    store: AuditStore,
    private readonly clock: Clock,
    private readonly ids: IdSource,
    private readonly logger: Logger,
  ) {
    this.batcher = new AuditBatcher(store);
  }

  start(): void {
    this.timer = setInterval(() => void this.flushFailures(), FAILURE_FLUSH_MS);
    this.timer.unref();
  }

  async record(projectId: string, entry: AuditEntry): Promise<void> {
    const at = this.clock.now();
    try {
      await this.batcher.write(projectId, {
        eventId: this.ids.timeUuid(at),
        at,
        action: entry.action,
        actor: entry.actor,
        keyId: entry.keyId ?? null,
        reason: entry.reason ?? null,
        requestId: entry.requestId ?? null,
        details: entry.details ?? {},
      });
    } catch (e) {
      this.logger.error({ action: entry.action, err: { name: (e as Error).name } }, 'audit write failed');
    }
  }

  /** Cheap and synchronous: called on the verify path. */
  verificationFailed(projectId: string, reason: string, keyId: string | null): void {
    const k = `${projectId}|${reason}`;
    const now = this.clock.now();
    const b = this.failures.get(k);
    if (b) {
      b.count++;
      b.last = now;
      b.sampleKeyId ??= keyId;
    } else if (this.failures.size < MAX_FAILURE_BUCKETS) {
      this.failures.set(k, { projectId, reason, count: 1, first: now, last: now, sampleKeyId: keyId });
    } else {
      this.dropped++;
    }
  }

  async flushFailures(): Promise<void> {
    const buckets = [...this.failures.values()];
    this.failures.clear();
    for (const b of buckets) {
      await this.record(b.projectId, {
        action: 'key.verification_failed',
        actor: 'system',
        keyId: b.sampleKeyId,
        reason: b.reason,
        details: { count: b.count, first_time: new Date(b.first).toISOString(), last_time: new Date(b.last).toISOString() },
      });
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flushFailures();
    await this.batcher.drain();
  }
}
