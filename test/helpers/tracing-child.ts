// Child process of test/api/tracing.test.ts: builds the app with tracing on or off (argv[2]), verifies a
// key, closes, and reports which OpenTelemetry SDK modules this process loaded. A separate process,
// because the test process itself loads the SDK for its other cases.
import { createRequire } from 'node:module';
import { createTestApp } from './test-app.js';

const enabled = process.argv[2] === 'on';
const t = await createTestApp({
  env: { KEYSMITH_TRACING_ENABLED: String(enabled), KEYSMITH_TRACING_OTLP_ENDPOINT: process.argv[3] ?? 'http://127.0.0.1:9/v1/traces' },
});
const secret = (await t.call('POST', '/v2alpha1/admin/issuedApiKeys', { name: 'child' })).json().secret;
const valid = (await t.call('POST', '/v2alpha1/admin/apiKeys:verify', { credential: secret })).json().is_valid;
await t.close();
// The SDK packages are CommonJS: whatever loaded them (import or require) left them in require.cache.
const loaded = Object.keys(createRequire(import.meta.url).cache).filter((p) => /[/\\]node_modules[/\\]@opentelemetry[/\\]/.test(p));
const sdk = [...new Set(loaded.map((p) => /@opentelemetry[/\\]([^/\\]+)/.exec(p)?.[1]))];
const registered = (globalThis as Record<symbol, unknown>)[Symbol.for('opentelemetry.js.api.1')] !== undefined;
process.stdout.write(`${JSON.stringify({ valid, sdk, registered })}\n`);
