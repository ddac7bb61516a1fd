import assert from 'node:assert/strict';
import { createHash, createPrivateKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { EnvelopeCipher } from '../../src/crypto/envelope.js';
import { sealContext } from '../../src/projects/secret-contexts.js';
import { selectedBackend } from '../helpers/databases.js';
import { createProject, createToken } from '../helpers/operator.js';
import { createTestApp, TEST_MASTER_KEY, type TestApp } from '../helpers/test-app.js';

/**
 * SPEC §6: a database dump alone must not let anyone check candidate keys or forge tokens. For projects
 * made through the operator API, with every signing algorithm and after rotations, read what the
 * database holds and look for each secret in every encoding it could take.
 */
describe('secrets at rest (operator-made projects, rotations)', () => {
  let t: TestApp;
  const tokens: string[] = [];
  const projectIds: string[] = [];

  before(async () => {
    t = await createTestApp();
    for (const alg of ['EdDSA', 'ES256', 'RS256'] as const) {
      const p = await createProject(t, `rest-${alg.toLowerCase()}`, { enable: false });
      projectIds.push(p.id);
      const en = await t.op('POST', `/operator/v1/projects/${p.id}:enableApiKeys`, { signing_algorithm: alg });
      assert.equal(en.statusCode, 200, en.body);
      tokens.push(p.token, (await createToken(t, p.id, ['verify'])).secret);
      assert.equal((await t.op('POST', `/operator/v1/projects/${p.id}/hmacSecrets:rotate`, { retired_ttl: '1d' })).statusCode, 200);
      assert.equal((await t.op('POST', `/operator/v1/projects/${p.id}/signingKeys:rotate`, { mode: 'graceful' })).statusCode, 200);
    }
  });
  after(() => t.close());

  /** Every secret of every project, opened with the master key (which the database never holds). */
  async function openedSecrets(): Promise<{ what: string; forms: string[]; raw: Buffer }[]> {
    const cipher = new EnvelopeCipher(Buffer.from(TEST_MASTER_KEY, 'hex'));
    const out: { what: string; forms: string[]; raw: Buffer }[] = [];
    for (const pid of projectIds) {
      for (const s of await t.app.store.projects.listSecrets(pid)) {
        assert.match(s.sealed, /^ksenv1\./, 'sealed with the envelope format');
        const raw = cipher.open(s.sealed, sealContext(pid, s.kind, s.secretId));
        const forms = [raw.toString('hex'), raw.toString('base64'), raw.toString('base64url')];
        if (s.kind === 'signing') {
          const jwk = createPrivateKey({ key: raw, format: 'der', type: 'pkcs8' }).export({ format: 'jwk' }) as Record<string, string>;
          for (const k of ['d', 'p', 'q', 'dp', 'dq', 'qi']) if (jwk[k]) forms.push(jwk[k]);
          assert.ok(s.publicJwk && !/"d"\s*:/.test(s.publicJwk), 'the stored public JWK has no private part');
        }
        out.push({ what: `${s.kind} ${s.algorithm} ${s.state}`, forms, raw });
      }
    }
    assert.ok(out.length >= 12, `3 projects × (2 HMAC + 2 signing) secrets, got ${out.length}`);
    return out;
  }

  it('every stored secret row is an envelope that holds none of the secret forms (every backend)', async () => {
    const rows = await t.app.store.dialect.db.selectFrom('project_secrets').select(['sealed', 'public_jwk']).execute();
    const text = JSON.stringify(rows);
    for (const s of await openedSecrets()) for (const f of s.forms) assert.ok(!text.includes(f), `${s.what} in clear in project_secrets`);
    const tokenRows = JSON.stringify(await t.app.store.dialect.db.selectFrom('api_tokens').select(['token_hash', 'name']).execute());
    for (const tok of tokens) {
      assert.ok(!tokenRows.includes(tok), 'a project token in clear');
      assert.ok(tokenRows.includes(createHash('sha256').update(tok).digest('hex')), 'control: the token is stored as its SHA-256');
    }
  });

  it('the SQLite file (and its WAL) holds no HMAC secret, private key or token secret', { skip: selectedBackend() !== 'sqlite' }, async () => {
    const files = [`${t.dir}/keysmith.db`, `${t.dir}/keysmith.db-wal`].filter((f) => existsSync(f));
    const bytes = Buffer.concat(files.map((f) => readFileSync(f)));
    assert.ok(bytes.includes('ksenv1.'), 'control: sealed secrets are in these bytes');
    for (const s of await openedSecrets()) {
      assert.ok(!bytes.includes(s.raw), `${s.what}: raw bytes`);
      for (const f of s.forms) assert.ok(!bytes.includes(f), `${s.what}: ${f.slice(0, 8)}…`);
    }
    for (const tok of tokens) assert.ok(!bytes.includes(tok), 'project token in clear');
  });
});
