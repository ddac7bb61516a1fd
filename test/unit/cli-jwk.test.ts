import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Writable } from 'node:stream';
import { Command } from 'commander';
import { jwtVerify, SignJWT, importJWK, createLocalJWKSet } from 'jose';
import { generateJwk, registerJwkCommand } from '../../src/cli/jwk-command.js';

class Sink extends Writable {
  text = '';
  override _write(c: Buffer, _e: string, cb: () => void) {
    this.text += c.toString();
    cb();
  }
}

describe('keysmith jwk generate', () => {
  for (const alg of ['EdDSA', 'ES256', 'RS256'] as const) {
    it(`${alg}: the private JWK signs, the public JWK Set verifies, no private part in the public set`, async () => {
      const jwk = generateJwk(alg, 'kid-1');
      assert.equal(jwk.private.kid, 'kid-1');
      assert.equal(jwk.public.keys[0].alg, alg);
      assert.equal(jwk.public.keys[0].d, undefined);
      const key = await importJWK(jwk.private as never, alg);
      const token = await new SignJWT({ a: 1 }).setProtectedHeader({ alg, kid: 'kid-1' }).sign(key);
      const { payload } = await jwtVerify(token, createLocalJWKSet(jwk.public as never));
      assert.equal(payload.a, 1);
    });
  }

  it('the command prints JSON, warns on stderr, --public-only prints only the set, a bad --alg exits 2', async () => {
    const run = async (args: string[]) => {
      const out = new Sink();
      const err = new Sink();
      const program = new Command('keysmith').exitOverride();
      registerJwkCommand(program, out, err);
      process.exitCode = undefined;
      await program.parseAsync(['node', 'keysmith', 'jwk', 'generate', ...args]);
      const code = process.exitCode;
      process.exitCode = undefined;
      return { out: out.text, err: err.text, code };
    };
    const full = await run(['--alg', 'ES256']);
    assert.ok(JSON.parse(full.out).private.d);
    assert.match(full.err, /private key/);
    const pub = await run(['--public-only']);
    assert.deepEqual(Object.keys(JSON.parse(pub.out)), ['keys']);
    assert.equal(pub.err, '');
    const bad = await run(['--alg', 'HS256']);
    assert.equal(bad.code, 2);
    assert.equal(bad.out, '');
  });
});
