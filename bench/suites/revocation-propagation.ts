import { runRevocationTrials } from '../../test/helpers/revocation-trials.js';
import { startTwoNodesOnPostgres } from '../../test/helpers/two-nodes.js';
import { REPO_ROOT } from '../lib/paths.js';
import { fmt, median } from '../lib/stats.js';
import type { Suite } from './types.js';

/** Issue 6 / SPEC §5: a revoke on one node is refused by every other node's cache within 1 s. */
const BOUND_MS = 1000;
const TRIALS = 100;
const LOAD_PER_NODE = 4;
const NAME = 'revocation-propagation';
const TARGET_NAME = `Revocation propagation, 2 nodes on PostgreSQL, cache on: max over ${TRIALS} trials ≤ ${fmt(BOUND_MS / 1000, 0)} s (p50 recorded)`;
const OPERATOR_TOKEN = 'ks_op_bench_revocation_token_0123456789abcdef';
const ADMIN_TOKEN = 'ks_pat_bench_revocation_admin_0123456789abcdef';

/**
 * Two real `keysmith serve` processes (src/main.ts through tsx) on one fresh PostgreSQL database, started
 * by test/helpers/two-nodes.ts and driven by test/helpers/revocation-trials.ts — the same experiment as
 * test/e2e/revocation-bound.test.ts, reported instead of asserted. Once per run, not per round.
 */
export const revocationPropagation: Suite = {
  name: NAME,
  about: `two \`keysmith serve\` processes on one PostgreSQL, cache on, both under verify load (${LOAD_PER_NODE} loops each): ${TRIALS} trials of revoke on node A → poll node B every 5 ms until it answers REVOKED`,
  async run(env) {
    if (!env.backends.includes('postgres'))
      return {
        targets: [{ name: TARGET_NAME, figure: 'not measured: PostgreSQL not selected or not reachable', pass: null }],
        markdown: [`## Revocation propagation (\`${NAME}\`)`, '', 'Not measured: PostgreSQL not selected or not reachable.', ''],
      };
    // The helper starts `src/main.ts` relative to the working directory.
    if (process.cwd() !== REPO_ROOT) process.chdir(REPO_ROOT);
    const two = await startTwoNodesOnPostgres('bench-revocation', {
      KEYSMITH_SECRETS_MASTER_KEY: 'be'.repeat(32),
      KEYSMITH_OPERATOR_TOKEN: OPERATOR_TOKEN,
      KEYSMITH_ADMIN_TOKEN: ADMIN_TOKEN,
    });
    try {
      const [a, b] = two.nodes;
      env.log(`  nodes on ports ${a.port} and ${b.port}; ${TRIALS} trials`);
      const t0 = performance.now();
      const r = await runRevocationTrials(a, b, { adminToken: ADMIN_TOKEN, operatorToken: OPERATOR_TOKEN, trials: TRIALS, loadPerNode: LOAD_PER_NODE });
      const seconds = (performance.now() - t0) / 1000;
      const sorted = [...r.latencies].sort((x, y) => x - y);
      const p50 = median(sorted);
      const p95 = sorted[Math.min(sorted.length - 1, Math.ceil(0.95 * sorted.length) - 1)];
      const max = sorted[sorted.length - 1];
      const hitsOk = r.hits >= TRIALS * 0.9;
      env.log(`  p50 ${fmt(p50, 1)} ms, p95 ${fmt(p95, 1)} ms, max ${fmt(max, 1)} ms; hits ${r.hits}/${TRIALS}; bad ${r.bad}; load ${r.loadRequests} verifies`);
      return {
        targets: [
          {
            name: TARGET_NAME,
            figure: `p50 ${fmt(p50, 1)} ms, max ${fmt(max, 1)} ms; node B served the key from its cache before the revoke in ${r.hits}/${TRIALS} trials${r.bad ? `; **${r.bad} bad answers**` : ''}${hitsOk ? '' : ' (**too few cache hits: the cache path was not what was measured**)'}`,
            pass: max <= BOUND_MS && r.bad === 0 && hitsOk,
          },
        ],
        markdown: [
          `## Revocation propagation, two nodes on PostgreSQL (\`${NAME}\`)`,
          '',
          "Two `keysmith serve` processes (from the sources, log level warn, not pinned) on one fresh PostgreSQL database; the default project's cache turned on",
          `through the operator config API (TTL 5 min); ${LOAD_PER_NODE} concurrent verify loops on each node for the whole run. Per trial: issue a key on A, verify it twice on B`,
          "(the second from B's cache), revoke it on A, then poll B every 5 ms until it answers `VERIFICATION_ERROR_REVOKED`; latency = revoke answered → that answer.",
          `Invalidation travels over PostgreSQL LISTEN/NOTIFY. ${TRIALS} trials in ${fmt(seconds, 1)} s, once per run (not per round); the same experiment as \`test/e2e/revocation-bound.test.ts\`.`,
          '',
          '| Trials | p50 ms | p95 ms | max ms | bound | cache HIT before the revoke | background verifies | bad answers |',
          '|---:|---:|---:|---:|---:|---:|---:|---:|',
          `| ${TRIALS} | ${fmt(p50, 1)} | ${fmt(p95, 1)} | ${fmt(max, 1)} | ${BOUND_MS} ms | ${r.hits}/${TRIALS} | ${r.loadRequests.toLocaleString('en-US')} | ${r.bad} |`,
          '',
        ],
      };
    } finally {
      await two.stop();
    }
  },
};
