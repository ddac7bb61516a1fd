import { fmt } from '../lib/stats.js';
import {
  badCount,
  type Contender,
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
import type { Suite, TargetResult } from './types.js';

/** Issue 7: derive a JWT (EdDSA) over HTTP ≥ 5,000 tokens/s on one server core. */
const TARGET_PER_CORE = 5_000;
const NAME = 'derive-http';
const PATH = '/v2alpha1/admin/apiKeys:derive';
const JWT_TARGET = `HTTP derive, JWT EdDSA (SQLite) ≥ ${TARGET_PER_CORE.toLocaleString('en-US')} tokens/s on one server core`;
const MACAROON_NAME = 'HTTP derive, macaroon (SQLite): recorded';

const body = (credential: unknown, algorithm: string) => JSON.stringify({ credential: String(credential), algorithm });
const isJwt = (status: number, text: string) => status === 200 && text.startsWith('{"token":{"token":"eyJ');
/** A derived macaroon: 200 with a token that is not a JWT. */
const isMacaroon = (status: number, text: string) => status === 200 && text.startsWith('{"token":{"token":"') && !text.startsWith('{"token":{"token":"eyJ');
const perCore = (row: Row) => 1e6 / med(row, (l) => l.serverCpuUsPerReq);

export const deriveHttp: Suite = {
  name: NAME,
  about: `Keysmith: POST ${PATH} of one valid issued key (parent read fresh from the store, checked, signed, audited) as a JWT (EdDSA, the default project's key) and as a macaroon; tokens/s and server CPU per token (SQLite)`,
  async run(env) {
    if (!env.backends.includes('sqlite')) return { targets: [{ name: JWT_TARGET, figure: 'not measured: SQLite was not selected', pass: null }], markdown: [] };
    const bare = await startBare(env);
    try {
      const ks = await startKeysmith(env, 'sqlite', []);
      try {
        const cred = ks.server.info.credential;
        const jwtBody = body(cred, 'TOKEN_ALGORITHM_JWT');
        const jwt = await post(ks.server.port, PATH, ks.headers, jwtBody);
        if (!isJwt(jwt.status, jwt.text)) throw new Error(`set-up: derive JWT answered ${jwt.status} ${jwt.text.slice(0, 160)}`);
        const macBody = body(cred, 'TOKEN_ALGORITHM_MACAROON');
        const mac = await post(ks.server.port, PATH, ks.headers, macBody);
        // The macaroon path is being built in parallel: a refusal is reported, not a failure of the run.
        const macaroonNote = isMacaroon(mac.status, mac.text) ? null : `not available (the server answered ${mac.status} ${mac.text.slice(0, 120)})`;
        const contenders: Contender[] = [
          contender('bare node:http (same body)', bare, { body: jwtBody, check: (s) => s === 200 }),
          keysmithContender('Keysmith derive · JWT EdDSA · SQLite', ks, 'sqlite', PATH, jwtBody, isJwt),
        ];
        if (!macaroonNote) contenders.push(keysmithContender('Keysmith derive · macaroon · SQLite', ks, 'sqlite', PATH, macBody, isMacaroon));
        else env.log(`  macaroon: ${macaroonNote}`);
        const rows = await runRounds(env, contenders, NAME);
        const [b, j, m] = rows;
        const figure = (row: Row) =>
          `${fmt(perCore(row), 0)} tokens per server-core-second (${fmt(
            med(row, (l) => l.serverCpuUsPerReq),
            1,
          )} µs/token); ${fmt(
            med(row, (l) => l.reqPerSec),
            0,
          )} tokens/s measured${badCount(row) ? `; **${badCount(row)} bad answers**` : ''}`;
        const targets: TargetResult[] = [
          {
            name: JWT_TARGET,
            figure: figure(j),
            pass: perCore(j) >= TARGET_PER_CORE && badCount(j) + badCount(b) === 0,
            profile: () =>
              profileKeysmith(env, NAME, 'sqlite', [], (s) =>
                keysmithContender('profiled', s, 'sqlite', PATH, body(s.server.info.credential, 'TOKEN_ALGORITHM_JWT'), isJwt),
              ),
            profileWhat: 'Keysmith server under derive-http (JWT EdDSA) load on SQLite',
          },
          { name: MACAROON_NAME, figure: m ? figure(m) : (macaroonNote ?? 'not measured'), pass: m ? badCount(m) === 0 : null },
        ];
        return {
          targets,
          markdown: [
            `## HTTP derive (\`${NAME}\`)`,
            '',
            `\`POST ${PATH}\` with \`{"credential": <valid issued key>, "algorithm": …}\`: every request reads the parent fresh from the store (no cache), checks it, signs and writes an audit event.`,
            'Every answer checked: `200` and a JWT (`eyJ…`) or a non-JWT token for the macaroon. The bare baseline parses the same body.',
            'Tokens per server-core-second = 10⁶ ÷ server CPU µs per request (the server is one process on one core, so this is "on one core"); tokens/s = req/s as measured.',
            ...(macaroonNote ? ['', `Macaroon: ${macaroonNote.replace(/\|/g, '\\|')}.`] : []),
            '',
            ...httpTable(rows, b, { head: 'tokens per server-core-second', cell: (r) => (r === b ? '—' : fmt(perCore(r), 0)) }),
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
