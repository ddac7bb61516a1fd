import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

// The package contract: jose is the only runtime dependency (pinned like the root), and no source
// file imports anything else at runtime — express and fastify appear only as structural types.

const ROOT = 'packages/sdk';
const sources = (dir: string): string[] =>
  readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });

describe('sdk package', () => {
  it('package.json: ESM, exports, jose as the only dependency at the root’s exact version', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    const root = JSON.parse(readFileSync('package.json', 'utf8'));
    assert.equal(pkg.name, '@keysmith/sdk');
    assert.equal(pkg.type, 'module');
    assert.ok(pkg.exports['.'], 'exports "."');
    assert.deepEqual(pkg.dependencies, { jose: root.dependencies.jose });
    assert.equal(pkg.peerDependencies, undefined);
  });

  it('runtime imports are relative, node: built-ins or jose only', () => {
    const files = sources(join(ROOT, 'src'));
    assert.ok(files.length > 10);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/^\s*(import|export)\s+(type\s+)?[^;]*?from\s+'([^']+)'/gm)) {
        const [, , typeOnly, spec] = m;
        if (typeOnly) continue;
        assert.ok(spec.startsWith('.') || spec.startsWith('node:') || spec === 'jose', `${file}: runtime import of ${spec}`);
      }
      assert.doesNotMatch(text, /\brequire\(|import\(\s*'(?!\.)/, `${file}: no dynamic imports`);
    }
  });
});
