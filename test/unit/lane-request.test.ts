import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readLaneRequest } from '../../src/http/verify/lane-request.js';

const LIMIT = 1024;
const BODY = '{"credential":"ks_ak_v1_abc"}';
const acceptsJson = (h: Record<string, string>) => h.authorization !== undefined && /^application\/json/.test(h['content-type'] ?? '');

function request(opts: { line?: string; headers?: string[]; body?: string; drop?: string[] } = {}): string {
  const body = opts.body ?? BODY;
  const base = ['Host: 127.0.0.1', 'Authorization: Bearer ks_pat_x', 'Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`];
  const headers = [...base.filter((h) => !(opts.drop ?? []).some((d) => h.toLowerCase().startsWith(d))), ...(opts.headers ?? [])];
  return `${opts.line ?? 'POST /v2alpha1/admin/apiKeys:verify HTTP/1.1'}\r\n${headers.join('\r\n')}\r\n\r\n${body}`;
}
const read = (text: string, limit = LIMIT) => readLaneRequest(Buffer.from(text, 'latin1'), limit, acceptsJson);

describe('verify lane: the request reader', () => {
  it('reads the plain request: lower-case names, trimmed values, the body, where the next request starts', () => {
    const one = request({ headers: ['X-Request-ID:   abc  ', 'Connection: Keep-Alive'] });
    const r = read(one + one);
    assert.ok(r);
    assert.equal(r.headers.authorization, 'Bearer ks_pat_x');
    assert.equal(r.headers['x-request-id'], 'abc');
    assert.equal(r.body.toString(), BODY);
    assert.equal(r.end, Buffer.byteLength(one));
    assert.equal(Object.getPrototypeOf(r.headers), null);
  });

  it('a header named __proto__ is an own property, and no prototype changes', () => {
    const r = read(request({ headers: ['__proto__: polluted'] }));
    assert.ok(r);
    assert.equal(Object.hasOwn(r.headers, '__proto__'), true);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  const refused: Array<[string, string]> = [
    ['another method', request({ line: 'GET /v2alpha1/admin/apiKeys:verify HTTP/1.1' })],
    ['a query string', request({ line: 'POST /v2alpha1/admin/apiKeys:verify?x=1 HTTP/1.1' })],
    ['another path', request({ line: 'POST /v2alpha1/admin/apiKeys:batchVerify HTTP/1.1' })],
    ['HTTP/1.0', request({ line: 'POST /v2alpha1/admin/apiKeys:verify HTTP/1.0' })],
    ['a lower-case method', request({ line: 'post /v2alpha1/admin/apiKeys:verify HTTP/1.1' })],
    ['no Host', request({ drop: ['host'] })],
    ['no Authorization (Fastify answers 401)', request({ drop: ['authorization'] })],
    ['another media type', request({ drop: ['content-type'], headers: ['Content-Type: text/plain'] })],
    ['Transfer-Encoding: chunked', request({ drop: ['content-length'], headers: ['Transfer-Encoding: chunked'], body: '0\r\n\r\n' })],
    ['Transfer-Encoding beside Content-Length (smuggling shape)', request({ headers: ['Transfer-Encoding: chunked'] })],
    ['two Content-Length headers', request({ headers: [`Content-Length: ${BODY.length}`] })],
    ['two Content-Length headers that disagree', request({ headers: ['Content-Length: 3'] })],
    ['a repeated Authorization', request({ headers: ['Authorization: Bearer other'] })],
    ['Content-Length with a sign', request({ drop: ['content-length'], headers: [`Content-Length: +${BODY.length}`] })],
    ['Content-Length as a list', request({ drop: ['content-length'], headers: [`Content-Length: ${BODY.length}, ${BODY.length}`] })],
    ['Content-Length in hex', request({ drop: ['content-length'], headers: ['Content-Length: 0x1d'] })],
    ['no Content-Length', request({ drop: ['content-length'] })],
    ['a body over the limit', request({ body: `{"credential":"${'a'.repeat(2000)}"}` })],
    ['Expect: 100-continue', request({ headers: ['Expect: 100-continue'] })],
    ['Upgrade', request({ headers: ['Upgrade: websocket'] })],
    ['Connection: close', request({ headers: ['Connection: close'] })],
    ['Connection: keep-alive, Upgrade', request({ headers: ['Connection: keep-alive, Upgrade'] })],
    ['obs-fold (a continuation line)', request({ headers: ['X-Folded: a', ' b'] })],
    ['a bare LF inside the head', request({ headers: ['X-A: 1\nX-B: 2'] })],
    ['a bare CR inside a value', request({ headers: ['X-A: 1\r2'] })],
    ['NUL in a value', request({ headers: ['X-A: a\u0000b'] })],
    ['DEL in a value', request({ headers: ['X-A: a\u007fb'] })],
    ['a space in a header name', request({ headers: ['X A: 1'] })],
    ['space before the colon', request({ headers: ['X-A : 1'] })],
    ['a line without a colon', request({ headers: ['garbage'] })],
    ['a head over 8 KB', request({ headers: [`X-Big: ${'a'.repeat(9000)}`] })],
    ['more than 64 header lines', request({ headers: Array.from({ length: 70 }, (_, i) => `X-${i}: ${i}`) })],
    ['a head not complete yet', request().slice(0, 60)],
    ['a body not complete yet', request().slice(0, -3)],
    ['SQL in the request line', "POST /v2alpha1/admin/apiKeys:verify' OR 1=1-- HTTP/1.1\r\nHost: x\r\n\r\n"],
    ['nothing', ''],
  ];
  for (const [name, text] of refused) {
    it(`hands over (null): ${name}`, () => {
      assert.equal(read(text), null);
    });
  }

  it('an empty body with Content-Length: 0 is read (the endpoint answers it as malformed JSON)', () => {
    const r = read(request({ body: '' }));
    assert.ok(r);
    assert.equal(r.body.length, 0);
  });
});
