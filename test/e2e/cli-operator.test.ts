import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { killAll, runKeysmith, type ServerProc, startServer } from './process-harness.js';

/**
 * `keysmith projects|tokens|audit` as separate processes against a real server process: the operator
 * workflow end to end, and the token a project gets actually works on the admin API.
 */
const OPERATOR = 'ks_op_e2e_operator_token_0123456789abcdefghijklmnop';
const dir = mkdtempSync(join(tmpdir(), 'keysmith-e2e-op-'));

after(async () => {
  await killAll();
  rmSync(dir, { recursive: true, force: true });
});

describe('keysmith projects, tokens, audit against a running server', () => {
  let server: ServerProc;
  const cli = (args: string[], env: Record<string, string> = { KEYSMITH_OPERATOR_TOKEN: OPERATOR }) =>
    runKeysmith([...args, '--endpoint', server.url], { env });

  before(async () => {
    server = await startServer({ KEYSMITH_DATA_DIR: join(dir, 'data'), KEYSMITH_OPERATOR_TOKEN: OPERATOR, KEYSMITH_LOG_LEVEL: 'warn' });
  });

  test('create and enable a project, mint a token, use it, read the audit log', async () => {
    const created = await cli(['projects', 'create', 'acme', '--name', 'Acme', '--plan', 'free', '--enable', '-f', 'json']);
    assert.equal(created.code, 0, created.stderr);
    const project = JSON.parse(created.stdout);
    assert.equal(project.slug, 'acme');
    assert.equal(project.api_keys_enabled, true);
    assert.equal(project.usage.max_active_keys, 100);

    const again = await cli(['projects', 'enable', 'acme', '-f', 'json']);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(JSON.parse(again.stdout).changed, false, 'a second enable is a no-op that says so');

    const tok = await cli(['tokens', 'create', 'acme', '--name', 'ci', '--permissions', 'admin', '-f', 'json']);
    assert.equal(tok.code, 0, tok.stderr);
    const { secret, token } = JSON.parse(tok.stdout);
    assert.match(secret, /^ks_pat_/);

    // The new token works on the admin API, for its project.
    const issued = await runKeysmith(['keys', 'issue', 'k1', '-f', 'json', '--endpoint', server.url], { env: { KEYSMITH_TOKEN: secret } });
    assert.equal(issued.code, 0, issued.stderr);
    const keyId = JSON.parse(issued.stdout).issued_api_key.key_id;

    const listed = await cli(['tokens', 'list', 'acme']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.ok(listed.stdout.includes(token.id));
    assert.ok(!listed.stdout.includes(secret), 'a token list never shows a secret');

    const audit = await cli(['audit', 'list', 'acme', '--all', '-f', 'json']);
    assert.equal(audit.code, 0, audit.stderr);
    const events = JSON.parse(audit.stdout).audit_events as { action: string; actor: string; key_id?: string }[];
    const actions = events.map((e) => e.action);
    for (const a of ['project.create', 'project.enable_api_keys', 'token.create', 'key.issue']) assert.ok(actions.includes(a), `audit has ${a}: ${actions}`);
    assert.equal(events.find((e) => e.action === 'key.issue')?.actor, `token:${token.id}`);
    assert.equal(events.find((e) => e.action === 'key.issue')?.key_id, keyId);
    assert.ok(!audit.stdout.includes(secret));

    const revoked = await cli(['tokens', 'revoke', 'acme', token.id]);
    assert.equal(revoked.code, 0, revoked.stderr);
    const denied = await runKeysmith(['keys', 'list', '--endpoint', server.url], { env: { KEYSMITH_TOKEN: secret } });
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /401/);

    const refused = await cli(['projects', 'list'], { KEYSMITH_OPERATOR_TOKEN: 'ks_op_wrong_token_0123456789abcdefghijklmnopq' });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /401/);
    assert.ok(!refused.stderr.includes('ks_op_wrong'), 'the token is never echoed');
    assert.ok(!server.stdout().includes(OPERATOR) && !server.stderr().includes(OPERATOR), 'the operator token is not in the server log');
    assert.ok(!server.stdout().includes(secret) && !server.stderr().includes(secret), 'the project token is not in the server log');
  });
});
