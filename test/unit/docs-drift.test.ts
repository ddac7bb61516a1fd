import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { renderConfigDoc, renderErrorsDoc, renderOpenApi } from '../../scripts/doc-renderers.js';

// Generated docs are checked in; regenerate with `npm run docs` when these fail.
test('docs/openapi.json matches the route schemas', async () => {
  assert.equal(readFileSync('docs/openapi.json', 'utf8'), await renderOpenApi());
});

test('docs/errors.md matches the error catalogue', () => {
  assert.equal(readFileSync('docs/errors.md', 'utf8'), renderErrorsDoc());
});

test('docs/config.md matches the config schema', () => {
  assert.equal(readFileSync('docs/config.md', 'utf8'), renderConfigDoc());
});
