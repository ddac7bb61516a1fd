import { isIP } from 'node:net';
import { MacaroonFormatError } from './format-error.js';
import { MAX_HOLDER_CAVEAT_BYTES } from './limits.js';
import { RESERVED_CLAIMS } from '../reserved-claims.js';

// The holder caveat language (docs/macaroons.md has the grammar and examples). Each caveat is one
// extra condition ANDed with the sealed claims, so appending one can only narrow what a token allows:
//   exp < 1767225600 | exp < 2026-01-01T00:00:00Z       valid only before that instant
//   scope ⊆ {read, write} | scopes in read,write         effective scopes ∩= the set
//   cidr ⊆ {10.0.0.0/8, 2001:db8::/32} | cidr in …       the client address must also be in the set
//   tenant = "acme" | tier = 3 | beta = true            a custom claim must equal the value
// Anything else is not a caveat of this language and makes the token invalid (fail closed).

export type ClaimValue = string | number | boolean | null;

export type HolderCaveat =
  /** Valid only strictly before this instant (epoch ms; the text form carries whole seconds or RFC 3339). */
  | { kind: 'exp'; before: number }
  | { kind: 'scopes'; scopes: string[] }
  | { kind: 'cidrs'; cidrs: string[] }
  | { kind: 'claim'; name: string; value: ClaimValue };

/** Claim names a holder may not constrain with `name = value`: the sealed ones and the claims caveat. */
export const NON_CUSTOM_CLAIMS: ReadonlySet<string> = new Set([...RESERVED_CLAIMS, 'keysmith-claims']);

const MAX_SET_ITEMS = 64;
const MAX_UNIX_SECONDS = 253_402_300_799; // 9999-12-31T23:59:59Z
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses
const CONTROL = /[\u0000-\u001f\u007f]/;
const EXP = /^exp *< *(\S+)$/;
const SET = /^(scopes?|cidrs?)(?: *⊆ *| +in +)(\S.*)$/;
const CLAIM = /^([A-Za-z_][A-Za-z0-9_.:-]{0,63}) *= *(\S.*)$/;
const UNIX = /^[0-9]{1,12}$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:[Zz]|[+-]\d{2}:\d{2})$/;
const SET_ITEM = /^ *(?:"((?:[^"\\]|\\.)*)"|([^\s,{}"]+)) *(?:,|$)/;
const BARE_VALUE = /^[^\s"{}[\],]+$/;
const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

const bad = (why: string): MacaroonFormatError => new MacaroonFormatError(`caveat not in the language: ${why}`);

function parseTime(text: string): number {
  if (UNIX.test(text)) {
    const s = Number(text);
    if (s > MAX_UNIX_SECONDS) throw bad('time out of range');
    return s * 1000;
  }
  const ms = RFC3339.test(text) ? Date.parse(text) : Number.NaN;
  if (!Number.isFinite(ms) || ms < 0 || ms > MAX_UNIX_SECONDS * 1000) throw bad('time is neither unix seconds nor RFC 3339');
  return ms;
}

function jsonString(inner: string): string {
  try {
    return JSON.parse(`"${inner}"`) as string;
  } catch {
    throw bad('malformed quoted item');
  }
}

function parseSet(text: string): string[] {
  let rest = text.trim();
  if (rest.startsWith('{')) {
    if (!rest.endsWith('}')) throw bad('unclosed set');
    rest = rest.slice(1, -1).trim();
  }
  const out: string[] = [];
  while (rest.length) {
    const m = SET_ITEM.exec(rest);
    if (!m) throw bad('malformed set item');
    const item = m[1] !== undefined ? jsonString(m[1]) : m[2];
    if (item.length === 0 || /\s/.test(item) || CONTROL.test(item)) throw bad('empty or blank set item');
    if (!out.includes(item)) out.push(item);
    if (out.length > MAX_SET_ITEMS) throw bad(`more than ${MAX_SET_ITEMS} set items`);
    rest = rest.slice(m[0].length);
    if (m[0].endsWith(',') && rest.trim() === '') throw bad('trailing comma');
  }
  if (out.length === 0) throw bad('empty set');
  return out;
}

/** Accepts "a.b.c.d/n", "v6/n" or a bare address (a /32 or /128); returns the lower-cased text with its prefix length. */
export function checkCidr(text: string): string {
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  const family = isIP(addr);
  if (family === 0) throw bad(`not an IP range: ${text.slice(0, 64)}`);
  const max = family === 4 ? 32 : 128;
  if (slash < 0) return `${addr.toLowerCase()}/${max}`;
  const bits = text.slice(slash + 1);
  if (!/^(?:0|[1-9]\d{0,2})$/.test(bits) || Number(bits) > max) throw bad(`bad prefix length: ${text.slice(0, 64)}`);
  return `${addr.toLowerCase()}/${bits}`;
}

function parseValue(text: string): ClaimValue {
  if (text.startsWith('"') || text === 'true' || text === 'false' || text === 'null' || JSON_NUMBER.test(text)) {
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      throw bad('malformed value');
    }
    if (typeof v === 'number' && !Number.isFinite(v)) throw bad('number out of range');
    return v as ClaimValue;
  }
  if (!BARE_VALUE.test(text)) throw bad('a value with spaces or punctuation must be a JSON string');
  return text;
}

/** Parses one holder caveat; throws MacaroonFormatError for anything outside the language. */
export function parseHolderCaveat(text: string): HolderCaveat {
  if (typeof text !== 'string') throw bad('not a string');
  if (Buffer.byteLength(text, 'utf8') > MAX_HOLDER_CAVEAT_BYTES) throw bad(`longer than ${MAX_HOLDER_CAVEAT_BYTES} bytes`);
  if (CONTROL.test(text)) throw bad('control character');
  const t = text.trim();
  let m = EXP.exec(t);
  if (m) return { kind: 'exp', before: parseTime(m[1]) };
  m = SET.exec(t);
  if (m) {
    const items = parseSet(m[2]);
    return m[1].startsWith('scope') ? { kind: 'scopes', scopes: items } : { kind: 'cidrs', cidrs: items.map(checkCidr) };
  }
  m = CLAIM.exec(t);
  if (m) {
    if (NON_CUSTOM_CLAIMS.has(m[1])) throw bad(`"${m[1]}" is not a custom claim`);
    return { kind: 'claim', name: m[1], value: parseValue(m[2].trim()) };
  }
  throw bad('unknown form');
}

const setItem = (s: string): string => (/^[^\s,{}"]+$/.test(s) ? s : JSON.stringify(s));

/** The canonical text of a caveat (what attenuateMacaroon appends); parseHolderCaveat(format(c)) round-trips. */
export function formatHolderCaveat(c: HolderCaveat): string {
  switch (c.kind) {
    case 'exp': {
      if (!Number.isFinite(c.before)) throw bad('exp must be a finite instant');
      // Whole seconds, rounded down: the caveat may only end earlier than asked, never later.
      return `exp < ${Math.floor(c.before / 1000)}`;
    }
    case 'scopes':
      return `scope ⊆ {${c.scopes.map(setItem).join(', ')}}`;
    case 'cidrs':
      return `cidr ⊆ {${c.cidrs.map((x) => checkCidr(x)).join(', ')}}`;
    case 'claim':
      return `${c.name} = ${JSON.stringify(c.value)}`;
    default:
      throw bad('unknown caveat kind');
  }
}
