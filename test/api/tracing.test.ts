import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver.js';
import { createTestApp, TEST_ADMIN_TOKEN, type TestApp } from '../helpers/test-app.js';

// OpenTelemetry tracing (issue 6): spans exported over OTLP/HTTP to a real receiver, W3C traceparent
// honoured, trace ids in log lines, no secret in any span — and with tracing off, no SDK loaded at all.

const VERIFY = '/v2alpha1/admin/apiKeys:verify';
const PARENT_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_SPAN = '00f067aa0ba902b7';
/** Not a valid parent: each is ignored and the request starts its own trace. */
const HOSTILE_TRACEPARENTS = [
  'garbage',
  `00-${'0'.repeat(32)}-${PARENT_SPAN}-01`, // all-zero trace id
  `00-${PARENT_TRACE}-${'0'.repeat(16)}-01`, // all-zero span id
  `ff-${PARENT_TRACE}-${PARENT_SPAN}-01`, // forbidden version
  `00-${PARENT_TRACE.toUpperCase()}-${PARENT_SPAN}-01`,
  `00-${PARENT_TRACE}-${PARENT_SPAN}-01\u0000`,
  'x'.repeat(64 * 1024),
  "00-' OR 1=1 --",
];

describe('tracing enabled: spans over OTLP/HTTP', () => {
  const receiver = new OtlpReceiver();
  let t: TestApp;
  let secret = '';
  let keyId = '';
  let importedRaw = '';
  let logs: Record<string, unknown>[] = [];
  let spans: ReceivedSpan[] = [];

  before(async () => {
    const endpoint = await receiver.start();
    t = await createTestApp({
      env: { KEYSMITH_TRACING_ENABLED: 'true', KEYSMITH_TRACING_OTLP_ENDPOINT: endpoint, KEYSMITH_TRACING_SERVICE_NAME: 'keysmith-under-test' },
    });
    const issued = (await t.call('POST', '/v2alpha1/admin/issuedApiKeys', { name: 'traced' })).json();
    secret = issued.secret;
    keyId = issued.issued_api_key.key_id;
    importedRaw = `imported-secret-${keyId}`;
    assert.equal((await t.call('POST', '/v2alpha1/admin/importedApiKeys', { raw_key: importedRaw, name: 'imp', actor_id: 'a' })).statusCode, 201);

    const verify = async (credential: string, headers: Record<string, string>) => {
      const r = await t.call('POST', VERIFY, { credential }, headers);
      assert.equal(r.statusCode, 200, r.body);
      return r.json();
    };
    assert.equal((await verify(secret, { 'x-request-id': 'trace-plain' })).is_valid, true);
    assert.equal((await verify(secret, { 'x-request-id': 'trace-parent', traceparent: `00-${PARENT_TRACE}-${PARENT_SPAN}-01` })).is_valid, true);
    assert.equal((await verify(importedRaw, { 'x-request-id': 'trace-imported' })).is_valid, true);
    assert.equal((await verify('garbage-credential-value', { 'x-request-id': 'trace-garbage' })).error_code, 'VERIFICATION_ERROR_NOT_FOUND');
    for (const [i, traceparent] of HOSTILE_TRACEPARENTS.entries())
      assert.equal((await verify(secret, { 'x-request-id': `trace-hostile-${i}`, traceparent, tracestate: traceparent })).is_valid, true);
    await t.app.metrics.inject({ method: 'GET', url: '/metrics' });
    // Closing the app flushes the batch span processor to the receiver.
    await t.close();
    logs = t.logs.lines.map((l) => JSON.parse(l));
    spans = receiver.spans();
  });
  after(() => receiver.close());

  const serverSpanOf = (reqId: string) => {
    const traceId = logs.find((l) => l.reqId === reqId && l.msg === 'request completed')?.trace_id;
    const span = spans.find((s) => s.traceId === traceId && s.kind === 2);
    assert.ok(span, `a server span for ${reqId}`);
    return span;
  };
  const childrenOf = (parent: ReceivedSpan) => spans.filter((s) => s.parentSpanId === parent.spanId);

  it('exports a server span per request, a verify span under it, and store calls under that', () => {
    assert.ok(receiver.bodies.length > 0, 'the receiver got at least one export');
    const server = serverSpanOf('trace-plain');
    assert.equal(server.name, 'POST /v2alpha1/admin/apiKeys::verify');
    assert.equal(server.attributes['http.route'], '/v2alpha1/admin/apiKeys::verify');
    assert.equal(server.attributes['http.response.status_code'], 200);
    assert.equal(server.resource['service.name'], 'keysmith-under-test');
    const [verify] = childrenOf(server).filter((s) => s.name === 'verify');
    assert.ok(verify, 'a verify span under the server span');
    assert.deepEqual(
      [verify.attributes['keysmith.credential.type'], verify.attributes['keysmith.verify.result'], verify.attributes['keysmith.cache']],
      ['issued', 'valid', 'SKIP'],
    );
    const store = childrenOf(verify);
    assert.deepEqual(
      store.map((s) => s.name),
      ['store.getById'],
    );
    assert.match(String(store[0].attributes['db.system.name']), /^(sqlite|postgresql|mysql)$/);
  });

  it('imported keys and invalid credentials get their own attributes (imported: a hash lookup span)', () => {
    const imported = childrenOf(serverSpanOf('trace-imported')).find((s) => s.name === 'verify') as ReceivedSpan;
    assert.equal(imported.attributes['keysmith.credential.type'], 'imported');
    assert.equal(imported.attributes['keysmith.verify.result'], 'valid');
    const names = childrenOf(imported).map((s) => s.name);
    assert.ok(names.includes('store.getByAnyLookupHash'), names.join());
    assert.ok(
      names.every((n) => n.startsWith('store.')),
      names.join(),
    );
    const garbage = childrenOf(serverSpanOf('trace-garbage')).find((s) => s.name === 'verify') as ReceivedSpan;
    assert.equal(garbage.attributes['keysmith.verify.result'], 'VERIFICATION_ERROR_NOT_FOUND');
  });

  it('honours an incoming W3C traceparent: the request joins the caller’s trace', () => {
    const server = serverSpanOf('trace-parent');
    assert.equal(server.traceId, PARENT_TRACE);
    assert.equal(server.parentSpanId, PARENT_SPAN);
    const inTrace = spans.filter((s) => s.traceId === PARENT_TRACE).map((s) => s.name);
    assert.deepEqual(inTrace.sort(), ['POST /v2alpha1/admin/apiKeys::verify', 'store.getById', 'verify']);
    const plain = serverSpanOf('trace-plain');
    assert.notEqual(plain.traceId, PARENT_TRACE);
    assert.equal(plain.parentSpanId, undefined, 'without traceparent the server span is a root');
  });

  it('an invalid or hostile traceparent is ignored: 200, and the request starts its own trace', () => {
    for (const i of HOSTILE_TRACEPARENTS.keys()) {
      const server = serverSpanOf(`trace-hostile-${i}`);
      assert.equal(server.parentSpanId, undefined, `traceparent #${i} ignored`);
      assert.notEqual(server.traceId, PARENT_TRACE);
    }
  });

  it('the metrics listener (scrapes, health probes) is not traced', () => {
    assert.ok(!spans.some((s) => s.name.includes('/metrics') || s.name.includes('/health')));
  });

  it('log lines written during a traced request carry its trace and span ids', () => {
    const line = logs.find((l) => l.reqId === 'trace-parent' && l.msg === 'request completed');
    assert.equal(line?.trace_id, PARENT_TRACE);
    assert.match(String(line?.span_id), /^[0-9a-f]{16}$/);
    assert.equal(line?.span_id, serverSpanOf('trace-parent').spanId);
    const startup = logs.filter((l) => l.msg !== 'request completed' && l.trace_id !== undefined);
    assert.deepEqual(startup, [], 'lines outside any request have no trace id');
  });

  it('no span carries a credential, a checksum, the admin token or a key id', () => {
    const raw = receiver.bodies.join('\n');
    assert.ok(raw.includes('store.getById'), 'the bodies are searchable text (OTLP/JSON)');
    const checksum = secret.slice(secret.lastIndexOf('_') + 1);
    for (const [value, what] of [
      [secret, 'issued secret'],
      [checksum, 'checksum'],
      [importedRaw, 'imported raw key'],
      ['garbage-credential-value', 'garbage credential'],
      [TEST_ADMIN_TOKEN, 'admin token'],
      [keyId, 'key id'],
    ])
      assert.ok(!raw.includes(value), `${what} in an exported span`);
  });
});

