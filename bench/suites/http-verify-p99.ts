import { runLoad, VERIFY_PATH } from '../http/load.js';
import { fmt } from '../lib/stats.js';
import {
  badCount,
  contender,
  httpTable,
  keysmithContender,
  loadSpec,
  med,
  perRound,
  post,
  profileKeysmith,
  runRounds,
  startBare,
  startKeysmith,
} from './http-rounds.js';
import type { Suite } from './types.js';

/** Issue 6: p99 latency of HTTP verify (cache hit) at half the saturating rate ≤ 2 ms. */
const TARGET_MS = 2;
const LOAD_SHARE = 0.5;
const NAME = 'http-verify-p99';
const TARGET_NAME = `HTTP verify, cache hit (SQLite): p99 latency at ${LOAD_SHARE * 100} % of saturation ≤ ${TARGET_MS} ms`;

const isCachedHit = (status: number, body: string, headers: Record<string, string>) =>
  status === 200 && body.startsWith('{"is_valid":true') && headers['ory-talos-cache'] === 'HIT';
const isBareAnswer = (status: number, body: string) => status === 200 && body === '{"is_valid":true}';

export const httpVerifyP99: Suite = {
  name: NAME,
  about: `Keysmith: the http-verify-cached request held at ${LOAD_SHARE * 100} % of its saturating rate (evenly paced open loop, bench/http/paced-load.ts; saturation = http-verify-cached's req/s in this run, else measured here) — p99 latency, bare baseline at the same rate`,
  async run(env) {
    if (!env.backends.includes('sqlite'))
      return { targets: [{ name: TARGET_NAME, figure: 'not measured: SQLite was not selected', pass: null }], markdown: [] };
    const bare = await startBare(env);
    try {
      const ks = await startKeysmith(env, 'sqlite', ['--cache', 'on']);
      try {
        const body = JSON.stringify({ credential: String(ks.server.info.credential) });
        await post(ks.server.port, VERIFY_PATH, ks.headers, body);
        const check = await post(ks.server.port, VERIFY_PATH, ks.headers, body);
        if (!isCachedHit(check.status, check.text, Object.fromEntries(check.headers))) throw new Error('set-up: the second verify was not a valid cache HIT');
        let saturation = env.facts.cachedVerifyReqPerSec;
        let source = 'http-verify-cached in this run (median of rounds)';
        if (!saturation || !Number.isFinite(saturation)) {
          const c = keysmithContender('saturation', ks, 'sqlite', VERIFY_PATH, body, isCachedHit);
          await runLoad(loadSpec(env, c, 2));
          saturation = (await runLoad(loadSpec(env, c, env.duration))).reqPerSec;
          source = `measured here (one closed-loop run of ${env.duration} s: http-verify-cached was not selected)`;
        }
        const rate = Math.max(1, Math.round(LOAD_SHARE * saturation));
        env.log(`  saturation ${fmt(saturation, 0)} req/s (${source}); holding ${fmt(rate, 0)} req/s`);
        const rows = await runRounds(
          env,
          [
            contender('bare node:http', bare, { check: isBareAnswer }),
            keysmithContender('Keysmith verify · SQLite · cache HIT', ks, 'sqlite', VERIFY_PATH, body, isCachedHit),
          ].map((c) => ({ ...c, spec: { ...c.spec, pacedRate: rate } })),
          NAME,
        );
        const [b, k] = rows;
        const p99 = med(k, (l) => l.exactP99Ms);
        const bad = badCount(k) + badCount(b);
        const achieved = med(k, (l) => l.reqPerSec);
        return {
          targets: [
            {
              name: TARGET_NAME,
              figure: `p99 ${fmt(p99, 3)} ms at ${fmt(achieved, 0)} req/s (held ${fmt(rate, 0)} = ${LOAD_SHARE * 100} % of ${fmt(saturation, 0)}); bare at the same rate ${fmt(
                med(b, (l) => l.exactP99Ms),
                3,
              )} ms${bad ? `; **${bad} bad answers**` : ''}`,
              pass: p99 <= TARGET_MS && bad === 0,
              profile: () =>
                profileKeysmith(env, NAME, 'sqlite', ['--cache', 'on'], (s) => {
                  const c = keysmithContender(
                    'profiled',
                    s,
                    'sqlite',
                    VERIFY_PATH,
                    JSON.stringify({ credential: String(s.server.info.credential) }),
                    isCachedHit,
                  );
                  return { ...c, spec: { ...c.spec, pacedRate: rate } };
                }),
              profileWhat: `Keysmith server under http-verify-p99 load on SQLite (cache on, ${fmt(rate, 0)} req/s held)`,
            },
          ],
          markdown: [
            `## HTTP verify latency at ${LOAD_SHARE * 100} % of saturation (\`${NAME}\`)`,
            '',
            `The http-verify-cached request (cache on, every answer checked to be a valid HIT) held at ${fmt(rate, 0)} req/s = ${LOAD_SHARE * 100} % of ${fmt(saturation, 0)} req/s, the saturating rate ${source};`,
            `the bare baseline at the same rate, back to back in each round. ${env.connections} connections, ${env.duration} s per run. Latencies are each response's own (float ms, exact percentiles).`,
            "The rate is held by an evenly paced open-loop client (bench/http/paced-load.ts: request i is due at t0 + i/rate and sent when the event loop next comes round, latency counted from when it was due, so a stall shows as latency). autocannon's `overallRate` was not used: it sends each connection's per-second quota as fast as it can at the start of every second, so its p99 is that of saturation bursts.",
            '',
            ...httpTable(rows, b),
            '',
            ...perRound(rows, env.rounds),
          ],
        };
      } finally {
        await ks.stop();
      }
    } finally {
      await bare.stop();
    }
  },
};
