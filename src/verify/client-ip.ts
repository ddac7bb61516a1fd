import type { BlockList } from 'node:net';
import type { ClientIpSource } from '../projects/settings.js';
import { canonicalIp } from '../shared/ip.js';

export type Headers = Record<string, string | string[] | undefined>;

const HEADER: Record<Exclude<ClientIpSource, 'REMOTE_ADDR'>, string> = {
  X_FORWARDED_FOR: 'x-forwarded-for',
  X_REAL_IP: 'x-real-ip',
  CF_CONNECTING_IP: 'cf-connecting-ip',
  TRUE_CLIENT_IP: 'true-client-ip',
};

/**
 * The caller's client address for IP allowlists (SPEC §5): the TCP peer, unless the project trusts a
 * header — and then only when the peer itself is one of the project's trusted proxies (anyone else
 * could set the header). X-Forwarded-For: the leftmost entry. A header that is missing, repeated
 * ambiguously or not an IP address gives null, and IP-restricted keys fail closed on null.
 */
export function clientIp(source: ClientIpSource, trustedProxies: BlockList | null, peer: string | undefined, headers: Headers): string | null {
  const peerIp = peer ? canonicalIp(peer) : null;
  if (source === 'REMOTE_ADDR') return peerIp?.address ?? null;
  if (!peerIp || !trustedProxies?.check(peerIp.address, peerIp.family)) return peerIp?.address ?? null;
  const raw = headers[HEADER[source]];
  if (raw === undefined) return null;
  if (Array.isArray(raw) && raw.length !== 1) return null;
  const value = Array.isArray(raw) ? raw[0] : raw;
  const first = (source === 'X_FORWARDED_FOR' ? value.split(',')[0] : value).trim();
  return canonicalIp(first)?.address ?? null;
}
