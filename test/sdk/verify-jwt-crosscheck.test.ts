import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createLocalJWKSet, errors, jwtVerify } from 'jose';
import { JwksCache, type JwtErrorCode, JwtVerificationError, type KeysmithJwtAlgorithm, verifyJwt } from '../../packages/sdk/src/index.js';
import { type Alg, b64, newSigner, prng, rawSign, type Signer, startJwksServer } from './local-jws.js';

// Differential test: verifyJwt (node:crypto) against jose.jwtVerify (WebCrypto), the verifier it
// replaced, on 200 random tokens — valid ones and ones broken in the ways tokens get broken (bit
// flips in any segment, foreign signatures, swapped kid or alg, attacker keys, claims outside their
// window, wrong iss/aud, missing or mistyped claims). Same verdict, same claims when valid, same code
// when not (jose's errors mapped as the SDK mapped them before). Two deliberate differences, both
// refused as malformed by us: a segment in non-canonical base64url (jose may accept it), and a header
// without a string `kid` (jose would try every key of the alg; ours are chosen by kid only).
// CROSSCHECK_SEED=<n> replays a run.

const T0 = Date.parse('2026-06-01T00:00:00.000Z');
const NOW = T0 / 1000;
const ISSUER = 'https://keys.test.example';
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const ALL: KeysmithJwtAlgorithm[] = ['EdDSA', 'ES256', 'RS256'];

type Outcome = { ok: true; claims: Record<string, unknown> } | { ok: false; code: string };

/** The SDK's former mapping of jose's errors (verify-jwt.ts before ADR 0007's node:crypto path). */
function joseCode(e: unknown): JwtErrorCode {
  if (e instanceof errors.JWTExpired) return 'expired';
  if (e instanceof errors.JWTClaimValidationFailed) {
    if (e.claim === 'aud') return 'wrong_audience';
    if (e.reason === 'missing' || e.reason === 'invalid') return 'malformed';
    if (e.claim === 'nbf') return 'not_yet_valid';
    if (e.claim === 'iss') return 'wrong_issuer';
    return 'malformed';
  }
  if (e instanceof errors.JWSInvalid || e instanceof errors.JWTInvalid) return 'malformed';
  return 'signature_invalid';
}

const outcome = async (p: Promise<Record<string, unknown>>, code: (e: unknown) => string): Promise<Outcome> =>
  p.then(
    (claims) => ({ ok: true, claims }),
    (e) => ({ ok: false, code: code(e) }),
  );

/** Tokens our stricter parsing refuses as malformed whatever jose says (see the header comment). */
function stricterThanJose(token: string): boolean {
  const segs = token.split('.');
  if (!segs.every(canonical)) return true;
  try {
    const header = JSON.parse(Buffer.from(segs[0], 'base64url').toString('utf8'));
    return typeof header === 'object' && header !== null && !Array.isArray(header) && (typeof header.kid !== 'string' || header.kid === '');
  } catch {
    return false;
  }
}

function canonical(seg: string): boolean {
  const rem = seg.length % 4;
  if (rem === 1) return false;
  return rem === 0 || (B64URL.indexOf(seg.at(-1)!) & (rem === 2 ? 0x0f : 0x03)) === 0;
}

