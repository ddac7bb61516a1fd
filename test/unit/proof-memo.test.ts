import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { buildIssuedKey } from '../../src/keys/key-format.js';
import type { HmacSecret, ProjectContext } from '../../src/projects/project-context.js';
import { CredentialProver } from '../../src/verify/credential-prover.js';
import { ProofMemo } from '../../src/verify/proof-memo.js';

const NOW = Date.UTC(2026, 10, 27, 12);
const ctxWith = (secrets: HmacSecret[], maxTtlMs = 365 * 86_400_000): ProjectContext =>
  ({
    id: 'p1',
    allowedPrefixes: new Set(['ks_ak']),
    macaroonPrefixes: ['mc'],
    hmacSecrets: secrets,
    clockSkewMs: 30_000,
    maxTtlMs,
  }) as unknown as ProjectContext;
const secret = (expiresAt: number | null = null): HmacSecret => ({ id: randomUUID(), key: randomBytes(32), expiresAt });

/** A prover with its own small memo. */
function prover() {
  const memo = new ProofMemo(100);
  return { memo, p: new CredentialProver(memo) };
}

describe('ProofMemo / CredentialProver', () => {
  it('a proven key is recalled by its digest; forged and other-type credentials never enter', () => {
    const s = secret();
    const ctx = ctxWith([s]);
    const keyId = randomUUID();
    const key = buildIssuedKey('ks_ak', NOW / 1000 - 60, keyId, s.key);
    const { memo, p } = prover();
    assert.deepEqual(p.route(ctx, key, NOW), { type: 'issued', keyId });
    assert.equal(memo.recall(ctx, ProofMemo.digest(key), NOW + 1000), keyId);
    const forged = `${key.slice(0, -2)}zz`;
    assert.deepEqual(p.route(ctx, forged, NOW), { type: 'issued', keyId: null });
    assert.equal(memo.recall(ctx, ProofMemo.digest(forged), NOW), undefined);
    assert.equal(p.route(ctx, 'mc_v1_abc', NOW).type, 'derived_macaroon');
    assert.equal(memo.recall(ctx, ProofMemo.digest('mc_v1_abc'), NOW), undefined);
  });

  it('another context (reloaded after a rotation, or another project) does not see the proof', () => {
    const s = secret();
    const key = buildIssuedKey('ks_ak', NOW / 1000, randomUUID(), s.key);
    const { memo, p } = prover();
    const ctx = ctxWith([s]);
    p.route(ctx, key, NOW);
    assert.equal(memo.recall(ctxWith([s]), ProofMemo.digest(key), NOW), undefined);
    // and the full check under a context whose secrets no longer include the key's → not proven
    assert.deepEqual(p.route(ctxWith([secret()]), key, NOW), { type: 'issued', keyId: null });
  });

  it('a proof made under a retired secret ends when that secret expires', () => {
    const retired = secret(NOW + 10_000);
    const ctx = ctxWith([secret(), retired]);
    const keyId = randomUUID();
    const key = buildIssuedKey('ks_ak', NOW / 1000, keyId, retired.key);
    const { memo, p } = prover();
    assert.equal(p.route(ctx, key, NOW).keyId, keyId);
    assert.equal(memo.recall(ctx, ProofMemo.digest(key), NOW + 9_999), keyId);
    assert.equal(memo.recall(ctx, ProofMemo.digest(key), NOW + 10_000), undefined);
    assert.equal(p.route(ctx, key, NOW + 10_000).keyId, null, 'the full check refuses it too');
  });

  it('a key that grows older than the max TTL is no longer recalled; proofs last at most a minute', () => {
    const s = secret();
    const ctx = ctxWith([s], 3_600_000);
    const keyId = randomUUID();
    const key = buildIssuedKey('ks_ak', NOW / 1000 - 3_590, keyId, s.key);
    const { memo, p } = prover();
    assert.equal(p.route(ctx, key, NOW).keyId, keyId);
    assert.equal(memo.recall(ctx, ProofMemo.digest(key), NOW + 9_000), keyId);
    assert.equal(memo.recall(ctx, ProofMemo.digest(key), NOW + 10_001), undefined);
    const young = buildIssuedKey('ks_ak', NOW / 1000, randomUUID(), s.key);
    p.route(ctx, young, NOW);
    assert.ok(memo.recall(ctx, ProofMemo.digest(young), NOW + 59_999));
    assert.equal(memo.recall(ctx, ProofMemo.digest(young), NOW + 60_000), undefined);
  });
});
