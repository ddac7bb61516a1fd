import type { Backend } from '../../test/helpers/databases.js';
import type { LoadResult } from '../http/load.js';
import type { Window } from '../lib/cpuprofile.js';

/**
 * The extension point of bench/run.ts: a module under bench/suites/ exports a Suite, run.ts lists it in
 * SCENARIOS (kind 'suite'), runs the selected ones after its own scenarios, appends their target rows
 * to the Targets table and their markdown to the report. A suite owns its servers and cleans them up.
 */
export interface Suite {
  /** The scenario name on the command line. */
  name: string;
  /** One line for `--help` and the report's Method list. */
  about: string;
  run(env: SuiteEnv): Promise<SuiteResult>;
}

export interface SuiteResult {
  targets: TargetResult[];
  /** A report section (starting with a `##` heading), appended after run.ts's own sections. */
  markdown: string[];
}

/** A row of the Targets table; a missed target with `profile` gets one extra profiled run. */
export interface TargetResult {
  name: string;
  figure: string;
  pass: boolean | null; // null: not measured in this run
  profile?: () => Promise<Profiled>;
  profileWhat?: string;
}

/** A V8 CPU profile of the main thread and the time window of its measured run. */
export interface Profiled {
  file: string;
  window: Window;
}

/** An HTTP row measured by run.ts itself in this run (the bare baseline, http-verify per backend). */
export interface MeasuredHttpRow {
  label: string;
  runs: LoadResult[];
}

export interface SuiteEnv {
  rounds: number;
  /** Seconds per HTTP load run. */
  duration: number;
  /** Seconds per in-process round. */
  microSeconds: number;
  connections: number;
  pipelining: number;
  /** CPU the server processes are pinned to (null: not pinned); the bench process itself is on the other one when `pinned`. */
  serverCpu: number | null;
  pinned: boolean;
  /** Reachable, selected backends. */
  backends: readonly Backend[];
  log(msg: string): void;
  /** What run.ts measured before the suites, when those scenarios were selected. */
  http: { bare?: MeasuredHttpRow; verify: Partial<Record<Backend, MeasuredHttpRow>> };
  /** Figures one suite leaves for a later one in the same run (suites run in SCENARIOS order). */
  facts: SuiteFacts;
  profiles: {
    /** A fresh directory for one profiled run. */
    dir(name: string): string;
    /** The main thread's .cpuprofile written into `dir`. */
    mainThread(dir: string): string;
  };
}

export interface SuiteFacts {
  /** http-verify-cached: median req/s of the cached verify path on SQLite (saturation for http-verify-p99). */
  cachedVerifyReqPerSec?: number;
}
