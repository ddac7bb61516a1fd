import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import {
  attenuateMacaroon,
  chainSignature,
  decodeMacaroonBody,
  decodeMacaroonV2,
  encodeClaimsCaveat,
  encodeMacaroonV2,
  formatMacaroonToken,
  initialSignature,
  type MacaroonV2,
  MacaroonFormatError,
  MAX_CAVEATS,
  MAX_MACAROON_BYTES,
  macaroonSigningKey,
  parseMacaroonToken,
  signatureMatches,
} from '../../packages/sdk/src/macaroon/index.js';

// libmacaroons v2 format and signatures (SPEC §1, issue 7). The npm package macaroon@3.0.4 is the
// independent oracle here and only here (it breaks at ≥ 4 caveats, so vectors stop at 3): our bytes
// must be byte-identical to its bytes, and each side must verify what the other produced.
const require = createRequire(import.meta.url);
const oracle = require('macaroon') as {
  newMacaroon(p: { identifier: Uint8Array | string; rootKey: Uint8Array; location?: string; version?: number }): any;
  importMacaroon(b: Uint8Array): any;
};

const ROOT = Buffer.from('0123456789abcdef0123456789abcdef', 'utf8');
const CAVEATS = [
  encodeClaimsCaveat({ jti: 'j1', sub: 'k1', nid: 'p1', scp: ['read', 'write'], exp: 1_800_000_000 }),
  Buffer.from('scope ⊆ {read}', 'utf8'),
  Buffer.from('exp < 1790000000', 'utf8'),
];

/** Ours, from the primitives: sig0 then one chained HMAC per caveat. */
function ours(identifier: Buffer, caveats: Buffer[], rootKey = ROOT, location?: string): MacaroonV2 {
  let signature = initialSignature(macaroonSigningKey(rootKey), identifier);
  for (const c of caveats) signature = chainSignature(signature, c);
  return { ...(location ? { location } : {}), identifier, caveats: caveats.map((id) => ({ id })), signature };
}

function theirs(identifier: Buffer, caveats: Buffer[], location?: string): Buffer {
  const m = oracle.newMacaroon({ identifier, rootKey: ROOT, version: 2, ...(location ? { location } : {}) });
  for (const c of caveats) m.addFirstPartyCaveat(c);
  return Buffer.from(m.exportBinary());
}

/** An independent HMAC chain with node:crypto directly (for the ≥ 4 caveats the oracle cannot do). */
function referenceSignature(rootKey: Buffer, m: MacaroonV2): Buffer {
  let sig = createHmac('sha256', 'macaroons-key-generator').update(rootKey).digest();
  sig = createHmac('sha256', sig).update(m.identifier).digest();
  for (const c of m.caveats) sig = createHmac('sha256', sig).update(c.id).digest();
  return sig;
}

describe('macaroon v2 binary: vectors against macaroon@3.0.4 (0–3 caveats)', () => {
  const cases = [0, 1, 2, 3].flatMap((n) => [
    { n, location: undefined as string | undefined },
    { n, location: 'https://keysmith.example' },
  ]);
  for (const { n, location } of cases) {
    const identifier = Buffer.from(`id-${n}-${location ? 'loc' : 'noloc'}`);
    const caveats = CAVEATS.slice(0, n);
    it(`${n} caveat(s), ${location ? 'with' : 'without'} location: byte-identical, and each side verifies the other`, () => {
      const mine = encodeMacaroonV2(ours(identifier, caveats, ROOT, location));
      const their = theirs(identifier, caveats, location);
      assert.equal(mine.toString('hex'), their.toString('hex'), 'byte-identical encodings');

      // ours → theirs: the oracle imports our bytes and verifies them with the root key.
      const imported = oracle.importMacaroon(new Uint8Array(mine));
      const seen: string[] = [];
      imported.verify(new Uint8Array(ROOT), (cond: string) => {
        seen.push(cond);
        return null;
      });
      assert.deepEqual(
        seen,
        caveats.map((c) => c.toString('utf8')),
      );
      assert.throws(() => imported.verify(new Uint8Array(randomBytes(32)), () => null), 'wrong root key fails in the oracle');

      // theirs → ours: we decode their bytes and verify the signature chain.
      const decoded = decodeMacaroonV2(their);
      assert.equal(decoded.location, location);
      assert.deepEqual(decoded.identifier, identifier);
      assert.deepEqual(
        decoded.caveats.map((c) => c.id),
        caveats,
      );
      assert.equal(signatureMatches(decoded, macaroonSigningKey(ROOT)), true);
      assert.equal(signatureMatches(decoded, macaroonSigningKey(randomBytes(32))), false, 'wrong root key');
      assert.deepEqual(encodeMacaroonV2(decoded), their, 're-encoding is the identity');
    });
  }
});

