import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { base58Encode } from '../../src/crypto/base58.js';
import { buildIssuedKey, checksumMatches, classifyCredential, computeChecksum, ISSUED_KEY_PATTERN, parseIssuedKey } from '../../src/keys/key-format.js';

const SECRET = Buffer.from('keysmith-test-vector-secret-0123456789abcdef');
const TIMESTAMP = 1767225600;
const KEY_ID = '0b3f6a2e-8f1c-4d2a-9b7e-3c5d6e7f8a9b';
// Fixed vector, computed once and cross-checked with an independent Python implementation
// (int→base58 + hmac.new). If this changes, every key already issued stops verifying.
const VECTOR = 'ks_ak_v1_Qixkm4LLsreXThDhSyfTCXD1q3AjfmF1r9h7uaGK28gXehtU5BVyScwgxSrT7MjX_FF5dYiSS7pHWqj9yo9s7ZJFNycB1yMsA7ZtNw4PunMV3';
const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

function verifies(credential: string, secrets: readonly Buffer[] = [SECRET]): boolean {
  const parts = parseIssuedKey(credential);
  return parts !== null && checksumMatches(parts, secrets);
}

/** Base58 identifier for arbitrary ASCII, to build structurally valid but semantically bad keys. */
function signedKey(prefix: string, identifierText: string): string {
  const payload = `${prefix}_v1_${base58Encode(Buffer.from(identifierText, 'latin1'))}_`;
  return payload + computeChecksum(payload, SECRET);
}

describe('issued key format', () => {
  it('matches the fixed vector', () => {
    assert.equal(buildIssuedKey('ks_ak', TIMESTAMP, KEY_ID, SECRET), VECTOR);
  });

  it('parses the fixed vector', () => {
    const parts = parseIssuedKey(VECTOR);
    assert.deepEqual(parts, {
      prefix: 'ks_ak',
      identifier: 'Qixkm4LLsreXThDhSyfTCXD1q3AjfmF1r9h7uaGK28gXehtU5BVyScwgxSrT7MjX',
      checksum: 'FF5dYiSS7pHWqj9yo9s7ZJFNycB1yMsA7ZtNw4PunMV3',
      timestampSec: TIMESTAMP,
      keyId: KEY_ID,
      signedPayload: 'ks_ak_v1_Qixkm4LLsreXThDhSyfTCXD1q3AjfmF1r9h7uaGK28gXehtU5BVyScwgxSrT7MjX_',
    });
    assert.ok(parts);
    assert.equal(checksumMatches(parts, [SECRET]), true);
  });

  it('rejects every single-character substitution at every position', () => {
    const alphabet = `${BASE58}0OIl_`;
    let tried = 0;
    for (let position = 0; position < VECTOR.length; position++) {
      for (const replacement of alphabet) {
        if (replacement === VECTOR[position]) continue;
        const mutated = VECTOR.slice(0, position) + replacement + VECTOR.slice(position + 1);
        assert.equal(verifies(mutated), false, `position ${position} → ${replacement}`);
        tried++;
      }
    }
    assert.ok(tried > VECTOR.length * 50);
  });

  it('rejects truncation, extension, and case changes', () => {
    for (let length = 0; length < VECTOR.length; length++) assert.equal(verifies(VECTOR.slice(0, length)), false);
    assert.equal(verifies(`${VECTOR}1`), false);
    assert.equal(verifies(` ${VECTOR}`), false);
    assert.equal(verifies(`${VECTOR}\n`), false);
    assert.equal(verifies(VECTOR.replace('_v1_', '_V1_')), false);
    assert.equal(verifies(VECTOR.replace('_v1_', '_v2_')), false);
  });

  it('verifies with the current or any retired secret, in order, and not with others', () => {
    const current = randomBytes(32);
    const retired = [randomBytes(32), randomBytes(32)];
    const key = buildIssuedKey('ks_ak', TIMESTAMP, randomUUID(), retired[1]);
    assert.equal(verifies(key, [current, ...retired]), true);
    assert.equal(verifies(key, [current, retired[0]]), false);
    assert.equal(verifies(key, []), false);
    assert.equal(verifies(key, [current]), false);
  });

  it('supports prefixes containing underscores, including "_v1"', () => {
    for (const prefix of ['my_pre', 'a', '_', '__', 'v1', 'x_v1', 'a_v1_b', 'ks_pk', 'A_B_C_D_E_F_G_H_', 'abcdefghijklmnop']) {
      const keyId = randomUUID();
      const key = buildIssuedKey(prefix, TIMESTAMP, keyId, SECRET);
      const parts = parseIssuedKey(key);
      assert.ok(parts, prefix);
      assert.equal(parts.prefix, prefix);
      assert.equal(parts.keyId, keyId);
      assert.equal(ISSUED_KEY_PATTERN.exec(key)?.[1], prefix);
      assert.equal(checksumMatches(parts, [SECRET]), true);
      assert.equal(classifyCredential(key, ['mc']), 'issued');
    }
  });

  it('refuses to build keys from invalid parts', () => {
    assert.throws(() => buildIssuedKey('', TIMESTAMP, KEY_ID, SECRET));
    assert.throws(() => buildIssuedKey('abcdefghijklmnopq', TIMESTAMP, KEY_ID, SECRET));
    assert.throws(() => buildIssuedKey('ks-ak', TIMESTAMP, KEY_ID, SECRET));
    assert.throws(() => buildIssuedKey('ks_ak', -1, KEY_ID, SECRET));
    assert.throws(() => buildIssuedKey('ks_ak', 1.5, KEY_ID, SECRET));
    assert.throws(() => buildIssuedKey('ks_ak', 1e13, KEY_ID, SECRET));
    assert.throws(() => buildIssuedKey('ks_ak', TIMESTAMP, KEY_ID.toUpperCase(), SECRET));
  });

  it('rejects identifiers that decode to anything but "<ts>:<uuid>", even when correctly signed', () => {
    const bad = [
      `${TIMESTAMP}${KEY_ID}`,
      `:${KEY_ID}`,
      `+${TIMESTAMP}:${KEY_ID}`,
      `-${TIMESTAMP}:${KEY_ID}`,
      ` ${TIMESTAMP}:${KEY_ID}`,
      `${TIMESTAMP} :${KEY_ID}`,
      `1e9:${KEY_ID}`,
      `1234567890123:${KEY_ID}`,
      `${TIMESTAMP}:${KEY_ID.toUpperCase()}`,
      `${TIMESTAMP}:${KEY_ID}:x`,
      `${TIMESTAMP}:${KEY_ID.replace(/-/g, '')}`,
      `${TIMESTAMP}:{${KEY_ID}}`,
      `${TIMESTAMP}:${KEY_ID}\u0000`,
      `${TIMESTAMP}:${KEY_ID.slice(0, -1)}é`,
      `${TIMESTAMP}:short-identifier`,
      'x'.repeat(61),
    ];
    for (const text of bad) assert.equal(parseIssuedKey(signedKey('ks_ak', text)), null, JSON.stringify(text));
    // Sanity: the helper itself builds valid keys, and timestamps 0 and 12 digits are accepted.
    assert.ok(parseIssuedKey(signedKey('ks_ak', `${TIMESTAMP}:${KEY_ID}`)));
    assert.equal(parseIssuedKey(signedKey('ks_ak', `0:${KEY_ID}`))?.timestampSec, 0);
    assert.equal(parseIssuedKey(signedKey('ks_ak', `999999999999:${KEY_ID}`))?.timestampSec, 999999999999);
  });

  it('rejects an identifier with leading zero bytes (leading "1"s)', () => {
    const identifier = `1${base58Encode(Buffer.from(`${TIMESTAMP}:${KEY_ID}`))}`;
    const payload = `ks_ak_v1_${identifier}_`;
    assert.equal(parseIssuedKey(payload + computeChecksum(payload, SECRET)), null);
  });

  it('is cheap to parse and check (sanity print only)', () => {
    const secrets = [randomBytes(32)];
    const key = buildIssuedKey('ks_ak', TIMESTAMP, KEY_ID, secrets[0]);
    const rounds = 50_000;
    for (let i = 0; i < 1000; i++) assert.ok(verifies(key, secrets));
    const start = process.hrtime.bigint();
    for (let i = 0; i < rounds; i++) verifies(key, secrets);
    const us = Number(process.hrtime.bigint() - start) / 1e3 / rounds;
    console.log(`# parseIssuedKey + checksumMatches: ${us.toFixed(2)} µs/op`);
  });
});

