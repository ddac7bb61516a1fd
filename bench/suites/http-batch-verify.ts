import { fmt } from '../lib/stats.js';
import {
  badCount,
  contender,
  httpTable,
  keysmithContender,
  med,
  perRound,
  post,
  profileKeysmith,
  type Row,
  runRounds,
  startBare,
  startKeysmith,
} from './http-rounds.js';
import type { Suite } from './types.js';

/** Issue 6: batch verify of 100 cached keys ≥ 200,000 credentials per second per server core. */
const TARGET_PER_CORE = 200_000;
const BATCH = 100;
const NAME = 'http-batch-verify';
const PATH = '/v2alpha1/admin/apiKeys:batchVerify';
const TARGET_NAME = `HTTP batch verify of ${BATCH} cached keys (SQLite) ≥ ${TARGET_PER_CORE.toLocaleString('en-US')} credentials/s per server core`;

const batchBody = (credentials: unknown) => JSON.stringify({ requests: (credentials as string[]).map((credential) => ({ credential })) });
/** 200 and exactly BATCH valid results (the body is a results array in request order; nothing else says `"is_valid":true`). */
const allValid = (status: number, body: string) => status === 200 && body.split('"is_valid":true').length - 1 === BATCH && !body.includes('"is_valid":false');
/** Credentials per second of server CPU = per fully used core. */
const perCore = (row: Row) => (BATCH * 1e6) / med(row, (l) => l.serverCpuUsPerReq);

export const httpBatchVerify: Suite = {
  name: NAME,
  about: `Keysmith: POST ${PATH} with ${BATCH} distinct valid issued keys per request, project cache on and every key cached first (SQLite); the bare baseline parses the same body`,
  async run(env) {
    if (!env.backends.includes('sqlite'))
      return { targets: [{ name: TARGET_NAME, figure: 'not measured: SQLite was not selected', pass: null }], markdown: [] };
    const bare = await startBare(env);
    try {
      const ks = await startKeysmith(env, 'sqlite', ['--cache', 'on', '--keys', String(BATCH)]);
      try {
        const creds = ks.server.info.credentials as string[];
        if (!Array.isArray(creds) || new Set(creds).size !== BATCH)
          throw new Error(`set-up: the server announced ${creds?.length} keys, not ${BATCH} distinct ones`);
        const body = batchBody(creds);
        // Two passes: the first fetches all 100 with one query and caches them, the second must be all valid.
        await post(ks.server.port, PATH, ks.headers, body);
        const second = await post(ks.server.port, PATH, ks.headers, body);
        if (!allValid(second.status, second.text))
          throw new Error(`set-up: a batch of ${BATCH} was not all valid (${second.status} ${second.text.slice(0, 160)})`);
        const rows = await runRounds(
          env,
          [
            contender('bare node:http (same body)', bare, { body, check: (s) => s === 200 }),
            keysmithContender(`Keysmith batchVerify ×${BATCH} · SQLite · cached`, ks, 'sqlite', PATH, body, allValid),
          ],
          NAME,
        );
        const [b, k] = rows;
        const bad = badCount(k) + badCount(b);
        const core = perCore(k);
        return {
          targets: [
            {
              name: TARGET_NAME,
              figure: `${fmt(core, 0)} credentials/s per server core (${fmt(med(k, (l) => l.serverCpuUsPerReq) / BATCH, 2)} µs each); ${fmt(
                BATCH * med(k, (l) => l.reqPerSec),
                0,
              )} credentials/s measured${bad ? `; **${bad} bad answers**` : ''}`,
              pass: core >= TARGET_PER_CORE && bad === 0,
              profile: () =>
                profileKeysmith(env, NAME, 'sqlite', ['--cache', 'on', '--keys', String(BATCH)], (s) =>
                  keysmithContender('profiled', s, 'sqlite', PATH, batchBody(s.server.info.credentials), allValid),
                ),
              profileWhat: `Keysmith server under http-batch-verify load on SQLite (${BATCH} cached keys per request)`,
            },
          ],
          markdown: [
            `## HTTP batch verify, ${BATCH} cached keys per request (\`${NAME}\`)`,
            '',
            `${BATCH} distinct issued keys in one \`${PATH}\` body (${fmt(body.length / 1024, 1)} KB); the project cache on and the batch sent twice before the load, so every record comes from the cache`,
            '(batch answers carry no cache header). Every answer checked: `200` with exactly 100 `is_valid: true` results. The bare baseline parses the same body.',
            'Credentials per server core = 100 ÷ server CPU µs per request × 10⁶ (the steadier figure); credentials/s = 100 × req/s as measured.',
            '',
            ...httpTable(rows, b, {
              head: 'credentials/s · per server core',
              cell: (r) => (r === b ? '—' : `${fmt(BATCH * med(r, (l) => l.reqPerSec), 0)} · ${fmt(perCore(r), 0)}`),
            }),
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
