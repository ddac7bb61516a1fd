import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../lib/paths.js';
import { fmt } from '../lib/stats.js';
import type { Suite } from './types.js';

/**
 * Issue 8: the console's initial load (bytes on the wire, gzip; time to interactive) and the key table
 * with 10,000 keys paging without blocking the main thread. Runs bench/console.ts (Debian's Chromium,
 * a real server on loopback) in a child process and reports its JSON.
 */
const KEYS = 10_000;
/** A main-thread task this long or longer is a "long task" (the browser's own definition): the page would stutter. */
const LONG_TASK_MS = 50;

interface LoadFigures {
  transfer_bytes_static: number;
  transfer_bytes_total: number;
  requests: number;
  tti_ms_median: number;
}
interface PagingFigures {
  pages: number;
  medianPageMs: number;
  maxPageMs: number;
  longTasks: number;
  maxLongTaskMs: number;
}
interface ConsoleBench {
  chromium: string;
  keys: number;
  runs: number;
  initial_load_sign_in: LoadFigures;
  initial_load_key_table: LoadFigures;
  paging_50_per_page: PagingFigures;
  paging_1000_per_page: PagingFigures;
}

const kb = (bytes: number) => fmt(bytes / 1024, 1);

export const consoleLoad: Suite = {
  name: 'console',
  about: `the web console in Debian's Chromium against a real server (SQLite): initial load (gzip bytes on the wire, time to interactive, cold cache, median of 5) and paging a key table of ${KEYS.toLocaleString('en-US')} keys (bench/console.ts)`,
  async run(env) {
    env.log(`  bench/console.ts --runs 5 --keys ${KEYS} (seeding ${KEYS.toLocaleString('en-US')} keys first)`);
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', join(REPO_ROOT, 'bench/console.ts'), '--runs', '5', '--keys', String(KEYS)],
      {
        cwd: REPO_ROOT,
        timeout: 900_000,
        maxBuffer: 1 << 22,
      },
    );
    const r = JSON.parse(stdout.slice(stdout.indexOf('{'))) as ConsoleBench;
    const p50 = r.paging_50_per_page;
    const p1000 = r.paging_1000_per_page;
    env.log(
      `  sign-in page ${kb(r.initial_load_sign_in.transfer_bytes_static)} KB, TTI ${r.initial_load_sign_in.tti_ms_median} ms; paging longest task ${p50.maxLongTaskMs} ms`,
    );
    const load = (label: string, f: LoadFigures) =>
      `| ${label} | ${kb(f.transfer_bytes_static)} | ${kb(f.transfer_bytes_total)} | ${f.requests} | ${f.tti_ms_median} |`;
    const paging = (label: string, f: PagingFigures) => `| ${label} | ${f.pages} | ${f.medianPageMs} | ${f.maxPageMs} | ${f.longTasks} | ${f.maxLongTaskMs} |`;
    return {
      targets: [
        {
          name: 'Console: initial load (gzip, on the wire) and time to interactive on loopback',
          figure: `recorded: ${kb(r.initial_load_sign_in.transfer_bytes_static)} KB (with the first API calls ${kb(r.initial_load_sign_in.transfer_bytes_total)} KB), TTI ${r.initial_load_sign_in.tti_ms_median} ms; key table page ${kb(r.initial_load_key_table.transfer_bytes_total)} KB, TTI ${r.initial_load_key_table.tti_ms_median} ms`,
          pass: true,
        },
        {
          name: `Console: the key table of ${KEYS.toLocaleString('en-US')} keys pages without blocking (no main-thread task ≥ ${LONG_TASK_MS} ms, 50 keys per page)`,
          figure: `${p50.pages} pages, median ${p50.medianPageMs} ms per page, ${p50.longTasks} long tasks (longest ${p50.maxLongTaskMs} ms); 1,000 per page: ${p1000.longTasks} long tasks, longest ${p1000.maxLongTaskMs} ms`,
          pass: p50.longTasks === 0,
        },
      ],
      markdown: [
        '## Console (`console`)',
        '',
        `Debian Chromium ${r.chromium}, headless, a fresh profile per run; the server is an in-process Keysmith on SQLite listening on loopback with ${r.keys.toLocaleString('en-US')} issued keys.`,
        'Bytes are what crossed the wire (gzip as served); time to interactive = navigation start → the first usable screen rendered. Medians of 5 cold loads.',
        '',
        '| Page | static KB (gzip) | total KB with API calls | requests | TTI ms |',
        '|---|---:|---:|---:|---:|',
        load('Sign-in', r.initial_load_sign_in),
        load(`Key table (first page of ${r.keys.toLocaleString('en-US')} keys)`, r.initial_load_key_table),
        '',
        '| Paging through every key | pages | median ms per page | max ms per page | long tasks (≥ 50 ms) | longest task ms |',
        '|---|---:|---:|---:|---:|---:|',
        paging('50 keys per page', p50),
        paging('1,000 keys per page', p1000),
        '',
      ],
    };
  },
};
