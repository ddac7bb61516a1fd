import { randomUUID } from 'node:crypto';
import { generateSigningKeyPair, type SigningAlgorithm } from '../projects/key-material.js';
import type { Command } from 'commander';

const ALGORITHMS: readonly SigningAlgorithm[] = ['EdDSA', 'ES256', 'RS256'];
type Algorithm = SigningAlgorithm;

/** A fresh signing key pair as JWKs (kid, alg, use set): the private JWK, and the public JWK Set. */
export function generateJwk(alg: Algorithm, kid: string = randomUUID()): { private: Record<string, unknown>; public: { keys: Record<string, unknown>[] } } {
  const pair = generateSigningKeyPair(alg);
  const meta = { kid, alg, use: 'sig' };
  return {
    private: { ...pair.privateKey.export({ format: 'jwk' }), ...meta },
    public: { keys: [{ ...pair.publicKey.export({ format: 'jwk' }), ...meta }] },
  };
}

/**
 * `keysmith jwk generate [--alg EdDSA|ES256|RS256] [--kid id] [--public-only]`: prints a new key pair
 * as JSON (offline, nothing is sent or stored) — e.g. to test token verification against a JWKS.
 */
export function registerJwkCommand(program: Command, out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): void {
  program
    .command('jwk')
    .description('JSON Web Key utilities (offline)')
    .command('generate')
    .description('print a new signing key pair as JWKs: {"private": {…}, "public": {"keys": […]}}')
    .option('--alg <alg>', 'EdDSA (Ed25519), ES256 or RS256', 'EdDSA')
    .option('--kid <kid>', 'key id (default: a random UUID)')
    .option('--public-only', 'print only the public JWK Set')
    .action((opts: { alg: string; kid?: string; publicOnly?: boolean }) => {
      if (!(ALGORITHMS as readonly string[]).includes(opts.alg)) {
        err.write(`error: --alg must be one of ${ALGORITHMS.join(', ')} (got "${opts.alg.slice(0, 32)}")\n`);
        process.exitCode = 2;
        return;
      }
      const jwk = generateJwk(opts.alg as Algorithm, opts.kid);
      out.write(`${JSON.stringify(opts.publicOnly ? jwk.public : jwk, null, 2)}\n`);
      if (!opts.publicOnly) err.write('warning: the output holds a private key — keep it secret.\n');
    });
}
