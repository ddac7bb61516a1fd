import type { BlockList } from 'node:net';
import { LRUCache } from 'lru-cache';
import { canonicalIp, compileCidrs } from '../shared/ip.js';

/**
 * The per-key IP allowlist, checked on every verification (cache hits included). An empty list allows
 * every address; otherwise an unknown or unparsable client address fails closed. Compiled lists are
 * cached by their content (bounded), so the check is a lookup plus a BlockList probe.
 */
export class IpAllowlist {
  private readonly compiled = new LRUCache<string, BlockList>({ max: 10_000 });

  allows(cidrs: readonly string[], clientIp: string | null): boolean {
    if (cidrs.length === 0) return true;
    if (clientIp === null) return false;
    const ip = canonicalIp(clientIp);
    if (!ip) return false;
    const key = cidrs.join(',');
    let list = this.compiled.get(key);
    if (!list) {
      list = compileCidrs(cidrs);
      this.compiled.set(key, list);
    }
    return list.check(ip.address, ip.family);
  }
}
