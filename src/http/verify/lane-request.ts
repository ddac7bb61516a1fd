/** The one request line the verify lane reads; any other (method, path, query, version) is not its own. */
const REQUEST_LINE = Buffer.from('POST /v2alpha1/admin/apiKeys:verify HTTP/1.1\r\n', 'latin1');
/** RFC 9110 token: what a header name may be. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** What node:http refuses in a header value (checkInvalidHeaderChar): controls other than TAB, and DEL. */
export const BAD_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
/** Within node:http's own limits (16 KB of headers): larger heads are not the plain case. */
const MAX_HEAD_BYTES = 8192;
const MAX_HEADER_LINES = 64;
const CONTENT_LENGTH = /^[0-9]{1,9}$/;

/** A complete verify request: headers (lower-case names), body, and where the next request starts. */
export interface LaneRequest {
  headers: Record<string, string>;
  body: Buffer;
  end: number;
}

/**
 * Reads one complete `POST /v2alpha1/admin/apiKeys:verify HTTP/1.1` request from the start of `buf` — or
 * returns null, and the connection goes to node:http with these bytes unread. Null is the answer to
 * everything but the plain case a gateway sends: another request line, a request not yet complete in
 * `buf` (split across reads), a head over 8 KB or 64 lines, a bare CR or LF, obs-fold, a malformed or
 * repeated header name, a value node:http would refuse, no Host, any Transfer-Encoding, Expect or
 * Upgrade, a Connection other than keep-alive, a Content-Length that is not plain digits or is over
 * `bodyLimit`, and the cases FastVerify.acceptsHeaders leaves to Fastify. So node:http's parser (llhttp)
 * decides every request this one is not sure of, with its own errors and timeouts.
 *
 * Security: refusing repeated names and any Transfer-Encoding means the two parsers can never read a
 * different body length from the same bytes (request smuggling); a request is only ever read by one.
 */
export function readLaneRequest(buf: Buffer, bodyLimit: number, accepts: (h: Record<string, string>) => boolean): LaneRequest | null {
  if (buf.length < REQUEST_LINE.length || buf.compare(REQUEST_LINE, 0, REQUEST_LINE.length, 0, REQUEST_LINE.length) !== 0) return null;
  // The head ends at the first empty line; the request line's own CRLF may be its first half.
  const headEnd = buf.indexOf('\r\n\r\n', REQUEST_LINE.length - 2, 'latin1');
  if (headEnd < 0 || headEnd > MAX_HEAD_BYTES) return null;
  const headers: Record<string, string> = Object.create(null);
  if (headEnd > REQUEST_LINE.length - 2) {
    const lines = buf.toString('latin1', REQUEST_LINE.length, headEnd).split('\r\n');
    if (lines.length > MAX_HEADER_LINES) return null;
    for (const line of lines) {
      if (line.includes('\r') || line.includes('\n')) return null;
      const colon = line.indexOf(':');
      if (colon <= 0) return null; // also a line starting with SP/HT (obs-fold): its name is not a token
      const name = line.slice(0, colon);
      if (!TOKEN.test(name)) return null;
      const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
      if (BAD_VALUE.test(value)) return null;
      const key = name.toLowerCase();
      if (key in headers) return null;
      headers[key] = value;
    }
  }
  if (headers.host === undefined || headers['transfer-encoding'] !== undefined || headers.expect !== undefined || headers.upgrade !== undefined) return null;
  const connection = headers.connection;
  if (connection !== undefined && connection.toLowerCase() !== 'keep-alive') return null;
  const declared = headers['content-length'];
  if (declared === undefined || !CONTENT_LENGTH.test(declared)) return null;
  const length = Number(declared);
  if (length > bodyLimit || !accepts(headers)) return null;
  const bodyStart = headEnd + 4;
  if (buf.length < bodyStart + length) return null;
  return { headers, body: buf.subarray(bodyStart, bodyStart + length), end: bodyStart + length };
}
