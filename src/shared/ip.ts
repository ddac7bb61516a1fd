import { BlockList, isIP } from 'node:net';

// Pure address helpers shared by the per-key allowlist (verify/) and the trusted-proxy list (projects/).

const MAPPED_V4 = /^::ffff:(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/i;
const MAPPED_V4_CIDR = /^::ffff:(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})\/(\d{1,3})$/i;

/** An address in one canonical family: IPv4-mapped IPv6 (::ffff:a.b.c.d) becomes plain IPv4. */
export function canonicalIp(ip: string): { address: string; family: 'ipv4' | 'ipv6' } | null {
  const mapped = MAPPED_V4.exec(ip);
  const address = mapped ? mapped[1] : ip;
  const v = isIP(address);
  return v === 4 ? { address, family: 'ipv4' } : v === 6 ? { address, family: 'ipv6' } : null;
}

/** A BlockList of CIDRs (as stored: normalised "addr/bits"); IPv4-mapped IPv6 ranges also as IPv4. */
export function compileCidrs(cidrs: readonly string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [addr, bitsText] = cidr.split('/');
    const bits = Number(bitsText);
    const mapped = MAPPED_V4_CIDR.exec(cidr);
    if (mapped && Number(mapped[2]) >= 96) list.addSubnet(mapped[1], Number(mapped[2]) - 96, 'ipv4');
    else if (isIP(addr) === 4) list.addSubnet(addr, bits, 'ipv4');
    else if (isIP(addr) === 6) list.addSubnet(addr, bits, 'ipv6');
  }
  return list;
}
