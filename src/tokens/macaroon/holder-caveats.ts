import { type HolderCaveat, isClaimsCaveat, type MacaroonCaveat, parseHolderCaveat } from '../../../packages/sdk/src/macaroon/index.js';

/** What the holder caveats of one macaroon add up to. Every field only ever narrows the sealed claims. */
export interface CaveatConstraints {
  /** The earliest `exp <` (epoch ms), or +Infinity. */
  expiresBefore: number;
  /** Every `scope ⊆` set: the effective scopes are the sealed ones that are in all of them. */
  scopeSets: string[][];
  /** Every `cidr ⊆` set: the client address must be in each (and in the sealed acl). */
  cidrSets: string[][];
  /** Every `name = value`: all must hold. */
  equalities: Extract<HolderCaveat, { kind: 'claim' }>[];
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Parses the caveats after the claims caveat. Returns null when any of them is not in the caveat
 * language — a third-party caveat, a second claims caveat, invalid UTF-8, an unknown or malformed
 * condition. Security: an unknown caveat makes the whole token invalid (fail closed); skipping it
 * would let a condition the holder meant to add be silently ignored.
 */
export function readHolderCaveats(caveats: readonly MacaroonCaveat[]): CaveatConstraints | null {
  const out: CaveatConstraints = { expiresBefore: Number.POSITIVE_INFINITY, scopeSets: [], cidrSets: [], equalities: [] };
  for (const c of caveats) {
    if (c.vid || isClaimsCaveat(c.id)) return null;
    let parsed: HolderCaveat;
    try {
      parsed = parseHolderCaveat(utf8.decode(c.id));
    } catch {
      return null;
    }
    if (parsed.kind === 'exp') out.expiresBefore = Math.min(out.expiresBefore, parsed.before);
    else if (parsed.kind === 'scopes') out.scopeSets.push(parsed.scopes);
    else if (parsed.kind === 'cidrs') out.cidrSets.push(parsed.cidrs);
    else out.equalities.push(parsed);
  }
  return out;
}

/** `name = value` holds when the sealed claim is present (own property) and strictly equal to a scalar value. */
export function equalitiesHold(claims: Record<string, unknown>, equalities: CaveatConstraints['equalities']): boolean {
  return equalities.every((e) => Object.hasOwn(claims, e.name) && claims[e.name] === e.value);
}
