import ipaddr from 'ipaddr.js';
import { LRUCache } from 'lru-cache';

/**
 * The addresses allowed by every one of several CIDR lists, as one list — so a macaroon's sealed
 * `acl` and its holder `cidr ⊆ {…}` caveats go through the pipeline's ordinary allowlist step (which
 * takes one list: "the address is in one of these ranges").
 *
 * Two prefixes either nest or are disjoint, so (∪A) ∩ (∪B) is exactly the union of the more specific
 * member of every nested pair. Everything is compared in one 128-bit space where IPv4 a.b.c.d/n is
 * ::ffff:a.b.c.d/(96+n): the same mapping node:net BlockList (and so the allowlist step) applies, so
 * the result allows exactly the addresses the lists allow together. Returns null for an unparsable
 * entry (callers fail closed) and [] when no address is allowed by all lists.
 */
export function intersectCidrLists(lists: readonly (readonly string[])[]): string[] | null {
  // The same token is verified again and again: memoise by content (bounded), like the allowlist step.
  const key = lists.map((l) => l.join(',')).join('|');
  const hit = memo.get(key);
  if (hit !== undefined) return hit.value;
  const value = compute(lists);
  memo.set(key, { value });
  return value;
}

// Bounded by entries and by size (≈ 2 × key length, the result being a subset of the key's ranges): ≤ ~8 MB.
const memo = new LRUCache<string, { value: string[] | null }>({ max: 10_000, maxSize: 4_000_000, sizeCalculation: (_v, k) => 2 * k.length + 1 });

function compute(lists: readonly (readonly string[])[]): string[] | null {
  let acc: Range[] | null = null;
  for (const list of lists) {
    const ranges: Range[] = [];
    for (const text of list) {
      const r = parseRange(text);
      if (!r) return null;
      ranges.push(r);
    }
    acc = acc === null ? ranges : dedupe(intersect(acc, ranges));
  }
  if (acc === null) return [];
  return [...new Set(acc.map(formatRange))];
}

interface Range {
  net: bigint;
  bits: number;
}

const MAPPED_BASE = 0xffffn << 32n;
const ALL = (1n << 128n) - 1n;
const mask = (bits: number): bigint => (bits === 0 ? 0n : (ALL << BigInt(128 - bits)) & ALL);

function parseRange(text: string): Range | null {
  try {
    const slash = text.indexOf('/');
    const addr = ipaddr.parse(slash < 0 ? text : text.slice(0, slash));
    const max = addr.kind() === 'ipv4' ? 32 : 128;
    const bits = slash < 0 ? max : Number(text.slice(slash + 1));
    if (!Number.isInteger(bits) || bits < 0 || bits > max) return null;
    let value = 0n;
    for (const b of addr.toByteArray()) value = (value << 8n) | BigInt(b);
    const [v, b] = addr.kind() === 'ipv4' ? [MAPPED_BASE | value, bits + 96] : [value, bits];
    return { net: v & mask(b), bits: b };
  } catch {
    return null;
  }
}

const contains = (outer: Range, inner: Range): boolean => outer.bits <= inner.bits && (inner.net & mask(outer.bits)) === outer.net;

function intersect(a: readonly Range[], b: readonly Range[]): Range[] {
  const out: Range[] = [];
  for (const x of a)
    for (const y of b) {
      if (contains(x, y)) out.push(y);
      else if (contains(y, x)) out.push(x);
    }
  return out;
}

function dedupe(ranges: Range[]): Range[] {
  const seen = new Set<string>();
  return ranges.filter((r) => {
    const k = `${r.net}/${r.bits}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function formatRange(r: Range): string {
  if (r.bits >= 96 && r.net >> 32n === 0xffffn) {
    const v4 = Number(r.net & 0xffffffffn);
    return `${v4 >>> 24}.${(v4 >>> 16) & 255}.${(v4 >>> 8) & 255}.${v4 & 255}/${r.bits - 96}`;
  }
  const bytes: number[] = [];
  for (let i = 15; i >= 0; i--) bytes.push(Number((r.net >> BigInt(i * 8)) & 0xffn));
  return `${ipaddr.fromByteArray(bytes).toString()}/${r.bits}`;
}
