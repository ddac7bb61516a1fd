import { type JwtErrorCode, JwtVerificationError } from './jwt-verification-error.js';

export interface ClaimsRules {
  /** Accepted `iss` value(s). */
  issuer: string | readonly string[];
  /** Required `aud` value(s), if any. */
  audience?: string | readonly string[];
  /** Seconds of tolerance on `exp`/`nbf`. */
  tolerance: number;
  /** The current time in whole seconds (jose: floor(ms / 1000)). */
  nowSec: number;
}

// Claims every Keysmith derived token has; `iss` is first because jose checks it first.
const REQUIRED = ['iss', 'nid', 'sub', 'iat', 'nbf', 'exp'];

const fail = (code: JwtErrorCode, message: string) => new JwtVerificationError(code, message);

/**
 * The registered-claim checks of jose's jwtVerify (lib/jwt_claims_set.js), in jose's order so a token
 * that breaks two rules fails with the same code as before: presence (`iss`, `aud` when required,
 * then the Keysmith claims), `iss` value, `aud` value, `iat` numeric, `nbf` numeric and not in the
 * future, `exp` numeric and not past.
 * Runs only on a payload whose signature verified.
 */
export function validateClaims(p: Record<string, unknown>, rules: ClaimsRules): void {
  if (!Object.hasOwn(p, 'iss')) throw fail('malformed', 'The token has no "iss" claim.');
  // jose reports a missing aud as an aud failure; so do we (wrong_audience, not malformed).
  if (rules.audience !== undefined && !Object.hasOwn(p, 'aud')) throw fail('wrong_audience', 'The token audience is not accepted.');
  for (const claim of REQUIRED) if (!Object.hasOwn(p, claim)) throw fail('malformed', `The token has no "${claim}" claim.`);
  const issuers = typeof rules.issuer === 'string' ? [rules.issuer] : rules.issuer;
  if (!issuers.includes(p.iss as string)) throw fail('wrong_issuer', 'The token issuer is not accepted.');
  if (rules.audience !== undefined && !audienceMatches(p.aud, rules.audience)) throw fail('wrong_audience', 'The token audience is not accepted.');
  // jose accepts any JS number; a non-finite one (JSON 1e400 is Infinity) is no date, so it is malformed here.
  numeric(p, 'iat');
  numeric(p, 'nbf');
  if ((p.nbf as number) > rules.nowSec + rules.tolerance) throw fail('not_yet_valid', 'The token is not valid yet.');
  numeric(p, 'exp');
  if ((p.exp as number) <= rules.nowSec - rules.tolerance) throw fail('expired', 'The token has expired.');
}

function numeric(p: Record<string, unknown>, claim: string): void {
  if (!Number.isFinite(p[claim])) throw fail('malformed', `The token claim "${claim}" is not a number.`);
}

/**
 * jose's time rule: `nbf` > now + tolerance fails, `exp` ≤ now − tolerance fails. Also what a
 * remembered token is rechecked with on every call (see VerifiedTokens).
 */
export function checkTime(p: Record<string, unknown>, nowSec: number, tolerance: number): void {
  if (typeof p.nbf === 'number' && p.nbf > nowSec + tolerance) throw fail('not_yet_valid', 'The token is not valid yet.');
  if (typeof p.exp === 'number' && p.exp <= nowSec - tolerance) throw fail('expired', 'The token has expired.');
}

function audienceMatches(aud: unknown, accepted: string | readonly string[]): boolean {
  const want = typeof accepted === 'string' ? [accepted] : accepted;
  if (typeof aud === 'string') return want.includes(aud);
  return Array.isArray(aud) && want.some((a) => aud.includes(a));
}
