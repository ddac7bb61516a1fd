import { LRUCache } from 'lru-cache';
import { type HolderCaveat, isClaimsCaveat, MAX_CAVEAT_CIDRS, type MacaroonCaveat, parseHolderCaveat } from '../../../packages/sdk/src/macaroon/index.js';

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

// Parsed caveats by text (bounded): a token is verified again and again, and parsing a CIDR set
// costs more than its HMAC. Entries are never mutated; null = not in the language.
const parsedCaveats = new LRUCache<string, { caveat: HolderCaveat | null }>({ max: 10_000, maxSize: 4_000_000, sizeCalculation: (_v, k) => 2 * k.length + 1 });

function parse(text: string): HolderCaveat | null {
  const hit = parsedCaveats.get(text);
  if (hit) return hit.caveat;
  let caveat: HolderCaveat | null = null;
  try {
    caveat = parseHolderCaveat(text);
  } catch {}
  parsedCaveats.set(text, { caveat });
  return caveat;
}

/**
 * Parses the caveats after the claims caveat. Returns null when any of them is not in the caveat
 * language — a third-party caveat, a second claims caveat, invalid UTF-8, an unknown or malformed
 * condition, more than 128 CIDR ranges in all. Security: an unknown caveat makes the whole token invalid (fail closed); skipping it
 * would let a condition the holder meant to add be silently ignored.
 */
export function readHolderCaveats(caveats: readonly MacaroonCaveat[]): CaveatConstraints | null {
  const out: CaveatConstraints = { expiresBefore: Number.POSITIVE_INFINITY, scopeSets: [], cidrSets: [], equalities: [] };
  for (const c of caveats) {
    if (c.vid || isClaimsCaveat(c.id)) return null;
    let text: string;
    try {
      text = utf8.decode(c.id);
    } catch {
      return null;
    }
    const parsed = parse(text);
    if (!parsed) return null;
    if (parsed.kind === 'exp') out.expiresBefore = Math.min(out.expiresBefore, parsed.before);
    else if (parsed.kind === 'scopes') out.scopeSets.push(parsed.scopes);
    else if (parsed.kind === 'cidrs') out.cidrSets.push(parsed.cidrs);
    else out.equalities.push(parsed);
  }
  if (out.cidrSets.reduce((n, set) => n + set.length, 0) > MAX_CAVEAT_CIDRS) return null;
  return out;
}

/** `name = value` holds when the sealed claim is present (own property) and strictly equal to a scalar value. */
export function equalitiesHold(claims: Record<string, unknown>, equalities: CaveatConstraints['equalities']): boolean {
  return equalities.every((e) => Object.hasOwn(claims, e.name) && claims[e.name] === e.value);
}