describe('attenuated macaroons (≥ 4 caveats) and tampering', () => {
  const signingKey = macaroonSigningKey(ROOT);
  const base = formatMacaroonToken('mc', ours(Buffer.from('jti-1'), [CAVEATS[0]]));
  const holder = ['scope ⊆ {read}', 'exp < 1790000000', 'cidr in 10.0.0.0/8', 'tenant = "acme"', 'tier = 3', 'beta = true'];

  for (const count of [4, 6, 10, 32]) {
    it(`${count} holder caveats appended offline: our chain verifies and equals an independent HMAC chain`, () => {
      const list = Array.from({ length: count }, (_, i) => holder[i % holder.length]);
      const token = attenuateMacaroon(base, list);
      const { prefix, macaroon } = parseMacaroonToken(token);
      assert.equal(prefix, 'mc');
      assert.equal(macaroon.caveats.length, count + 1);
      assert.equal(signatureMatches(macaroon, signingKey), true);
      assert.deepEqual(macaroon.signature, referenceSignature(ROOT, macaroon));
      // Attenuating in two steps gives the same token as in one.
      assert.equal(attenuateMacaroon(attenuateMacaroon(base, list.slice(0, 2)), list.slice(2)), token);
    });
  }

  const five = parseMacaroonToken(attenuateMacaroon(base, holder.slice(0, 5))).macaroon;
  const tampered: [string, (m: MacaroonV2) => MacaroonV2][] = [
    ['last caveat removed', (m) => ({ ...m, caveats: m.caveats.slice(0, -1) })],
    ['middle caveat removed', (m) => ({ ...m, caveats: [...m.caveats.slice(0, 2), ...m.caveats.slice(3)] })],
    ['claims caveat removed', (m) => ({ ...m, caveats: m.caveats.slice(1) })],
    ['two caveats swapped', (m) => ({ ...m, caveats: [m.caveats[0], m.caveats[2], m.caveats[1], ...m.caveats.slice(3)] })],
    ['claims caveat moved last', (m) => ({ ...m, caveats: [...m.caveats.slice(1), m.caveats[0]] })],
    [
      'one caveat byte changed',
      (m) => ({ ...m, caveats: m.caveats.map((c, i) => (i === 4 ? { id: Buffer.from(c.id.toString().replace('acme', 'acmf')) } : c)) }),
    ],
    [
      'claims widened',
      (m) => ({ ...m, caveats: [{ id: Buffer.from(m.caveats[0].id.toString().replace('"read","write"', '"admin"')) }, ...m.caveats.slice(1)] }),
    ],
    ['identifier changed', (m) => ({ ...m, identifier: Buffer.from('jti-2') })],
    ['signature bit flipped', (m) => ({ ...m, signature: Buffer.from(m.signature.map((b, i) => (i === 0 ? b ^ 1 : b))) })],
    ['caveat turned third-party', (m) => ({ ...m, caveats: m.caveats.map((c, i) => (i === 1 ? { ...c, vid: Buffer.alloc(8) } : c)) })],
  ];
  for (const [name, change] of tampered) {
    it(`${name} → the signature no longer verifies`, () => {
      assert.equal(signatureMatches(five, signingKey), true, 'the untouched macaroon verifies');
      assert.notDeepEqual(change(five), five, 'the change changes something');
      assert.equal(signatureMatches(change(five), signingKey), false);
    });
  }
});

