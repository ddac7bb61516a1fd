import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { base58Decode, base58Encode } from '../../src/crypto/base58.js';
import { constantTimeEqual } from '../../src/crypto/compare.js';
import { EnvelopeCipher, EnvelopeError, parseMasterKey } from '../../src/crypto/envelope.js';
import { sha256Hex, sha512_256Hex } from '../../src/crypto/hashes.js';
import { deriveSubkey, hmacSha256 } from '../../src/crypto/hmac.js';
import { openToken, sealToken } from '../../src/crypto/sealed-token.js';

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function flipLowBitOfLastChar(text: string): string {
  const last = text.length - 1;
  return text.slice(0, last) + BASE64URL[BASE64URL.indexOf(text[last]) ^ 1];
}

describe('base58', () => {
  const vectors: [string, string][] = [
    ['', ''],
    ['48656c6c6f20576f726c6421', '2NEpo7TZRRrLZSi2U'], // "Hello World!"
    ['00', '1'],
    ['0000', '11'],
    ['000001', '112'],
    ['00000000000000000000', '1111111111'], // ten zero bytes
    ['61', '2g'],
    ['626262', 'a3gV'],
    ['636363', 'aPEr'],
    ['ff', '5Q'],
    ['0000287fb4cd', '11233QC4'],
    ['516b6fcd0f', 'ABnLTmg'],
    ['572e4794', '3EFU7m'],
    ['73696d706c792061206c6f6e6720737472696e67', '2cFupjhnEsSn59qHXstmK2ffpLv2'],
    ['00eb15231dfceb60925886b67d065299925915aeb172c06647', '1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L'],
  ];

  it('encodes and decodes known vectors', () => {
    for (const [hex, text] of vectors) {
      assert.equal(base58Encode(Buffer.from(hex, 'hex')), text, hex);
      if (text !== '') assert.equal(base58Decode(text)?.toString('hex'), hex, text);
    }
  });

  it('round-trips random buffers of every length up to 80, with and without leading zeros', () => {
    for (let length = 0; length <= 80; length++) {
      for (let round = 0; round < 10; round++) {
        const bytes = randomBytes(length);
        if (round % 3 === 0 && length > 2) bytes.fill(0, 0, round % 4);
        const text = base58Encode(bytes);
        if (length > 0) assert.deepEqual(base58Decode(text), bytes);
      }
    }
  });

  it('agrees with a BigInt reference implementation', () => {
    const alphabet = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
    const reference = (bytes: Buffer): string => {
      let n = bytes.length === 0 ? 0n : BigInt(`0x${bytes.toString('hex')}`);
      let out = '';
      while (n > 0n) {
        out = alphabet[Number(n % 58n)] + out;
        n /= 58n;
      }
      let zeros = 0;
      while (zeros < bytes.length && bytes[zeros] === 0) zeros++;
      return '1'.repeat(zeros) + out;
    };
    for (let round = 0; round < 3000; round++) {
      const bytes = randomBytes(round % 70);
      if (round % 5 === 0) bytes.fill(round % 10 === 0 ? 0xff : 0, 0, round % 7);
      const text = reference(bytes);
      assert.equal(base58Encode(bytes), text);
      if (text !== '') assert.deepEqual(base58Decode(text), bytes);
    }
  });

  it('rejects empty input and characters outside the alphabet', () => {
    for (const bad of ['', '0', 'O', 'I', 'l', '_', ' 2g', '2g ', '2g\n', 'é', '2NEpo7TZRRrLZSi2U+', '\u0000']) {
      assert.equal(base58Decode(bad), null, JSON.stringify(bad));
    }
  });

  it('is fast enough for the hot path (sanity print only)', () => {
    const bytes = randomBytes(32);
    const text = base58Encode(randomBytes(35));
    const rounds = 100_000;
    let start = process.hrtime.bigint();
    for (let i = 0; i < rounds; i++) base58Encode(bytes);
    const encodeUs = Number(process.hrtime.bigint() - start) / 1e3 / rounds;
    start = process.hrtime.bigint();
    for (let i = 0; i < rounds; i++) base58Decode(text);
    const decodeUs = Number(process.hrtime.bigint() - start) / 1e3 / rounds;
    console.log(`# base58: encode(32 B) ${encodeUs.toFixed(2)} µs/op, decode(${text.length} chars) ${decodeUs.toFixed(2)} µs/op`);
  });
});

