// What `keys import` tells a person while it runs and when it ends. On a terminal: one live line on
// stderr, redrawn at most 10 times a second. Elsewhere (CI logs, files): one plain line every 2 s,
// never a carriage return. Pure formatting functions, so tests need no clock or TTY.
import type { Writer } from './output.js';

export interface ImportCounts {
  created: number;
  replayed: number;
  existed: number;
  failed: number;
}

export const settledCount = (c: ImportCounts): number => c.created + c.replayed + c.existed + c.failed;

const BAR_WIDTH = 24;
const TTY_REDRAW_MS = 100;
export const PLAIN_INTERVAL_MS = 2000;

export function perSecond(n: number, elapsedMs: number): number {
  return elapsedMs > 0 ? Math.round((n * 1000) / elapsedMs) : 0;
}

/** `54s`, `3m20s`, `1h05m`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/** ` ETA 54s`, or nothing without a total or a rate yet. */
function eta(done: number, total: number | undefined, rate: number): string {
  if (total === undefined || rate <= 0 || done >= total) return '';
  return ` ETA ${formatDuration((total - done) / rate)}`;
}

/** `imported 12000/1000000 (3 failed) 18,400 keys/s ETA 54s` (no `/total` with --no-count). */
export function formatPlainLine(c: ImportCounts, total: number | undefined, elapsedMs: number): string {
  const done = settledCount(c);
  const rate = perSecond(done, elapsedMs);
  const of = total === undefined ? '' : `/${total}`;
  return `imported ${done}${of} (${c.failed} failed) ${rate.toLocaleString('en-US')} keys/s${eta(done, total, rate)}`;
}

/** `[#########---------------]  37%  12,000/32,000  18,400 keys/s  ETA 54s  3 failed` */
export function formatBarLine(c: ImportCounts, total: number | undefined, elapsedMs: number): string {
  const done = settledCount(c);
  const rate = perSecond(done, elapsedMs);
  const failed = c.failed ? `  ${c.failed.toLocaleString('en-US')} failed` : '';
  if (total === undefined || total === 0) {
    return `${done.toLocaleString('en-US')} keys  ${rate.toLocaleString('en-US')} keys/s${failed}`;
  }
  const ratio = Math.min(1, done / total);
  const filled = Math.round(ratio * BAR_WIDTH);
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`;
  const pct = `${Math.floor(ratio * 100)}%`.padStart(4);
  return `${bar} ${pct}  ${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')}  ${rate.toLocaleString('en-US')} keys/s${eta(done, total, rate)}${failed}`;
}

/** The closing line: new, already imported (replayed, or already existing), failed, time, rate. */
export function formatSummary(c: ImportCounts, elapsedMs: number): string {
  const already = c.replayed + c.existed;
  const split = c.existed ? ` (${c.replayed} replayed, ${c.existed} already existed)` : '';
  return (
    `${c.created} new, ${already} already imported${split}, ${c.failed} failed ` +
    `in ${elapsedMs < 10_000 ? `${(elapsedMs / 1000).toFixed(1)}s` : formatDuration(elapsedMs / 1000)} ` +
    `(${perSecond(settledCount(c), elapsedMs).toLocaleString('en-US')} keys/s)`
  );
}

/** Drives the live line (TTY) or the periodic plain line; `stop()` leaves the terminal clean. */
export class ProgressReporter {
  #timer: NodeJS.Timeout | undefined;
  #lastDraw = 0;
  #drawn = false;

  constructor(
    private readonly out: Writer,
    private readonly tty: boolean,
    private readonly total: number | undefined,
    private readonly counts: ImportCounts,
    private readonly started: number,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    if (this.tty) return;
    this.#timer = setInterval(() => this.out.write(`${formatPlainLine(this.counts, this.total, this.now() - this.started)}\n`), PLAIN_INTERVAL_MS);
    this.#timer.unref();
  }

  /** Called after each batch; redraws the terminal line when enough time has passed. */
  update(): void {
    if (!this.tty) return;
    const t = this.now();
    if (t - this.#lastDraw < TTY_REDRAW_MS) return;
    this.#lastDraw = t;
    this.#drawn = true;
    this.out.write(`\r${formatBarLine(this.counts, this.total, t - this.started)}\x1b[K`);
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    if (this.#drawn) this.out.write('\r\x1b[K');
  }
}
