import assert from 'node:assert/strict';
import type { BlockList } from 'node:net';
import { describe, it } from 'node:test';
import {
  attenuateMacaroon,
  chainSignature,
  encodeClaimsCaveat,
  formatHolderCaveat,
  formatMacaroonToken,
  type HolderCaveat,
  initialSignature,
  MacaroonFormatError,
  macaroonSigningKey,
  NON_CUSTOM_CLAIMS,
  parseHolderCaveat,
  parseMacaroonToken,
} from '../../packages/sdk/src/macaroon/index.js';
import { compileCidrs } from '../../src/shared/ip.js';
import { RESERVED_CLAIMS } from '../../packages/sdk/src/reserved-claims.js';
import { intersectCidrLists } from '../../src/tokens/macaroon/cidr-intersection.js';

// The holder caveat language (docs/macaroons.md) and the server's CIDR intersection.

const T = Date.parse('2026-01-01T00:00:00Z');

describe('holder caveat language: parse', () => {
  const ok: [string, HolderCaveat][] = [
    ['exp < 1767225600', { kind: 'exp', before: T }],
    ['exp<1767225600', { kind: 'exp', before: T }],
    ['  exp <  1767225600  ', { kind: 'exp', before: T }],
    ['exp < 2026-01-01T00:00:00Z', { kind: 'exp', before: T }],
    ['exp < 2026-01-01T01:00:00+01:00', { kind: 'exp', before: T }],
    ['exp < 2026-01-01T00:00:00.500Z', { kind: 'exp', before: T + 500 }],
    ['scope ⊆ {read, write}', { kind: 'scopes', scopes: ['read', 'write'] }],
    ['scopes⊆{read}', { kind: 'scopes', scopes: ['read'] }],
    ['scopes in read,write', { kind: 'scopes', scopes: ['read', 'write'] }],
    ['scope in {read , read}', { kind: 'scopes', scopes: ['read'] }],
    ['scope ⊆ {"odd,scope", "a}b", x:y/z}', { kind: 'scopes', scopes: ['odd,scope', 'a}b', 'x:y/z'] }],
    ['cidr ⊆ {10.0.0.0/8, 2001:DB8::/32}', { kind: 'cidrs', cidrs: ['10.0.0.0/8', '2001:db8::/32'] }],
    ['cidrs in 192.0.2.1', { kind: 'cidrs', cidrs: ['192.0.2.1/32'] }],
    ['cidr in ::1,10.1.0.0/16', { kind: 'cidrs', cidrs: ['::1/128', '10.1.0.0/16'] }],
    ['tenant = "acme"', { kind: 'claim', name: 'tenant', value: 'acme' }],
    ['tenant=acme', { kind: 'claim', name: 'tenant', value: 'acme' }],
    ['tier = 3', { kind: 'claim', name: 'tier', value: 3 }],
    ['tier = "3"', { kind: 'claim', name: 'tier', value: '3' }],
    ['beta = true', { kind: 'claim', name: 'beta', value: true }],
    ['gone = null', { kind: 'claim', name: 'gone', value: null }],
    ['org.team = "a b ⊆ c"', { kind: 'claim', name: 'org.team', value: 'a b ⊆ c' }],
  ];
  for (const [text, expected] of ok) it(`accepts ${JSON.stringify(text)}`, () => assert.deepEqual(parseHolderCaveat(text), expected));

  const bad = [
    '',
    ' ',
    'exp',
    'exp <\t1767225600',
    'exp < soon',
    'exp < -5',
    'exp < 1.5',
    'exp > 1767225600',
    'exp < 2026-01-01',
    'exp < 2026-13-01T00:00:00Z',
    'exp < 9999999999999',
    'exp < 1767225600 or later',
    'scope ⊆ {}',
    'scope ⊆ {read',
    'scope ⊆ read}',
    'scope ⊆ {read,}',
    'scope ⊆ {read write}',
    'scope ⊆ {"bad\\x"}',
    'scope ⊂ {read}',
    'scopein read',
    'scope in',
    `scope in ${Array.from({ length: 65 }, (_, i) => `s${i}`).join(',')}`,
    'cidr ⊆ {10.0.0.0/33}',
    'cidr ⊆ {10.0.0.0/08}',
    'cidr ⊆ {10.0.0/8}',
    'cidr ⊆ {::1/129}',
    'cidr ⊆ {example.com}',
    'cidr ⊆ {0x0a.0.0.1/8}',
    'sub = "other-key"',
    'scp = read',
    'nid = x',
    'exp = 5',
    'keysmith-claims = {"nid":"x"}',
    'tenant = "unterminated',
    'tenant = a b',
    'tenant = {"a":1}',
    'tenant = [1]',
    'tenant = 1e999',
    'tenant =',
    '= x',
    '9lives = 1',
    'tenant = "x"\u0000',
    'tenant = x\r\nexp < 1',
    'drop table keys',
    'time < 1767225600',
    `tenant = "${'x'.repeat(1100)}"`,
  ];
  for (const text of bad) it(`refuses ${JSON.stringify(text.slice(0, 60))}`, () => assert.throws(() => parseHolderCaveat(text), MacaroonFormatError));

  it('format → parse round-trips, and formatted caveats are canonical', () => {
    const cases: HolderCaveat[] = [
      { kind: 'exp', before: T + 999 },
      { kind: 'scopes', scopes: ['read', 'a,b', 'x}y'] },
      { kind: 'cidrs', cidrs: ['10.0.0.0/8', '::1'] },
      { kind: 'claim', name: 'tenant', value: 'acme corp' },
      { kind: 'claim', name: 'tier', value: 3 },
    ];
    assert.equal(formatHolderCaveat(cases[0]), 'exp < 1767225600', 'rounded down: never later than asked');
    for (const c of cases) {
      const text = formatHolderCaveat(c);
      assert.equal(formatHolderCaveat(parseHolderCaveat(text)), text);
    }
  });

  it('the claims a holder may not constrain include every reserved JWT claim', () => {
    for (const name of RESERVED_CLAIMS) assert.ok(NON_CUSTOM_CLAIMS.has(name), name);
  });
});

