import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../src/app.js';
import { configLeaves, loadConfig } from '../src/config/load.js';
import { ConfigSchema } from '../src/config/schema.js';
import { ERROR_CATALOGUE } from '../src/errors/catalogue.js';

/** The OpenAPI 3.1 document of every route (mode "all"), as served at /openapi.json. */
export async function renderOpenApi(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'keysmith-openapi-'));
  try {
    const app = await buildApp(loadConfig({ env: { KEYSMITH_DATA_DIR: dir, KEYSMITH_SECRETS_MASTER_KEY: '00'.repeat(32), KEYSMITH_LOG_LEVEL: 'silent' } }));
    const doc = app.api.swagger();
    await app.close();
    return `${JSON.stringify(doc, null, 2)}\n`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function renderErrorsDoc(): string {
  const rows = Object.entries(ERROR_CATALOGUE).map(([reason, s]) => `| \`${reason}\` | ${s.http} | \`${s.status}\` | ${s.description} |`);
  return [
    '# Errors',
    '',
    '<!-- Generated from src/errors/catalogue.ts by `npm run docs`; a test fails when this file drifts. -->',
    '',
    'Every error response uses the AIP-193 shape:',
    '',
    '```json',
    '{"error":{"code":404,"status":"NOT_FOUND","message":"API key not found.","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_NOT_FOUND","domain":"keysmith","metadata":{}}]}}',
    '```',
    '',
    'Match on `details[0].reason` (stable), not on `message` (for humans). Every response carries `X-Request-ID`.',
    '',
    '| reason | HTTP | status | meaning |',
    '|---|---|---|---|',
    ...rows,
    '',
    'Verification never uses these: `POST /v2alpha1/admin/apiKeys:verify` answers 200 with `is_valid:false` and an',
    '`error_code` (`VERIFICATION_ERROR_INVALID_FORMAT|EXPIRED|REVOKED|NOT_FOUND|SIGNATURE_INVALID|INTERNAL|IP_NOT_ALLOWED|RATE_LIMITED`);',
    'only a malformed request body is a 400.',
    '',
  ].join('\n');
}

interface Node {
  default?: unknown;
  description?: string;
  type?: string;
  anyOf?: Node[];
}

export function renderConfigDoc(): string {
  const rows = configLeaves(ConfigSchema as never).map(({ path, env, node }) => {
    const n = node as Node;
    const type = n.anyOf ? n.anyOf.map((a) => a.type).join(' \\| ') : n.type;
    return `| \`${path.join('.')}\` | \`${env}\` | ${type} | \`${JSON.stringify(n.default)}\` | ${n.description ?? ''} |`;
  });
  return [
    '# Configuration',
    '',
    '<!-- Generated from src/config/schema.ts by `npm run docs`; a test fails when this file drifts. -->',
    '',
    'Keysmith reads an optional YAML file (`keysmith serve --config keysmith.yaml`) and then applies',
    'environment overrides: every key `a.b_c` is overridden by `KEYSMITH_A_B_C`. The merged result is',
    'validated at start; an invalid value stops the server with a message naming the key and the problem.',
    'Durations use `s m h d w mo y` units (e.g. `90d`, `1h30m`).',
    '',
    '| key | env | type | default | description |',
    '|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}