describe('hashes and hmac', () => {
  it('computes SHA-512/256 and SHA-256 known vectors', () => {
    assert.equal(sha512_256Hex('abc'), '53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23');
    assert.equal(sha512_256Hex('a', Buffer.from('b'), 'c'), sha512_256Hex('abc'));
    assert.equal(sha256Hex('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('computes HMAC-SHA256 (RFC 4231 case 2) and domain-separated subkeys', () => {
    assert.equal(
      hmacSha256(Buffer.from('Jefe'), 'what do ya want for nothing?').toString('hex'),
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
    const secret = randomBytes(32);
    const a = deriveSubkey(secret, 'keysmith/pagination/v1/cursor-key');
    const b = deriveSubkey(secret, 'keysmith/macaroon/v1/root-key');
    assert.equal(a.length, 32);
    assert.notDeepEqual(a, b);
    assert.deepEqual(a, hmacSha256(secret, 'keysmith/pagination/v1/cursor-key'));
  });
});

describe('constantTimeEqual', () => {
  it('compares strings and buffers', () => {
    assert.equal(constantTimeEqual('abc', 'abc'), true);
    assert.equal(constantTimeEqual('abc', 'abd'), false);
    assert.equal(constantTimeEqual('abc', 'abcd'), false);
    assert.equal(constantTimeEqual('', ''), true);
    assert.equal(constantTimeEqual(Buffer.from('é'), 'é'), true);
    assert.equal(constantTimeEqual('é', 'e'), false);
    assert.equal(constantTimeEqual(Buffer.from([1, 2]), Buffer.from([1, 3])), false);
  });
});

describe('envelope', () => {
  const key = randomBytes(32);
  const cipher = new EnvelopeCipher(key);
  const secret = randomBytes(32);
  const context = 'project:7d1e…|hmac-secret';

  it('parses master keys in hex, base64 and base64url', () => {
    assert.deepEqual(parseMasterKey(key.toString('hex')), key);
    assert.deepEqual(parseMasterKey(key.toString('hex').toUpperCase()), key);
    assert.deepEqual(parseMasterKey(key.toString('base64')), key);
    assert.deepEqual(parseMasterKey(key.toString('base64').replace(/=$/, '')), key);
    assert.deepEqual(parseMasterKey(key.toString('base64url')), key);
    assert.deepEqual(parseMasterKey(`${key.toString('hex')}\n`), key);
  });

  it('rejects malformed master keys without echoing them', () => {
    const hex = key.toString('hex');
    const b64 = key.toString('base64url');
    // 43 chars carry 258 bits: flipping the lowest bit of the last char changes no key bit.
    const nonCanonical = flipLowBitOfLastChar(b64);
    for (const bad of ['', hex.slice(2), `${hex}00`, `${hex.slice(1)}g`, randomBytes(31).toString('base64'), nonCanonical, `${b64}==`]) {
      assert.throws(
        () => parseMasterKey(bad),
        (error: Error) => {
          assert.match(error.message, /invalid master key/);
          if (bad.length > 8) assert.ok(!error.message.includes(bad.slice(0, 8)));
          return true;
        },
      );
    }
  });

  it('derives a stable key id from the master key', () => {
    assert.match(cipher.keyId, /^[0-9a-f]{16}$/);
    assert.equal(new EnvelopeCipher(Buffer.from(key)).keyId, cipher.keyId);
    assert.equal(new EnvelopeCipher(Buffer.alloc(32)).keyId, sha256Hex(Buffer.concat([Buffer.from('keysmith/kek-id/v1'), Buffer.alloc(32)])).slice(0, 16));
  });

  it('round-trips, including empty plaintext, with a fresh DEK and IV each time', () => {
    const sealed = cipher.seal(secret, context);
    assert.match(sealed, new RegExp(`^ksenv1\\.${cipher.keyId}(\\.[A-Za-z0-9_-]*){6}$`));
    assert.deepEqual(cipher.open(sealed, context), secret);
    assert.notEqual(cipher.seal(secret, context), sealed);
    assert.deepEqual(cipher.open(cipher.seal(Buffer.alloc(0), context), context), Buffer.alloc(0));
    assert.ok(!sealed.includes(secret.toString('base64url')));
  });

  it('fails with a different context', () => {
    const sealed = cipher.seal(secret, 'project:a|hmac-secret');
    assert.throws(() => cipher.open(sealed, 'project:b|hmac-secret'), EnvelopeError);
    assert.throws(() => cipher.open(sealed, 'project:a|signing-key'), EnvelopeError);
  });

  it('fails with a different master key, saying so', () => {
    const sealed = cipher.seal(secret, context);
    const other = new EnvelopeCipher(randomBytes(32));
    assert.throws(
      () => other.open(sealed, context),
      (error: Error) => {
        assert.ok(error instanceof EnvelopeError);
        assert.match(error.message, /master key .* does not match the one the data was sealed with/);
        assert.ok(!error.message.includes(key.toString('hex')) && !error.message.includes(key.toString('base64url')));
        return true;
      },
    );
  });

  it('fails on tampering anywhere and on malformed input', () => {
    const sealed = cipher.seal(secret, context);
    const parts = sealed.split('.');
    for (let index = 2; index < parts.length; index++) {
      const bytes = Buffer.from(parts[index], 'base64url');
      for (let position = 0; position < bytes.length; position++) {
        const copy = Buffer.from(bytes);
        copy[position] ^= 0x01;
        const tampered = [...parts.slice(0, index), copy.toString('base64url'), ...parts.slice(index + 1)].join('.');
        assert.throws(() => cipher.open(tampered, context), EnvelopeError, `part ${index} byte ${position}`);
      }
    }
    for (const bad of [
      '',
      'ksenv1',
      sealed.replace('ksenv1', 'ksenv2'),
      `${sealed}.`,
      sealed.slice(0, -1),
      `${sealed}A`,
      sealed.replace(/\.([^.]*)$/, '.+$1'),
    ]) {
      assert.throws(() => cipher.open(bad, context), EnvelopeError, bad);
    }
  });
});

describe('sealed tokens', () => {
  const key = randomBytes(32);
  const payload = Buffer.from(JSON.stringify({ last: '0b3f6a2e-8f1c-4d2a-9b7e-3c5d6e7f8a9b' }));
  const aad = 'keysmith/page-token/v1|project-a|issued';

  it('round-trips and hides the payload', () => {
    const token = sealToken(key, payload, aad);
    assert.match(token, /^[A-Za-z0-9_-]+$/);
    assert.deepEqual(openToken(key, token, aad), payload);
    assert.notEqual(sealToken(key, payload, aad), token);
    assert.ok(!Buffer.from(token, 'base64url').includes(payload.subarray(0, 8)));
    assert.deepEqual(openToken(key, sealToken(key, Buffer.alloc(0), aad), aad), Buffer.alloc(0));
  });

  it('returns null when any byte is flipped', () => {
    const raw = Buffer.from(sealToken(key, payload, aad), 'base64url');
    for (let position = 0; position < raw.length; position++) {
      for (const mask of [0x01, 0x80, 0xff]) {
        const copy = Buffer.from(raw);
        copy[position] ^= mask;
        assert.equal(openToken(key, copy.toString('base64url'), aad), null, `byte ${position} mask ${mask}`);
      }
    }
  });

  it('returns null for wrong key, wrong aad, and malformed tokens, never throwing', () => {
    const token = sealToken(key, payload, aad);
    assert.notEqual(token.length % 4, 0, 'payload length chosen so the last char has unused bits');
    const bad = [
      '',
      'A',
      token.slice(0, 20),
      token.slice(0, -1),
      `${token}=`,
      `${token} `,
      token.replace(/^./, '+'),
      // Same bytes, different unused trailing bits.
      flipLowBitOfLastChar(token),
      'A'.repeat(5000),
      Buffer.concat([Buffer.of(0x02), Buffer.from(token, 'base64url').subarray(1)]).toString('base64url'),
    ];
    assert.equal(openToken(randomBytes(32), token, aad), null);
    assert.equal(openToken(key, token, `${aad}x`), null);
    assert.equal(openToken(key, token, ''), null);
    assert.equal(openToken(Buffer.alloc(7), token, aad), null);
    for (const candidate of bad) assert.equal(openToken(key, candidate, aad), null, candidate.slice(0, 40));
    assert.equal(openToken(key, undefined as unknown as string, aad), null);
  });
});
