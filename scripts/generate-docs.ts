// Generates the checked-in reference docs from their single sources: docs/openapi.json (route
// schemas), docs/errors.md (the error catalogue), docs/config.md (the config schema).
// `npm run docs` rewrites them; test/unit/docs-drift.test.ts fails when they differ.
import { writeFileSync } from 'node:fs';
import { renderConfigDoc, renderErrorsDoc, renderOpenApi } from './doc-renderers.js';

writeFileSync('docs/openapi.json', await renderOpenApi());
writeFileSync('docs/errors.md', renderErrorsDoc());
writeFileSync('docs/config.md', renderConfigDoc());
console.log('wrote docs/openapi.json, docs/errors.md, docs/config.md');
