import { type LoadResult, VERIFY_PATH } from '../http/load.js';
import { BACKEND_LABEL } from '../lib/keysmith.js';
import { fmt, ratio } from '../lib/stats.js';
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
  roundRatio,
  runRounds,
  startBare,
  startKeysmith,
} from './http-rounds.js';
import type { MeasuredHttpRow, Suite, SuiteEnv, SuiteResult, TargetResult } from './types.js';

/** Issue 6: HTTP verify served from the cache ≥ 80 % of bare req/s, server CPU ≤ 1.25× bare per request. */
const TARGET = { reqVsBare: 0.8, cpuVsBare: 1.25 };
const NAME = 'http-verify-cached';
const TARGET_NAME = `HTTP verify, cache hit (SQLite) ≥ ${TARGET.reqVsBare * 100} % of bare req/s and server CPU ≤ ${TARGET.cpuVsBare}× bare per request`;

/** Every answer: 200, `is_valid: true` (first field of the body), served from the cache. */
const isCachedHit = (status: number, body: string, headers: Record<string, string>) =>
  status === 200 && body.startsWith('{"is_valid":true') && headers['ory-talos-cache'] === 'HIT';
const isBareAnswer = (status: number, body: string) => status === 200 && body === '{"is_valid":true}';

export const httpVerifyCached: Suite = {
  name: NAME,
  about:
    'Keysmith: POST /v2alpha1/admin/apiKeys:verify of one valid issued key with the project cache on (every answer checked to be a HIT), SQLite; beside it the uncached `http-verify` rows as the cache-miss path',
  async run(env) {
    if (!env.backends.includes('sqlite')) return notMeasured('SQLite was not selected (--backends)');
    const bare = await startBare(env);
    try {
      const ks = await startKeysmith(env, 'sqlite', ['--cache', 'on']);
      try {
        const body = JSON.stringify({ credential: String(ks.server.info.credential) });
        const first = await post(ks.server.port, VERIFY_PATH, ks.headers, body);
        const second = await post(ks.server.port, VERIFY_PATH, ks.headers, body);
        if (!isCachedHit(second.status, second.text, Object.fromEntries(second.headers)))
          throw new Error(
            `set-up: the second verify was not a valid cache HIT (${first.headers.get('ory-talos-cache')} then ${second.status} ${second.headers.get('ory-talos-cache')} ${second.text.slice(0, 120)})`,
          );
        const rows = await runRounds(
          env,
          [
            contender('bare node:http', bare, { check: isBareAnswer }),
            keysmithContender('Keysmith verify · SQLite · cache HIT', ks, 'sqlite', VERIFY_PATH, body, isCachedHit),
          ],
          NAME,
        );
        return report(env, rows[0], rows[1]);
      } finally {
        await ks.stop();
      }
    } finally {
      await bare.stop();
    }
  },
};

