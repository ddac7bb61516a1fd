import type { Backend } from '../../test/helpers/databases.js';
import type { Budget, Sample } from './loop.js';

/** One measurable thing of a micro scenario (e.g. verify-issued on PostgreSQL), set up once, run per round. */
export interface MicroCase {
  scenario: string;
  backend: Backend | null;
  label: string;
  warmup(): Promise<void>;
  sequential(budget: Budget): Promise<Sample>;
  /** Throughput with several operations in flight (only where the store is asynchronous for real). */
  concurrent?(seconds: number): Promise<Sample>;
  close(): Promise<void>;
}

export const IN_FLIGHT = 32;