describe('attenuateMacaroon: validates before appending', () => {
  const root = Buffer.alloc(32, 7);
  const claims = encodeClaimsCaveat({ jti: 'j', nid: 'p' });
  const base = formatMacaroonToken('mc', {
    identifier: Buffer.from('j'),
    caveats: [{ id: claims }],
    signature: chainSignature(initialSignature(macaroonSigningKey(root), Buffer.from('j')), claims),
  });

  it('text caveats are appended verbatim; structured ones in canonical form', () => {
    const t = attenuateMacaroon(base, ['scopes in read', { kind: 'claim', name: 'tenant', value: 'acme' }]);
    const ids = parseMacaroonToken(t).macaroon.caveats.map((c) => c.id.toString());
    assert.deepEqual(ids.slice(1), ['scopes in read', 'tenant = "acme"']);
    assert.equal(t.startsWith('mc_v1_'), true);
  });

  const refused: [string, () => string][] = [
    ['unknown caveat', () => attenuateMacaroon(base, ['role = admin', 'magic'])],
    ['reserved claim', () => attenuateMacaroon(base, ['sub = other'])],
    [
      '33 holder caveats',
      () =>
        attenuateMacaroon(
          base,
          Array.from({ length: 33 }, () => 'scope in read'),
        ),
    ],
    [
      '32 then 1 more',
      () =>
        attenuateMacaroon(
          attenuateMacaroon(
            base,
            Array.from({ length: 32 }, () => 'scope in read'),
          ),
          ['scope in read'],
        ),
    ],
    [
      '129 CIDR ranges',
      () =>
        attenuateMacaroon(
          base,
          [0, 1, 2].map((n) => `cidr in ${Array.from({ length: 43 }, (_, i) => `10.${n}.${i}.0/24`).join(',')}`),
        ),
    ],
    [
      'over 8192 characters',
      () =>
        attenuateMacaroon(
          base,
          Array.from({ length: 8 }, () => `t = "${'x'.repeat(1000)}"`),
        ),
    ],
    ['not a macaroon', () => attenuateMacaroon('ks_ak_v1_abc_def', ['scope in read'])],
    [
      'a macaroon without the claims caveat',
      () => attenuateMacaroon(formatMacaroonToken('mc', { identifier: Buffer.from('j'), caveats: [], signature: Buffer.alloc(32) }), []),
    ],
    ['caveats not an array', () => attenuateMacaroon(base, 'scope in read' as unknown as string[])],
    ['structured caveat of unknown kind', () => attenuateMacaroon(base, [{ kind: 'role', name: 'x' } as unknown as HolderCaveat])],
    ['structured exp not finite', () => attenuateMacaroon(base, [{ kind: 'exp', before: Number.NaN }])],
  ];
  for (const [name, run] of refused) it(`refuses: ${name}`, () => assert.throws(run, MacaroonFormatError));
});