function report(env: SuiteEnv, bare: Row, hit: Row): SuiteResult {
  const reqRatio = roundRatio(hit, bare, (l) => l.reqPerSec);
  const cpuRatio = roundRatio(hit, bare, (l) => l.serverCpuUsPerReq);
  const bad = badCount(hit) + badCount(bare);
  env.facts.cachedVerifyReqPerSec = med(hit, (l) => l.reqPerSec);
  const targets: TargetResult[] = [
    {
      name: TARGET_NAME,
      figure: `${fmt(100 * reqRatio, 1)} % of bare req/s; CPU ${fmt(cpuRatio)}× bare (${fmt(
        med(hit, (l) => l.serverCpuUsPerReq),
        1,
      )} vs ${fmt(
        med(bare, (l) => l.serverCpuUsPerReq),
        1,
      )} µs/req)${bad ? `; **${bad} bad answers**` : ''}`,
      pass: reqRatio >= TARGET.reqVsBare && cpuRatio <= TARGET.cpuVsBare && bad === 0,
      profile: () =>
        profileKeysmith(env, NAME, 'sqlite', ['--cache', 'on'], (ks) =>
          keysmithContender('profiled', ks, 'sqlite', VERIFY_PATH, JSON.stringify({ credential: String(ks.server.info.credential) }), isCachedHit),
        ),
      profileWhat: 'Keysmith server under http-verify-cached load on SQLite (cache on)',
    },
  ];
  const md = [
    '## HTTP verify, cache hit (`http-verify-cached`)',
    '',
    `The default project's cache turned on (\`cache.enabled\`, TTL at its default); one issued key verified once before the load so that every measured request is a hit.`,
    `Same load as the HTTP section (${env.connections} connections, pipelining ${env.pipelining}, ${env.duration} s per run), bare baseline and Keysmith back to back in each of ${env.rounds} round(s).`,
    'Every answer was checked: bare `200 {"is_valid":true}`; Keysmith `200`, `is_valid: true` and `Ory-Talos-Cache: HIT`. p50/p99 here are exact (each response\'s own latency), not autocannon\'s whole milliseconds.',
    '',
    ...httpTable([bare, hit], bare),
    '',
    ...perRound([bare, hit], env.rounds),
  ];
  const missRows = (['sqlite', 'postgres'] as const).map((b) => ({ b, row: env.http.verify[b] }));
  for (const { b, row } of missRows) targets.push(missTarget(env, b, row, hit, bare));
  md.push('### Cache miss (the `http-verify` rows of this run: cache off, every request reads the store), ratio to the hit path', '');
  if (missRows.some((m) => m.row) && env.http.bare) {
    md.push(
      'Measured in the HTTP section, against its own bare baseline; the ratios divide the two paths after normalising each by the bare run of its own round, so drift of the machine between the two sections cancels out.',
      '',
      '| Backend | miss req/s | miss server CPU µs/req | hit req/s (SQLite) | req/s miss ÷ hit | CPU/req miss ÷ hit |',
      '|---|---:|---:|---:|---:|---:|',
    );
    for (const { b, row } of missRows) {
      if (!row) continue;
      const m = missVsHit(env, row, hit, bare);
      md.push(
        `| ${BACKEND_LABEL[b]} | ${fmt(
          med(row, (l) => l.reqPerSec),
          0,
        )} | ${fmt(
          med(row, (l) => l.serverCpuUsPerReq),
          1,
        )} | ${fmt(
          med(hit, (l) => l.reqPerSec),
          0,
        )} | ${fmt(m.req)} | ${fmt(m.cpu)} |`,
      );
    }
  } else md.push('Not measured: run `http-verify` in the same run (it is before this suite) to get the cache-miss rows.');
  md.push('');
  return { targets, markdown: md };
}

/** Miss ÷ hit, each first divided by its own round's bare baseline. */
function missVsHit(env: SuiteEnv, miss: MeasuredHttpRow, hit: Row, bare: Row) {
  // Row and MeasuredHttpRow have the same shape: label + runs.
  const vsHit = (f: (l: LoadResult) => number) => ratio(roundRatio(miss, env.http.bare, f), roundRatio(hit, bare, f));
  return { req: vsHit((l) => l.reqPerSec), cpu: vsHit((l) => l.serverCpuUsPerReq) };
}

function missTarget(env: SuiteEnv, b: 'sqlite' | 'postgres', miss: MeasuredHttpRow | undefined, hit: Row, bare: Row): TargetResult {
  const name = `HTTP verify, cache miss on ${BACKEND_LABEL[b]}: recorded, with the ratio to the hit path`;
  if (!miss || !env.http.bare) return { name, figure: 'not measured (needs `http-verify` in the same run)', pass: null };
  const m = missVsHit(env, miss, hit, bare);
  return {
    name,
    figure: `${fmt(
      med(miss, (l) => l.reqPerSec),
      0,
    )} req/s, ${fmt(
      med(miss, (l) => l.serverCpuUsPerReq),
      1,
    )} µs/req = ${fmt(m.req)}× the hit path's req/s, ${fmt(m.cpu)}× its CPU/req`,
    pass: true,
  };
}

function notMeasured(why: string): SuiteResult {
  return {
    targets: [{ name: TARGET_NAME, figure: `not measured: ${why}`, pass: null }],
    markdown: ['## HTTP verify, cache hit (`http-verify-cached`)', '', `Not measured: ${why}.`, ''],
  };
}