describe('sdk verifyJwt agrees with jose.jwtVerify', () => {
  const signers: Signer[] = [newSigner('EdDSA'), newSigner('ES256'), newSigner('RS256')];
  const attackers: Signer[] = [newSigner('EdDSA'), newSigner('ES256'), newSigner('RS256')];
  let server: Awaited<ReturnType<typeof startJwksServer>>;
  before(async () => {
    server = await startJwksServer(() => signers.map((s) => s.jwk));
  });
  after(() => server.close());

  it('200 random valid and invalid tokens: the same verdict (and claims, and code)', async () => {
    const seed = Number(process.env.CROSSCHECK_SEED ?? 20_260_601);
    const rnd = prng(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
    const chance = (p: number) => rnd() < p;
    const now = () => T0;
    const jwks = new JwksCache(server.url, { now, verifiedTokens: 0 });
    const joseSet = createLocalJWKSet({ keys: signers.map((s) => s.jwk) as never });
    const sign = (header: Record<string, unknown>, claims: Record<string, unknown>, by: Signer, as: Alg = by.alg) => {
      const input = `${b64(header)}.${b64(claims)}`;
      return `${input}.${rawSign(as, input, by.privateKey).toString('base64url')}`;
    };
    const tally = { valid: 0, invalid: 0, nonCanonical: 0 };

    for (let i = 0; i < 200; i++) {
      // Valid at the edges (exp/nbf right at the tolerance, aud string or list), or broken in one way.
      const signer = pick(signers);
      const tolerance = pick([0, 30]);
      let audience = chance(0.3) ? 'svc' : undefined;
      let algorithms = pick([undefined, undefined, [signer.alg], ALL.filter((a) => a === signer.alg || chance(0.5))]);
      const claims: Record<string, unknown> = {
        jti: randomUUID(),
        sub: randomUUID(),
        iss: ISSUER,
        iat: NOW - 60,
        nbf: NOW + pick([-60, 0, tolerance]),
        exp: NOW + pick([3600, 1, 1 - tolerance]),
        act: 'agent',
        scp: ['read'],
        meta: { n: i },
        nid: '6f1c2a9e-0000-4000-8000-00000000000b',
        vis: 'secret',
      };
      const aud = audience ? pick(['svc', ['x', 'svc']]) : pick([undefined, 'other']);
      if (aud !== undefined) claims.aud = aud;
      const header: Record<string, unknown> = { alg: signer.alg, kid: signer.kid, typ: 'JWT' };
      const broken = chance(0.5);
      const kind = broken
        ? pick(
            [
              'flip',
              'flip',
              'flip',
              'foreign-signature',
              'kid-of-other-key',
              'unknown-kid',
              'alg-swap',
              'alg-not-allowed',
              'attacker',
              'truncate',
              'tamper',
            ].concat(['expired', 'not-yet-valid', 'wrong-iss', 'aud-wrong', 'aud-missing', 'missing-claim', 'mistyped-claim']),
          )
        : 'valid';
      let note = `${signer.alg} ${kind}`;
      if (kind === 'expired') claims.exp = NOW - tolerance;
      if (kind === 'not-yet-valid') claims.nbf = NOW + tolerance + 1;
      if (kind === 'wrong-iss') claims.iss = pick(['https://other.example', `${ISSUER}/`, ISSUER.toUpperCase()]);
      if (kind === 'aud-wrong' || kind === 'aud-missing') audience = 'svc';
      if (kind === 'aud-wrong') claims.aud = pick(['other', ['x', 'y'], 'SVC']);
      if (kind === 'aud-missing') delete claims.aud;
      if (kind === 'missing-claim') delete claims[pick(['nid', 'sub', 'iat', 'nbf', 'exp', 'iss'])];
      if (kind === 'mistyped-claim') claims[pick(['exp', 'nbf', 'iat'])] = pick([String(NOW), null, [NOW]]);
      if (kind === 'alg-not-allowed') algorithms = ALL.filter((a) => a !== signer.alg);
      let token = sign(header, claims, signer);
      const [h, p, s] = token.split('.');
      if (kind === 'flip') {
        const segs = [h, p, s];
        const which = Math.floor(rnd() * 3);
        const at = Math.floor(rnd() * segs[which].length);
        segs[which] = segs[which].slice(0, at) + pick([...B64URL].filter((x) => x !== segs[which][at])) + segs[which].slice(at + 1);
        token = segs.join('.');
        note += ` seg ${which} @${at}`;
      } else if (kind === 'foreign-signature') {
        token = `${h}.${p}.${sign(header, { ...claims, jti: randomUUID() }, signer).split('.')[2]}`;
      } else if (kind === 'kid-of-other-key') {
        token = sign({ ...header, kid: pick(signers.filter((x) => x !== signer)).kid }, claims, signer);
      } else if (kind === 'unknown-kid') {
        token = sign({ ...header, kid: randomUUID() }, claims, signer);
      } else if (kind === 'alg-swap') {
        token = sign({ ...header, alg: pick(['none', 'HS256', 'PS256', 'ES384', ...ALL.filter((a) => a !== signer.alg)]) }, claims, signer);
      } else if (kind === 'attacker') {
        token = sign(header, claims, attackers[signers.indexOf(signer)]);
      } else if (kind === 'truncate') {
        token = `${h}.${p}.${s.slice(0, -4)}`;
      } else if (kind === 'tamper') {
        token = `${h}.${b64({ ...claims, scp: ['admin'] })}.${s}`;
      }

      const ours = await outcome(
        verifyJwt(token, { jwks, issuer: ISSUER, audience, clockToleranceSec: tolerance, algorithms, now }) as Promise<Record<string, unknown>>,
        (e) => (e instanceof JwtVerificationError ? e.code : `unexpected ${String(e)}`),
      );
      const theirs = await outcome(
        jwtVerify(token, joseSet, {
          algorithms: algorithms ?? ALL,
          issuer: ISSUER,
          clockTolerance: tolerance,
          currentDate: new Date(T0),
          requiredClaims: ['exp', 'nbf', 'iat', 'sub', 'iss', 'nid'],
          ...(audience !== undefined ? { audience } : {}),
        }).then((r) => r.payload as Record<string, unknown>),
        joseCode,
      );
      assert.equal(theirs.ok, !broken, `#${i} (seed ${seed}, ${note}): the generator's intent, per jose`);
      const stricter = stricterThanJose(token);
      const expected: Outcome = stricter ? { ok: false, code: 'malformed' } : theirs;
      assert.deepEqual(ours, expected, `#${i} (seed ${seed}, ${note}): jose says ${JSON.stringify(theirs).slice(0, 200)}`);
      if (stricter) tally.nonCanonical += 1;
      if (ours.ok) tally.valid += 1;
      else tally.invalid += 1;
    }
    // The mix must exercise both sides, or agreement proves little.
    assert.ok(tally.valid >= 70 && tally.invalid >= 70, JSON.stringify(tally));
  });
});