describe('strict decoding: malformed input is a MacaroonFormatError, never another exception', () => {
  const valid = encodeMacaroonV2(ours(Buffer.from('identifier'), CAVEATS.slice(0, 2), ROOT, 'loc'));
  const rejects = (bytes: Buffer, why: string) => assert.throws(() => decodeMacaroonV2(bytes), MacaroonFormatError, why);
  const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
  const sig = `06 20${'00'.repeat(32)}`;

  const table: [string, Buffer][] = [
    ['empty', Buffer.alloc(0)],
    ['version 1 (hex text)', Buffer.from('4d44', 'hex')],
    ['version 3', hex(`03 02 01 61 00 00 ${sig}`)],
    ['version byte only', hex('02')],
    ['trailing byte', Buffer.concat([valid, Buffer.from([0])])],
    ['missing identifier', hex(`02 00 00 ${sig}`)],
    ['identifier field of type 3', hex(`02 03 01 61 00 00 ${sig}`)],
    ['caveat field of type 5', hex(`02 02 01 61 00 05 01 62 00 00 ${sig}`)],
    ['caveat without its EOS', hex(`02 02 01 61 00 02 01 62 ${sig}`)],
    ['signature of type 7', hex(`02 02 01 61 00 00 07 20${'00'.repeat(32)}`)],
    ['signature 31 bytes', hex(`02 02 01 61 00 00 06 1f${'00'.repeat(31)}`)],
    ['signature 33 bytes', hex(`02 02 01 61 00 00 06 21${'00'.repeat(33)}`)],
    ['no signature', hex('02 02 01 61 00 00')],
    ['length past the end', hex(`02 02 7f 61 00 00 ${sig}`)],
    ['non-minimal varint', hex(`02 02 81 00 61 00 00 ${sig}`)],
    ['varint of 5+ bytes', hex(`02 02 ff ff ff ff 7f 61 00 00 ${sig}`)],
    ['varint cut short', hex('02 02 ff')],
    ['location not UTF-8', hex(`02 01 02 c3 28 02 01 61 00 00 ${sig}`)],
    ['identifier over 256 bytes', Buffer.concat([hex('02 02 81 02'), Buffer.alloc(257, 0x61), hex(`00 00 ${sig}`)])],
    ['over 6144 bytes', Buffer.concat([valid, Buffer.alloc(MAX_MACAROON_BYTES)])],
    [
      `${MAX_CAVEATS + 1} caveats`,
      Buffer.concat([hex('02 02 01 61 00'), ...Array.from({ length: MAX_CAVEATS + 1 }, () => hex('02 01 62 00')), hex(`00 ${sig}`)]),
    ],
  ];
  for (const [name, bytes] of table) it(name, () => rejects(bytes, name));

  it('every truncation of a valid macaroon is rejected', () => {
    assert.doesNotThrow(() => decodeMacaroonV2(valid));
    for (let n = 0; n < valid.length; n++) rejects(valid.subarray(0, n), `first ${n} bytes`);
  });

  it('every single-byte mutation and 2,000 random inputs either decode or throw MacaroonFormatError', () => {
    const inputs: Buffer[] = [];
    for (let i = 0; i < valid.length; i++)
      for (const v of [0x00, 0x01, 0x02, 0x06, 0x7f, 0x80, 0xff]) {
        const b = Buffer.from(valid);
        b[i] = v;
        inputs.push(b);
      }
    for (let i = 0; i < 2000; i++) inputs.push(Buffer.concat([Buffer.from([2]), randomBytes(1 + (i % 80))]));
    for (const b of inputs) {
      try {
        decodeMacaroonV2(b);
      } catch (e) {
        assert.ok(e instanceof MacaroonFormatError, `${b.toString('hex')}: ${(e as Error).name}`);
      }
    }
  });

  it('token bodies: canonical unpadded base64url only', () => {
    const body = valid.toString('base64url');
    assert.doesNotThrow(() => decodeMacaroonBody(body));
    const bad = ['', `${body}=`, `+${body.slice(1)}`, `/${body.slice(1)}`, `${body.slice(0, -1)}!`, ` ${body}`, `${body}A`, 'A', 'x'.repeat(9000)];
    // A last character whose unused low bits are set decodes to the same bytes in Node: refused.
    const last = body.at(-1) as string;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const sibling = alphabet[alphabet.indexOf(last) ^ 1];
    if (body.length % 4 !== 0) bad.push(body.slice(0, -1) + sibling);
    for (const b of bad) assert.throws(() => decodeMacaroonBody(b), MacaroonFormatError, JSON.stringify(b.slice(0, 40)));
  });

  it('token strings: the prefix may contain "_v1_" and the split still finds the macaroon', () => {
    const m = ours(Buffer.from('jti'), [CAVEATS[0]]);
    for (const prefix of ['mc', 'a_v1_b', '_v1_x', 'ks_mc', 'x']) {
      const parsed = parseMacaroonToken(formatMacaroonToken(prefix, m));
      assert.equal(parsed.prefix, prefix);
      assert.deepEqual(parsed.macaroon.signature, m.signature);
    }
    for (const t of ['', 'mc', 'mc_v1_', '_v1_AgIB', 'mc_v1_!!!!', 'bad-prefix_v1_AgIB', 'ks_ak_v1_abc_def'])
      assert.throws(() => parseMacaroonToken(t), MacaroonFormatError, t);
  });
});
