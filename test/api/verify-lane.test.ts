import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { FastVerify } from '../../src/http/verify/fast-verify.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * The verify lane (src/http/verify/verify-lane.ts) over raw sockets: what it reads itself, what it hands
 * to node:http mid-connection, order of pipelined answers, smuggling shapes, idle timeout and shutdown.
 */
let t: TestApp;
let port: number;
let valid: string;
let laneServed = 0;
const originalHandleParsed = FastVerify.prototype.handleParsed;

function verifyRequest(id: string, extra = ''): string {
  const body = JSON.stringify({ credential: valid });
  return `POST /v2alpha1/admin/apiKeys:verify HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${t.token}\r\nContent-Type: application/json\r\nX-Request-ID: ${id}\r\n${extra}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

/** Reads from `socket` until `count` complete responses (Content-Length framed) have arrived, or it closes. */
function responses(socket: Socket, count: number, timeoutMs = 3000): Promise<{ status: number; headers: Record<string, string>; body: string }[]> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const out: { status: number; headers: Record<string, string>; body: string }[] = [];
    const timer = setTimeout(() => reject(new Error(`timeout with ${out.length} of ${count} responses: ${buf.toString('latin1')}`)), timeoutMs);
    const parse = () => {
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const [statusLine, ...lines] = buf.toString('latin1', 0, end).split('\r\n');
        const headers: Record<string, string> = {};
        for (const l of lines) headers[l.slice(0, l.indexOf(':')).toLowerCase()] = l.slice(l.indexOf(':') + 1).trim();
        const length = Number(headers['content-length'] ?? 0);
        if (buf.length < end + 4 + length) return;
        out.push({ status: Number(statusLine.split(' ')[1]), headers, body: buf.toString('utf8', end + 4, end + 4 + length) });
        buf = buf.subarray(end + 4 + length);
      }
    };
    const done = () => {
      clearTimeout(timer);
      socket.off('data', onData);
      resolve(out);
    };
    const onData = (c: Buffer) => {
      buf = Buffer.concat([buf, c]);
      parse();
      if (out.length >= count) done();
    };
    socket.on('data', onData);
    socket.once('close', done);
  });
}

const open = () =>
  new Promise<Socket>((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });

describe('verify lane: connections read without node:http', () => {
  before(async () => {
    t = await createTestApp();
    await t.app.api.listen({ host: '127.0.0.1', port: 0 });
    port = (t.app.api.server.address() as AddressInfo).port;
    valid = (await t.call('POST', '/v2alpha1/admin/issuedApiKeys', { name: 'lane' })).json().secret;
    FastVerify.prototype.handleParsed = function (this: FastVerify, ...args: Parameters<FastVerify['handleParsed']>) {
      laneServed++;
      return originalHandleParsed.apply(this, args);
    };
  });
  after(async () => {
    FastVerify.prototype.handleParsed = originalHandleParsed;
    await t?.close();
  });

  it('answers pipelined verify requests in order, all read by the lane', async () => {
    const s = await open();
    const before = laneServed;
    s.write(verifyRequest('p1') + verifyRequest('p2') + verifyRequest('p3'));
    const r = await responses(s, 3);
    s.destroy();
    assert.deepEqual(
      r.map((x) => [x.status, x.headers['x-request-id'], JSON.parse(x.body).is_valid]),
      [
        [200, 'p1', true],
        [200, 'p2', true],
        [200, 'p3', true],
      ],
    );
    assert.equal(laneServed - before, 3);
    assert.equal(r[0].headers.connection, 'keep-alive');
    assert.ok(r[0].headers.date);
    assert.equal(r[0].headers['x-content-type-options'], 'nosniff');
  });

  it('hands the connection to node:http at the first other request, mid-buffer, and both are answered in order', async () => {
    const s = await open();
    const before = laneServed;
    s.write(`${verifyRequest('v1')}GET /health/alive HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n${verifyRequest('v2')}`);
    const r = await responses(s, 3);
    s.destroy();
    assert.deepEqual(
      r.map((x) => x.status),
      [200, 200, 200],
    );
    assert.equal(r[0].headers['x-request-id'], 'v1');
    assert.equal(JSON.parse(r[1].body).status, 'ok');
    assert.equal(r[2].headers['x-request-id'], 'v2');
    assert.equal(JSON.parse(r[2].body).is_valid, true);
    assert.equal(laneServed - before, 1, 'after the hand-over node:http reads the rest of the connection');
  });

  it('a request split across writes goes to node:http and is answered', async () => {
    const s = await open();
    const before = laneServed;
    const req = verifyRequest('split');
    s.write(req.slice(0, 40));
    await new Promise((r) => setTimeout(r, 30));
    s.write(req.slice(40));
    const r = await responses(s, 1);
    s.destroy();
    assert.equal(r[0].status, 200);
    assert.equal(JSON.parse(r[0].body).is_valid, true);
    assert.equal(laneServed, before);
  });

  it('smuggling shape (Content-Length and Transfer-Encoding): not read by the lane; node:http refuses it, no second request is answered', async () => {
    const s = await open();
    const before = laneServed;
    const smuggled = verifyRequest('smuggled');
    const body = `0\r\n\r\n${smuggled}`;
    s.write(
      `POST /v2alpha1/admin/apiKeys:verify HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${t.token}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nTransfer-Encoding: chunked\r\n\r\n${body}`,
    );
    const r = await responses(s, 2, 1000);
    s.destroy();
    assert.equal(laneServed, before);
    assert.equal(r.length, 1, 'one answer only');
    assert.equal(r[0].status, 400);
  });

  it('a verify with a repeated Content-Length is refused by node:http, not read by the lane', async () => {
    const s = await open();
    const before = laneServed;
    s.write(verifyRequest('dup', 'Content-Length: 5\r\n'));
    const r = await responses(s, 1, 1000);
    s.destroy();
    assert.equal(laneServed, before);
    assert.equal(r[0].status, 400);
  });

  it('answers bad bodies exactly like the other paths (malformed JSON, wrong token), on a kept connection', async () => {
    const s = await open();
    const bad = '{"credential":';
    s.write(
      `POST /v2alpha1/admin/apiKeys:verify HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${t.token}\r\nContent-Type: application/json\r\nContent-Length: ${bad.length}\r\n\r\n${bad}` +
        verifyRequest('after-bad').replace(t.token, 'ks_pat_wrong'),
    );
    const r = await responses(s, 2);
    s.destroy();
    assert.equal(r[0].status, 400);
    assert.equal(JSON.parse(r[0].body).error.status, 'INVALID_ARGUMENT');
    assert.equal(r[1].status, 401);
    assert.equal(JSON.parse(r[1].body).error.status, 'UNAUTHENTICATED');
  });

  it('a client that sends its requests and ends (half-close) gets every answer, the last with Connection: close, and the connection ends', async () => {
    const s = await open();
    s.end(verifyRequest('h1') + verifyRequest('h2'));
    const r = await responses(s, 3, 2000); // resolves at close
    assert.deepEqual(
      r.map((x) => [x.status, x.headers['x-request-id'], x.headers.connection]),
      [
        [200, 'h1', 'keep-alive'],
        [200, 'h2', 'close'],
      ],
    );
  });

  it('closes an idle connection after the keep-alive timeout', async () => {
    const server = t.app.api.server;
    const saved = server.keepAliveTimeout;
    server.keepAliveTimeout = 150;
    try {
      const s = await open();
      s.write(verifyRequest('idle'));
      const r = await responses(s, 1);
      assert.equal(r[0].status, 200);
      const closed = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), 2000);
        s.once('close', () => {
          clearTimeout(timer);
          resolve(true);
        });
      });
      assert.ok(closed, 'the server closed the idle connection');
    } finally {
      server.keepAliveTimeout = saved;
    }
  });

  it('clients that reset the connection mid-answer or after a half-close do not bring the server down', async () => {
    for (let i = 0; i < 20; i++) {
      const a = await open();
      a.write(verifyRequest(`reset-${i}`));
      a.resetAndDestroy();
      const b = await open();
      b.on('error', () => {});
      b.end(verifyRequest(`half-reset-${i}`));
      setImmediate(() => b.resetAndDestroy());
    }
    await new Promise((r) => setTimeout(r, 100));
  });

  it('the server still answers after all of the above', async () => {
    const s = await open();
    s.write(verifyRequest('last'));
    const r = await responses(s, 1);
    s.destroy();
    assert.equal(r[0].status, 200);
  });
});

describe('verify lane: shutdown', () => {
  it('close() ends idle lane connections and resolves', async () => {
    const app = await createTestApp();
    await app.app.api.listen({ host: '127.0.0.1', port: 0 });
    const p = (app.app.api.server.address() as AddressInfo).port;
    const key = (await app.call('POST', '/v2alpha1/admin/issuedApiKeys', { name: 'shutdown' })).json().secret;
    const s = await new Promise<Socket>((resolve) => {
      const c = connect(p, '127.0.0.1', () => resolve(c));
    });
    const body = JSON.stringify({ credential: key });
    s.write(
      `POST /v2alpha1/admin/apiKeys:verify HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${app.token}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    const r = await responses(s, 1);
    assert.equal(r[0].status, 200);
    const closed = new Promise<void>((resolve) => s.once('close', () => resolve()));
    const started = Date.now();
    await app.close();
    await closed;
    assert.ok(Date.now() - started < 3000, 'close did not wait for the idle connection to time out');
  });
});
