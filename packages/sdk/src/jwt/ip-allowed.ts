import { BlockList, isIP } from 'node:net';

const compiled = new Map<string, BlockList | null>();
const MAX_COMPILED = 1_000;

/**
 * Is `clientIp` inside one of `cidrs`? An unknown or unparsable address, or a list that does not
 * compile, fails closed. IPv4-mapped IPv6 addresses (`::ffff:10.0.0.1`, what a dual-stack Node
 * socket reports) are compared as IPv4. Compiled lists are memoised by content (bounded).
 */
export function ipAllowed(cidrs: readonly string[], clientIp: string | undefined | null): boolean {
  if (cidrs.length === 0) return true;
  if (!clientIp) return false;
  let ip = clientIp.trim();
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped) ip = mapped[1];
  const family = isIP(ip);
  if (family === 0) return false;
  const key = cidrs.join(',');
  let list = compiled.get(key);
  if (list === undefined) {
    list = compile(cidrs);
    if (compiled.size >= MAX_COMPILED) compiled.clear();
    compiled.set(key, list);
  }
  // Security: a list that does not compile (null) allows nobody.
  return list?.check(ip, family === 4 ? 'ipv4' : 'ipv6') ?? false;
}

function compile(cidrs: readonly string[]): BlockList | null {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [addr, bits] = cidr.split('/');
    const family = isIP(addr);
    if (family === 0) return null;
    const max = family === 4 ? 32 : 128;
    const prefix = bits === undefined ? max : Number(bits);
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) return null;
    list.addSubnet(addr, prefix, family === 4 ? 'ipv4' : 'ipv6');
  }
  return list;
}