describe('CIDR intersection (sealed acl ∩ caveat sets) agrees with the allowlist step', () => {
  const cases: [string, string[][], string[]][] = [
    ['nested v4', [['10.0.0.0/8'], ['10.1.0.0/16']], ['10.1.0.0/16']],
    ['nested the other way', [['10.1.0.0/16'], ['10.0.0.0/8']], ['10.1.0.0/16']],
    ['disjoint', [['10.0.0.0/8'], ['192.168.0.0/16']], []],
    [
      'union ∩ union',
      [
        ['10.0.0.0/8', '192.168.1.0/24'],
        ['10.2.0.0/16', '192.168.0.0/16', '172.16.0.0/12'],
      ],
      ['10.2.0.0/16', '192.168.1.0/24'],
    ],
    ['three lists', [['0.0.0.0/0'], ['10.0.0.0/8'], ['10.0.0.1/32']], ['10.0.0.1/32']],
    ['v6', [['2001:db8::/32'], ['2001:db8:1::/48']], ['2001:db8:1::/48']],
    ['v4 inside ::/0 (BlockList maps IPv4 into IPv6)', [['::/0'], ['10.0.0.0/8']], ['10.0.0.0/8']],
    ['v4-mapped range', [['::ffff:10.0.0.0/104'], ['10.9.0.0/16']], ['10.9.0.0/16']],
    ['host bits ignored', [['10.1.2.3/8'], ['10.5.0.0/16']], ['10.5.0.0/16']],
    ['a single list', [['10.0.0.0/8', '10.0.0.0/8']], ['10.0.0.0/8']],
  ];
  for (const [name, lists, expected] of cases) it(name, () => assert.deepEqual(intersectCidrLists(lists)?.sort(), expected.sort()));

  it('unparsable entry → null (fail closed)', () => assert.equal(intersectCidrLists([['10.0.0.0/8'], ['nope']]), null));

  it('for sample addresses, "in the intersection" equals "in every list" as BlockList sees it', () => {
    const lists = [
      ['10.0.0.0/8', '192.168.0.0/16', '2001:db8::/32', '::ffff:172.16.0.0/108'],
      ['10.128.0.0/9', '192.168.7.0/24', '2001:db8:8000::/33', '172.16.0.0/12', '::/0'],
      ['0.0.0.0/0', '2001:db8::/32'],
    ];
    const inter = compileCidrs(intersectCidrLists(lists) as string[]);
    const each = lists.map((l) => compileCidrs(l));
    const probe = (list: BlockList, ip: string) => list.check(ip, ip.includes(':') ? 'ipv6' : 'ipv4');
    const ips = ['10.0.0.1', '10.200.1.1', '192.168.7.9', '192.168.8.1', '172.16.0.1', '172.31.255.255', '8.8.8.8', '2001:db8::1', '2001:db8:ffff::1', '::1'];
    for (const ip of ips)
      assert.equal(
        probe(inter, ip),
        each.every((l) => probe(l, ip)),
        ip,
      );
  });
});