describe('classifyCredential', () => {
  const jwt = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
  const cases: [string, string[], string][] = [
    [jwt, ['mc'], 'derived_jwt'],
    [`${jwt}.extra`, ['mc'], 'imported'],
    ['eyJ.a.b', ['mc'], 'imported'],
    ['eyJa.b.c', ['mc'], 'derived_jwt'],
    ['eyJa.b.c=', ['mc'], 'imported'],
    ['mc_v1_AgEJbG9jYXRpb24', ['mc'], 'derived_macaroon'],
    ['mc_v1_', ['mc'], 'derived_macaroon'],
    ['old_v1_AgEJ', ['mc', 'old'], 'derived_macaroon'],
    ['old_v1_AgEJ', ['mc'], 'imported'],
    ['mcx_v1_AgEJ', ['mc'], 'imported'],
    [`mc${VECTOR.slice(5)}`, ['mc'], 'derived_macaroon'], // macaroon prefix wins over issued shape
    [VECTOR, ['mc'], 'issued'],
    [VECTOR, [], 'issued'],
    [VECTOR.replace('Qixkm', 'Qixk0'), ['mc'], 'imported'],
    [VECTOR.slice(0, 30), ['mc'], 'imported'],
    ['sk_live_51HxxxxABCDEF', ['mc'], 'imported'],
    ['', ['mc'], 'imported'],
    ['_v1_whatever', ['', 'mc'], 'imported'],
    ['x'.repeat(65536), ['mc'], 'imported'],
  ];
  for (const [credential, prefixes, expected] of cases) {
    it(`${JSON.stringify(credential.slice(0, 40))} with [${prefixes}] → ${expected}`, () => {
      assert.equal(classifyCredential(credential, prefixes), expected);
    });
  }

  it('still classifies a structurally valid key with a wrong checksum as issued (checksum is checked later)', () => {
    const wrong = VECTOR.slice(0, -1) + (VECTOR.endsWith('3') ? '4' : '3');
    assert.equal(classifyCredential(wrong, ['mc']), 'issued');
    assert.equal(verifies(wrong), false);
  });
});
