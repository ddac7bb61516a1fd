/**
 * Timing loops for in-process micro benchmarks: process.hrtime.bigint() around batches, run until
 * both a minimum iteration count and a time budget are reached (and never past a hard cap).
 */

export interface Sample {
  /** Wall-clock µs per operation. */
  usPerOp: number;
  iterations: number;
  seconds: number;
  /** Operations whose result was not the expected one (must stay 0). */
  bad: number;
}

export interface Budget {
  seconds: number;
  minIterations: number;
  /** Hard stop, whatever minIterations says. */
  maxSeconds: number;
}

const BATCH = 500;

export async function timeAsync(op: () => Promise<boolean>, budget: Budget): Promise<Sample> {
  let iterations = 0;
  let bad = 0;
  const start = process.hrtime.bigint();
  const soft = BigInt(Math.round(budget.seconds * 1e9));
  const hard = BigInt(Math.round(budget.maxSeconds * 1e9));
  let elapsed = 0n;
  while (true) {
    for (let i = 0; i < BATCH; i++) if (!(await op())) bad++;
    iterations += BATCH;
    elapsed = process.hrtime.bigint() - start;
    if ((elapsed >= soft && iterations >= budget.minIterations) || elapsed >= hard) break;
  }
  const ns = Number(elapsed);
  return { usPerOp: ns / 1000 / iterations, iterations, seconds: ns / 1e9, bad };
}

export function timeSync(op: () => boolean, budget: Budget): Sample {
  let iterations = 0;
  let bad = 0;
  const start = process.hrtime.bigint();
  const soft = BigInt(Math.round(budget.seconds * 1e9));
  const hard = BigInt(Math.round(budget.maxSeconds * 1e9));
  let elapsed = 0n;
  while (true) {
    for (let i = 0; i < BATCH; i++) if (!op()) bad++;
    iterations += BATCH;
    elapsed = process.hrtime.bigint() - start;
    if ((elapsed >= soft && iterations >= budget.minIterations) || elapsed >= hard) break;
  }
  const ns = Number(elapsed);
  return { usPerOp: ns / 1000 / iterations, iterations, seconds: ns / 1e9, bad };
}

/** `inFlight` concurrent callers for `seconds`; µs/op = wall time / operations completed (throughput). */
export async function timeConcurrent(op: () => Promise<boolean>, inFlight: number, seconds: number): Promise<Sample> {
  let iterations = 0;
  let bad = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(Math.round(seconds * 1e9));
  const worker = async () => {
    while (process.hrtime.bigint() < deadline) {
      if (!(await op())) bad++;
      iterations++;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  const ns = Number(process.hrtime.bigint() - start);
  return { usPerOp: ns / 1000 / Math.max(1, iterations), iterations, seconds: ns / 1e9, bad };
}
