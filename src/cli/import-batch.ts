// Sends one batch of `keys import` to importedApiKeys:batchCreate and settles every line of it:
// created, replayed, existed or failed. Retrying is safe because every item carries a request_id:
// an item the server did commit before an error comes back `replayed` on the next attempt.
import type { BatchImportResponse, ImportKeyRequest } from './api-types.js';
import { ApiError } from './api-error.js';

export interface BatchLine {
  line: number;
  item: ImportKeyRequest;
}

export type Outcome = 'created' | 'replayed' | 'existed' | 'failed';

export interface LineResult {
  line: number;
  outcome: Outcome;
  error_code?: string;
  error_message?: string;
}

export interface BatchOutcome {
  results: LineResult[];
  /** An error no later batch can escape (bad token, no such endpoint): the run stops. */
  fatal?: string;
  /** The whole batch still failed on transport or 5xx after every retry. */
  unreachable?: boolean;
}

export interface BatchSender {
  batchImport(requests: ImportKeyRequest[]): Promise<BatchImportResponse>;
}

export interface RetryPolicy {
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  sleep: (ms: number) => Promise<void>;
}

/** 5 retries: 0.25 + 0.5 + 1 + 2 + 4 s (with ±25 % jitter), ~8 s before a batch is given up. */
export const DEFAULT_RETRY: RetryPolicy = {
  retries: 5,
  baseDelayMs: 250,
  maxDelayMs: 8000,
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

const ITEM_ERROR_PREFIX = 'BATCH_CREATE_IMPORTED_API_KEYS_ERROR_';
/** Reasons of an all-failed 409 that mean "every key is already there" (SPEC §3, errors.md). */
const EXISTS_REASONS = new Set(['API_KEY_EXISTS', `${ITEM_ERROR_PREFIX}ALREADY_EXISTS`]);
/** Wrong token, permissions, project or server version: every later batch would fail the same way. */
const FATAL_HTTP = new Set([401, 403, 404, 405, 415]);
const MAX_MESSAGE = 500;

type Failure = { code: string; message: string };
type Classified = { kind: 'retry' | 'fatal' | 'failed' | 'existed' | 'too-large'; failure: Failure };

/** Never rejects: every line of `lines` gets exactly one result. `redact` removes the token. */
export async function sendBatch(sender: BatchSender, lines: BatchLine[], policy: RetryPolicy, redact: (s: string) => string): Promise<BatchOutcome> {
  const results: LineResult[] = [];
  const settle = (l: BatchLine, outcome: Outcome, f?: Failure): void => {
    results.push(f ? { line: l.line, outcome, ...scrubbed(f, [l], redact) } : { line: l.line, outcome });
  };
  const settleAll = (ls: BatchLine[], outcome: Outcome, f?: Failure): void => {
    // Scrub the batch's keys from a batch-wide message once, not once per line.
    const safe = f && scrubbed(f, ls, redact);
    for (const l of ls) results.push(safe ? { line: l.line, outcome, ...safe } : { line: l.line, outcome });
  };
  let remaining = lines;
  let last: Failure = { code: 'INTERNAL', message: 'not sent' };
  let wholeBatchFailed = false;
  for (let attempt = 0; attempt <= policy.retries && remaining.length > 0; attempt++) {
    if (attempt > 0) await policy.sleep(backoff(policy, attempt));
    let res: BatchImportResponse;
    try {
      res = await sender.batchImport(remaining.map((l) => l.item));
    } catch (err) {
      const c = classify(err);
      last = c.failure;
      wholeBatchFailed = true;
      if (c.kind === 'retry') continue;
      if (c.kind === 'too-large' && remaining.length > 1) return splitAndSend(sender, remaining, results, policy, redact);
      settleAll(remaining, c.kind === 'existed' ? 'existed' : 'failed', c.kind === 'existed' ? undefined : c.failure);
      return c.kind === 'fatal' ? { results, fatal: c.failure.message } : { results };
    }
    wholeBatchFailed = false;
    const again: BatchLine[] = [];
    const answered = new Set<number>();
    for (const r of Array.isArray(res?.results) ? res.results : []) {
      const l = Number.isInteger(r?.index) ? remaining[r.index] : undefined;
      if (!l || answered.has(r.index)) continue;
      answered.add(r.index);
      const code = r.error_code;
      if (!code) settle(l, r.replayed === true ? 'replayed' : 'created');
      else if (code.endsWith('ALREADY_EXISTS')) settle(l, 'existed');
      else if (code.endsWith('INTERNAL')) {
        // Possibly transient (a database hiccup): retried with the batch's remaining budget.
        last = { code, message: r.error_message ?? '' };
        again.push(l);
      } else settle(l, 'failed', { code, message: r.error_message ?? '' });
    }
    remaining.forEach((l, i) => {
      if (answered.has(i)) return;
      last = { code: 'INTERNAL', message: 'the response has no result for this item' };
      again.push(l);
    });
    remaining = again;
  }
  settleAll(remaining, 'failed', last);
  return { results, unreachable: remaining.length > 0 && wholeBatchFailed };
}

/** 413: the body was over the server's limit; halves are sent one after the other. */
async function splitAndSend(
  sender: BatchSender,
  lines: BatchLine[],
  results: LineResult[],
  policy: RetryPolicy,
  redact: (s: string) => string,
): Promise<BatchOutcome> {
  const mid = Math.ceil(lines.length / 2);
  const out: BatchOutcome = { results };
  for (const half of [lines.slice(0, mid), lines.slice(mid)]) {
    if (out.fatal) {
      // Every line still gets exactly one result.
      for (const l of half) results.push({ line: l.line, outcome: 'failed', error_code: 'NOT_SENT', error_message: out.fatal });
      continue;
    }
    const r = await sendBatch(sender, half, policy, redact);
    results.push(...r.results);
    out.fatal = r.fatal;
    out.unreachable ||= r.unreachable;
  }
  return out;
}

function classify(err: unknown): Classified {
  if (err instanceof ApiError) {
    const failure = { code: err.reason ?? err.statusName, message: err.message };
    if (err.status === 413) return { kind: 'too-large', failure };
    // 409 ABORTED (reason CONFLICT) is "a concurrent change won; retry the request".
    if (err.status >= 500 || err.status === 429 || err.statusName === 'ABORTED') return { kind: 'retry', failure };
    if (FATAL_HTTP.has(err.status)) return { kind: 'fatal', failure };
    if (err.status === 409 && err.reason && EXISTS_REASONS.has(err.reason)) return { kind: 'existed', failure };
    return { kind: 'failed', failure };
  }
  const message = err instanceof Error ? err.message : String(err);
  // The transport sets `cause` only on a failed fetch: refused, reset, DNS, timeout.
  if (err instanceof Error && err.cause !== undefined) return { kind: 'retry', failure: { code: 'UNAVAILABLE', message } };
  return { kind: 'fatal', failure: { code: 'INTERNAL', message } };
}

function backoff(policy: RetryPolicy, attempt: number): number {
  const base = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(base * (0.75 + Math.random() * 0.5));
}

/**
 * Security: the server may echo what it was sent. Report lines and messages never carry key
 * material or the token, so every raw key and digest of `lines` is cut out of the message.
 */
function scrubbed(f: Failure, lines: BatchLine[], redact: (s: string) => string): { error_code: string; error_message: string } {
  let message = redact(String(f.message));
  for (const { item } of lines) {
    for (const secret of [item.raw_key, item.sha256]) {
      if (!secret) continue;
      message = message.split(secret).join('[REDACTED]');
      const escaped = JSON.stringify(secret).slice(1, -1);
      if (escaped !== secret) message = message.split(escaped).join('[REDACTED]');
    }
  }
  if (message.length > MAX_MESSAGE) message = `${message.slice(0, MAX_MESSAGE)}…`;
  return { error_code: redact(String(f.code)), error_message: message };
}
