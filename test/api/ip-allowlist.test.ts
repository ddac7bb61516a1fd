import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestApp, TEST_ADMIN_TOKEN, type TestApp } from '../helpers/test-app.js';

/** SPEC §5: per-key CIDR allowlists on every verify; client IP from the peer unless a trusted proxy says otherwise. */
describe('IP allowlists', () => {
  let t: TestApp;
  before(async () => {
    t = await createTestApp();
  });
  after(() => t.close());

  const issue = async (cidrs: string[]) => {
    const r = await t.call('POST', '/v2alpha1/admin/issuedApiKeys', { name: 'ip', ip_restriction: { allowed_cidrs: cidrs } });
    assert.equal(r.statusCode, 201, r.body);
    return r.json().secret as string;
  };
  const verifyFrom = async (credential: string, remoteAddress: string, headers: Record<string, string> = {}) => {
    const r = await t.app.api.inject({
      method: 'POST',
      url: '/v2alpha1/admin/apiKeys:verify',
      remoteAddress,
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json', ...headers },
      payload: JSON.stringify({ credential }),
    });
    assert.equal(r.statusCode, 200, r.body);
    return r.json();
  };
  const setClientIp = async (client_ip: Record<string, unknown>) => {
    const r = await t.op('PATCH', `/operator/v1/projects/${t.app.bootstrap.projectId}/config`, { client_ip });
    assert.equal(r.statusCode, 200, r.body);
  };

  it('IPv4 ranges: inside is valid, outside is IP_NOT_ALLOWED, and the response never shows the ranges', async () => {
    const key = await issue(['10.0.0.0/8', '192.168.1.0/24']);
    assert.equal((await verifyFrom(key, '10.20.30.40')).is_valid, true);
    assert.equal((await verifyFrom(key, '192.168.1.77')).is_valid, true);
    const out = await verifyFrom(key, '192.168.2.1');
    assert.equal(out.is_valid, false);
    assert.equal(out.error_code, 'VERIFICATION_ERROR_IP_NOT_ALLOWED');
    assert.ok(!JSON.stringify(out).includes('10.0.0.0') && !JSON.stringify(out).includes('192.168.1.0'), 'no CIDR in the response');
  });

  it('IPv6 and IPv4-mapped IPv6 (peer or range)', async () => {
    const v6 = await issue(['2001:db8::/32']);
    assert.equal((await verifyFrom(v6, '2001:db8::1')).is_valid, true);
    assert.equal((await verifyFrom(v6, '2001:db9::1')).error_code, 'VERIFICATION_ERROR_IP_NOT_ALLOWED');
    const v4 = await issue(['10.0.0.0/8']);
    assert.equal((await verifyFrom(v4, '::ffff:10.1.2.3')).is_valid, true, 'a mapped peer matches an IPv4 range');
    assert.equal((await verifyFrom(v4, '::ffff:11.1.2.3')).error_code, 'VERIFICATION_ERROR_IP_NOT_ALLOWED');
    const mappedRange = await issue(['::ffff:10.0.0.0/104']);
    assert.equal((await verifyFrom(mappedRange, '10.9.9.9')).is_valid, true, 'a mapped range matches an IPv4 peer');
    assert.equal((await verifyFrom(mappedRange, '11.9.9.9')).error_code, 'VERIFICATION_ERROR_IP_NOT_ALLOWED');
  });

  it('an unrestricted key verifies from anywhere', async () => {
    const key = await issue([]);
    for (const ip of ['10.0.0.1', '203.0.113.9', '::1']) assert.equal((await verifyFrom(key, ip)).is_valid, true, ip);
  });

  it('a trusted proxy header is used only from a trusted peer; missing header fails closed', async () => {
    const key = await issue(['203.0.113.0/24']);
    // Default (REMOTE_ADDR): headers are ignored.
    assert.equal((await verifyFrom(key, '10.0.0.1', { 'x-forwarded-for': '203.0.113.5' })).error_code, 'VERIFICATION_ERROR_IP_NOT_ALLOWED');
    await setClientIp({ source: 'X_FORWARDED_FOR', trusted_proxies: ['10.0.0.1', '10.1.0.0/16'] });
    assert.equal((await verifyFrom(key, '10.0.0.1', { 'x-forwarded-for': '203.0.113.5, 10.0.0.1' })).is_valid, true, 'leftmost entry');
    assert.equal((await verifyFrom(key, '10.1.2.3', { 'x-forwarded-for': '203.0.113.6' })).is_valid, true, 'trusted by range');
    assert.equal(
      (await verifyFrom(key, '198.51.100.7', { 'x-forwarded-for': '203.0.113.5' })).error_code,
      'VERIFICATION_ERROR_IP_NOT_ALLOWED',
      'an untrusted peer cannot choose its address',
    );
    assert.equal((await verifyFrom(key, '10.0.0.1')).error_code, 'VERIFICATION_ERROR_IP_NOT_ALLOWED', 'no header from the proxy: unknown → closed');
    assert.equal((await verifyFrom(key, '10.0.0.1', { 'x-forwarded-for': 'not-an-ip' })).error_code, 'VERIFICATION_ERROR_IP_NOT_ALLOWED');
    await setClientIp({ source: 'CF_CONNECTING_IP', trusted_proxies: ['10.0.0.1'] });
    assert.equal((await verifyFrom(key, '10.0.0.1', { 'cf-connecting-ip': '203.0.113.9', 'x-forwarded-for': '1.1.1.1' })).is_valid, true);
    assert.equal((await verifyFrom(key, '10.0.0.1', { 'x-forwarded-for': '203.0.113.9' })).error_code, 'VERIFICATION_ERROR_IP_NOT_ALLOWED');
    await setClientIp({ source: 'REMOTE_ADDR', trusted_proxies: [] });
  });

  it('imported keys are checked the same way', async () => {
    const raw = `legacy-ip-test-${Date.now()}-abcdefghijklmnop`;
    const r = await t.call('POST', '/v2alpha1/admin/importedApiKeys', {
      raw_key: raw,
      name: 'imp',
      actor_id: 'a',
      ip_restriction: { allowed_cidrs: ['10.0.0.0/8'] },
    });
    assert.equal(r.statusCode, 201, r.body);
    assert.equal((await verifyFrom(raw, '10.3.3.3')).is_valid, true);
    assert.equal((await verifyFrom(raw, '11.3.3.3')).error_code, 'VERIFICATION_ERROR_IP_NOT_ALLOWED');
  });
});
