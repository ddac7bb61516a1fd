import assert from 'node:assert/strict';
import type { LightMyRequestResponse } from 'fastify';
import type { TestApp } from './test-app.js';

/**
 * Small helpers for the operator-API suites: assert an AIP-193 error precisely, and set up a project
 * (created, enabled, with a token) through the operator API itself — never through in-process services.
 */

/** Asserts the full AIP-193 envelope with this HTTP status and catalogue reason; returns the error object. */
export function expectError(res: LightMyRequestResponse, status: number, reason: string, ctx = ''): Record<string, any> {
  const where = `${ctx} → ${res.statusCode} ${res.body.slice(0, 300)}`;
  assert.equal(res.statusCode, status, where);
  assert.equal(typeof res.headers['x-request-id'], 'string', `${where}: X-Request-ID`);
  assert.match(String(res.headers['content-type']), /^application\/json/, where);
  const body = res.json();
  assert.deepEqual(Object.keys(body), ['error'], where);
  const e = body.error;
  assert.equal(e.code, status, where);
  assert.match(e.status, /^[A-Z_]+$/, where);
  assert.equal(typeof e.message, 'string', where);
  assert.ok(e.message.length > 0, where);
  assert.ok(Array.isArray(e.details) && e.details.length >= 1, where);
  assert.equal(e.details[0]['@type'], 'type.googleapis.com/google.rpc.ErrorInfo', where);
  assert.equal(e.details[0].domain, 'keysmith', where);
  assert.equal(e.details[0].reason, reason, where);
  assert.doesNotMatch(res.body, /\bat .+\.(ts|js):\d+|node_modules|FST_ERR/, `${where}: no stack trace`);
  return e;
}

export interface OperatorProject {
  id: string;
  slug: string;
  /** Secret of an admin project API token (ks_pat_…). */
  token: string;
  tokenId: string;
}

/** Creates a project through POST /operator/v1/projects (enabled by default) with an admin token. */
export async function createProject(
  t: TestApp,
  slug: string,
  opts: { plan?: string; enable?: boolean; permissions?: string[]; custom_domains?: string[] } = {},
): Promise<OperatorProject> {
  const res = await t.op('POST', '/operator/v1/projects', {
    slug,
    ...(opts.plan ? { plan: opts.plan } : {}),
    ...(opts.custom_domains ? { custom_domains: opts.custom_domains } : {}),
    enable_api_keys: opts.enable ?? true,
  });
  assert.equal(res.statusCode, 201, res.body);
  const id = res.json().id as string;
  const tok = await t.op('POST', `/operator/v1/projects/${id}/tokens`, { name: `${slug}-admin`, permissions: opts.permissions ?? ['admin'] });
  assert.equal(tok.statusCode, 201, tok.body);
  return { id, slug, token: tok.json().secret, tokenId: tok.json().token.id };
}

/** Creates a project API token through the operator API; returns its secret and id. */
export async function createToken(
  t: TestApp,
  project: string,
  permissions: string[],
  extra: Record<string, unknown> = {},
): Promise<{ secret: string; id: string }> {
  const res = await t.op('POST', `/operator/v1/projects/${project}/tokens`, { name: `tok-${permissions.join('-')}`, permissions, ...extra });
  assert.equal(res.statusCode, 201, res.body);
  return { secret: res.json().secret, id: res.json().token.id };
}
