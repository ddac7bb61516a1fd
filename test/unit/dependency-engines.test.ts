import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import semver from 'semver';

/**
 * Every package the lock installs says it supports the Node it runs on (Node 20 here: several current
 * majors need Node 22 — ../shared/ENGINEERING.md). A package that does not may still load today and
 * break on the next patch release of Node 20, as cookie 2 (ESM only, engines ≥ 22, pulled in by
 * light-my-request 6.8) loads only through Node ≥ 20.19's require(esm): package.json holds
 * light-my-request at 6.6.0 with `overrides`.
 */
interface LockEntry {
  version?: string;
  engines?: { node?: string } | string[];
}

const lock = JSON.parse(readFileSync(new URL('../../package-lock.json', import.meta.url), 'utf8')) as { packages: Record<string, LockEntry> };

/** Packages whose declared Node range excludes `version`: "path version range". */
function unsupported(packages: Record<string, LockEntry>, version: string): string[] {
  const out: string[] = [];
  for (const [path, entry] of Object.entries(packages)) {
    const range = entry.engines && !Array.isArray(entry.engines) ? entry.engines.node : undefined;
    if (!path || !range) continue;
    if (!semver.satisfies(version, range, { includePrerelease: true })) out.push(`${path} ${entry.version} (engines.node ${range})`);
  }
  return out;
}

describe('dependency engines', () => {
  it('every locked package supports the running Node', () => {
    assert.ok(Object.keys(lock.packages).length > 100, 'the lock lists the installed packages');
    assert.deepEqual(unsupported(lock.packages, process.version), []);
  });

  it('a package that needs Node 22 is named (the check can fail)', () => {
    const packages = {
      '': {},
      'node_modules/cookie': { version: '2.0.2', engines: { node: '>=22' } },
      'node_modules/ok': { version: '1.0.0', engines: { node: '>=18' } },
    };
    assert.deepEqual(unsupported(packages, 'v20.20.2'), ['node_modules/cookie 2.0.2 (engines.node >=22)']);
  });

  it('light-my-request is held at a version whose dependencies support Node 20', () => {
    const versions = Object.entries(lock.packages)
      .filter(([path]) => path.endsWith('node_modules/light-my-request'))
      .map(([, entry]) => entry.version);
    assert.deepEqual(versions, ['6.6.0']);
  });
});
