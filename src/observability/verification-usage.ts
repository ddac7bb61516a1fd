/** One minute of one project's verifications. */
export interface UsageMinute {
  /** Start of the minute, epoch ms. */
  minute: number;
  valid: number;
  invalid: number;
}

const MINUTE = 60_000;
export const USAGE_MINUTES = 60;

/**
 * Per-minute verification counts per project for the last hour, in this node's memory — the console's
 * "verifications over time" chart. Prometheus has the same totals on the metrics port, but without a
 * project label (it would be unbounded) and on a port a browser on the API origin cannot reach.
 * Bounded: a ring of 60 minutes per project, at most `maxProjects` projects (least recently counted
 * dropped first). Counts restart with the process and are per node (see docs/console.md).
 */
export class VerificationUsage {
  private readonly rings = new Map<string, UsageMinute[]>();
  /** The project counted last (last in `rings`): counting it again needs no re-ordering. */
  private newest: string | undefined;

  constructor(private readonly maxProjects = 10_000) {}

  record(projectId: string, now: number, valid: number, invalid: number): void {
    if (valid + invalid === 0) return;
    const minute = Math.floor(now / MINUTE) * MINUTE;
    let ring = this.rings.get(projectId);
    if (!ring) {
      if (this.rings.size >= this.maxProjects) this.rings.delete(this.rings.keys().next().value as string);
      ring = [];
      this.rings.set(projectId, ring);
    } else if (projectId !== this.newest) {
      this.rings.delete(projectId); // re-inserted: most recently counted last
      this.rings.set(projectId, ring);
    }
    this.newest = projectId;
    const slot = Math.floor(minute / MINUTE) % USAGE_MINUTES;
    const cell = ring[slot];
    if (cell && cell.minute === minute) {
      cell.valid += valid;
      cell.invalid += invalid;
    } else ring[slot] = { minute, valid, invalid };
  }

  /** The last 60 minutes, oldest first, the current minute last; minutes without verifications are zeros. */
  series(projectId: string, now: number): UsageMinute[] {
    const ring = this.rings.get(projectId) ?? [];
    const current = Math.floor(now / MINUTE) * MINUTE;
    const out: UsageMinute[] = [];
    for (let i = USAGE_MINUTES - 1; i >= 0; i--) {
      const minute = current - i * MINUTE;
      const cell = ring[Math.floor(minute / MINUTE) % USAGE_MINUTES];
      out.push(cell && cell.minute === minute ? { ...cell } : { minute, valid: 0, invalid: 0 });
    }
    return out;
  }
}
