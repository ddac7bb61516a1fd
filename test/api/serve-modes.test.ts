import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

/** SPEC §7: `serve admin` and `serve public` answer 404 for the other surface's endpoints. */
const ADMIN_ENDPOINTS: [string, string][] = [
  ['POST', '/v2alpha1/admin/issuedApiKeys'],
  ['GET', '/v2alpha1/admin/issuedApiKeys'],
  ['POST', '/v2alpha1/admin/apiKeys:verify'],
  ['POST', '/v2alpha1/admin/apiKeys:batchVerify'],
  ['POST', '/v2alpha1/admin/apiKeys:derive'],
  ['POST', '/v2alpha1/admin/importedApiKeys'],
  ['GET', '/operator/v1/projects'],
];
const PUBLIC_ONLY: [string, string][] = [['POST', '/v2alpha1/apiKeys:selfRevoke']];
const EVERYWHERE: [string, string][] = [
  ['GET', '/.well-known/jwks.json'],
  ['GET', '/v2alpha1/derivedKeys/jwks.json'],
  ['GET', '/health/alive'],
  ['GET', '/health/ready'],
];

for (const mode of ['admin', 'public', 'all'] as const) {
  describe(`serve ${mode}`, () => {
    let t: TestApp;
    before(async () => {
      t = await createTestApp({ mode });
    });
    after(() => t.close());

    const probe = async (method: string, url: string) => {
      const r = await t.call(method as 'GET', url, method === 'POST' ? {} : undefined);
      return { status: r.statusCode, reason: r.statusCode === 404 ? r.json().error?.details?.[0]?.reason : undefined };
    };

    it('serves its own endpoints and answers 404 ROUTE_NOT_FOUND for the others', async () => {
      for (const [m, u] of ADMIN_ENDPOINTS) {
        const r = await probe(m, u);
        if (mode === 'public') assert.deepEqual(r, { status: 404, reason: 'ROUTE_NOT_FOUND' }, `${m} ${u}`);
        else assert.notEqual(r.reason, 'ROUTE_NOT_FOUND', `${m} ${u} is served in ${mode}`);
      }
      for (const [m, u] of PUBLIC_ONLY) {
        const r = await probe(m, u);
        if (mode === 'admin') assert.deepEqual(r, { status: 404, reason: 'ROUTE_NOT_FOUND' }, `${m} ${u}`);
        else assert.notEqual(r.reason, 'ROUTE_NOT_FOUND', `${m} ${u} is served in ${mode}`);
      }
      for (const [m, u] of EVERYWHERE) assert.equal((await probe(m, u)).status, 200, `${m} ${u} in ${mode}`);
    });
  });
}