describe('tracing disabled: nothing of the SDK is loaded', () => {
  const run = promisify(execFile);
  const child = async (mode: 'on' | 'off', endpoint: string) => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'test/helpers/tracing-child.ts', mode, endpoint], { env: process.env });
    return JSON.parse(stdout.trim().split('\n').at(-1) as string) as { valid: boolean; sdk: string[]; registered: boolean };
  };
  const receiver = new OtlpReceiver();
  let endpoint = '';
  before(async () => {
    endpoint = await receiver.start();
  });
  after(() => receiver.close());

  it('a process with tracing off loads no @opentelemetry/sdk-* or exporter and registers no provider; on, it does (control)', async () => {
    const [off, on] = [await child('off', endpoint), await child('on', endpoint)];
    assert.equal(off.valid, true);
    assert.deepEqual(
      off.sdk.filter((m) => /^(sdk-|exporter-|resources|context-async-hooks)/.test(m)),
      [],
    );
    assert.equal(off.registered, false);
    assert.equal(on.valid, true);
    for (const m of ['sdk-trace-node', 'exporter-trace-otlp-http', 'resources']) assert.ok(on.sdk.includes(m), `${m} loaded with tracing on`);
    assert.equal(on.registered, true);
    assert.ok(
      receiver.spans().some((s) => s.name === 'verify'),
      'the traced child exported its verify span',
    );
  });

  it('logs carry no trace id when tracing is off', async () => {
    const t = await createTestApp();
    try {
      await t.call('POST', VERIFY, { credential: 'garbage-credential-value' });
      assert.ok(t.logs.lines.length > 0);
      assert.ok(t.logs.lines.every((l) => !('trace_id' in JSON.parse(l))));
    } finally {
      await t.close();
    }
  });
});
