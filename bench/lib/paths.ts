import { mkdirSync, mkdtempSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Scratch space for databases, logs and CPU profiles (.gitignored). */
export const BENCH_TMP = join(REPO_ROOT, '.bench-tmp');

export function scratchDir(prefix: string): string {
  mkdirSync(BENCH_TMP, { recursive: true });
  return mkdtempSync(join(BENCH_TMP, `${prefix}-`));
}
