/**
 * Keeps PostgreSQL's planner statistics in step with bulk imports. Until a table is analyzed the
 * planner has no column statistics, and autovacuum analyzes only after its naptime (a minute by
 * default) and 10 % of the table changed. In that window, right after the first big import into a new
 * database, it probed `(project_id, kind, request_id)` through the actor index and filtered every key
 * of the project — 40–100 ms per idempotency lookup at 65,000 keys, growing with the table
 * (test/contract/bulk-load-query-plans.contract.test.ts). PostgreSQL's own advice after a bulk load is
 * to run ANALYZE; this runs it beside the import once enough rows went in through this process:
 * 1,000 first, then 10 % of the table as last measured — a handful of ANALYZEs while a table grows
 * from empty to millions, none once it is large and autovacuum keeps up.
 *
 * It never delays a request: the ANALYZE runs after the import's transaction, on its own pool
 * connection, one at a time, and a failure (statement timeout, lost connection) is left to autovacuum.
 */
export class BulkLoadStatistics {
  private pending = 0;
  private threshold = FIRST_THRESHOLD;
  private running: Promise<void> | null = null;

  /** `analyze` runs ANALYZE on the table and resolves to its estimated row count afterwards. */
  constructor(private readonly analyze: () => Promise<number>) {}

  /** `rows` new rows were committed; starts an ANALYZE when they add up to the threshold. */
  noteInserted(rows: number): void {
    this.pending += rows;
    if (this.running || this.pending < this.threshold) return;
    this.pending = 0;
    this.running = this.analyze()
      .then(
        (estimated) => {
          this.threshold = Math.max(FIRST_THRESHOLD, Math.ceil(estimated * GROWTH_SHARE));
        },
        () => {}, // autovacuum will get there; the next bulk insert tries again past the same threshold
      )
      .finally(() => {
        this.running = null;
      });
  }

  /** Waits for an ANALYZE in progress (before the pool closes). */
  async settle(): Promise<void> {
    await this.running;
  }
}

const FIRST_THRESHOLD = 1000;
/** Autovacuum's default `autovacuum_analyze_scale_factor`. */
const GROWTH_SHARE = 0.1;
