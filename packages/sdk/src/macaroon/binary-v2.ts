import { MacaroonFormatError } from './format-error.js';
import { MAX_CAVEATS, MAX_IDENTIFIER_BYTES, MAX_MACAROON_BYTES, SIGNATURE_BYTES } from './limits.js';

// The libmacaroons v2 binary format (the one js-macaroon, pymacaroons and go-macaroon share):
//
//   macaroon = 0x02 [location] identifier EOS *caveat EOS signature
//   caveat   = [location] identifier [vid] EOS
//   field    = type(1 byte) uvarint(length) bytes     ; EOS is the single byte 0x00
//   types    : EOS 0, location 1, identifier 2, vid 4, signature 6
//
// Lengths are unsigned LEB128 varints. Decoding is strict: minimal varints only, fields in this
// order only, nothing after the signature, and the bounds of limits.ts.

const VERSION = 2;
const EOS = 0;
const LOCATION = 1;
const IDENTIFIER = 2;
const VID = 4;
const SIGNATURE = 6;

export interface MacaroonCaveat {
  /** The caveat identifier (for first-party caveats: the condition). */
  id: Buffer;
  location?: string;
  /** Verification id: present only on third-party caveats (which Keysmith does not accept). */
  vid?: Buffer;
}

export interface MacaroonV2 {
  location?: string;
  identifier: Buffer;
  caveats: MacaroonCaveat[];
  signature: Buffer;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}

export function encodeMacaroonV2(m: MacaroonV2): Buffer {
  const parts: (Buffer | number[])[] = [[VERSION]];
  const field = (type: number, data: Buffer) => parts.push([type, ...varint(data.length)], data);
  if (m.location) field(LOCATION, Buffer.from(m.location, 'utf8'));
  field(IDENTIFIER, m.identifier);
  parts.push([EOS]);
  for (const c of m.caveats) {
    if (c.location) field(LOCATION, Buffer.from(c.location, 'utf8'));
    field(IDENTIFIER, c.id);
    if (c.vid) field(VID, c.vid);
    parts.push([EOS]);
  }
  parts.push([EOS]);
  field(SIGNATURE, m.signature);
  const out = Buffer.concat(parts.map((p) => (Buffer.isBuffer(p) ? p : Buffer.from(p))));
  if (out.length > MAX_MACAROON_BYTES) throw new MacaroonFormatError(`macaroon exceeds ${MAX_MACAROON_BYTES} bytes`);
  return out;
}

/** A cursor over the bytes; every read checks the bound and throws MacaroonFormatError, never RangeError. */
class Reader {
  pos = 0;
  constructor(private readonly buf: Buffer) {}
  get done(): boolean {
    return this.pos >= this.buf.length;
  }
  peek(): number {
    if (this.done) throw new MacaroonFormatError('truncated macaroon');
    return this.buf[this.pos];
  }
  byte(): number {
    const b = this.peek();
    this.pos++;
    return b;
  }
  uvarint(): number {
    let n = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      const b = this.byte();
      // Security: only the minimal encoding is accepted, so one macaroon has exactly one byte form.
      if (b === 0 && shift > 0) throw new MacaroonFormatError('non-minimal varint');
      n += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return n;
    }
    throw new MacaroonFormatError('varint too long');
  }
  /** One field of `type`; the payload is copied so the result does not pin the input. */
  field(type: number): Buffer {
    const t = this.byte();
    if (t !== type) throw new MacaroonFormatError(`unexpected field type ${t} (want ${type})`);
    const len = this.uvarint();
    if (len > this.buf.length - this.pos) throw new MacaroonFormatError('truncated field');
    const out = Buffer.from(this.buf.subarray(this.pos, this.pos + len));
    this.pos += len;
    return out;
  }
  optional(type: number): Buffer | undefined {
    return this.peek() === type ? this.field(type) : undefined;
  }
  eos(): void {
    if (this.byte() !== EOS) throw new MacaroonFormatError('expected end of section');
  }
}

function location(bytes: Buffer | undefined): string | undefined {
  if (bytes === undefined) return undefined;
  try {
    return utf8.decode(bytes);
  } catch {
    throw new MacaroonFormatError('location is not UTF-8');
  }
}

/** Strict decoder: throws MacaroonFormatError (only) on anything that is not one well-formed v2 macaroon. */
export function decodeMacaroonV2(bytes: Buffer): MacaroonV2 {
  if (bytes.length === 0) throw new MacaroonFormatError('empty macaroon');
  if (bytes.length > MAX_MACAROON_BYTES) throw new MacaroonFormatError(`macaroon exceeds ${MAX_MACAROON_BYTES} bytes`);
  const r = new Reader(bytes);
  if (r.byte() !== VERSION) throw new MacaroonFormatError('not a v2 binary macaroon');
  const loc = location(r.optional(LOCATION));
  const identifier = r.field(IDENTIFIER);
  if (identifier.length > MAX_IDENTIFIER_BYTES) throw new MacaroonFormatError('identifier too long');
  r.eos();
  const caveats: MacaroonCaveat[] = [];
  while (r.peek() !== EOS) {
    if (caveats.length === MAX_CAVEATS) throw new MacaroonFormatError(`more than ${MAX_CAVEATS} caveats`);
    const cavLoc = location(r.optional(LOCATION));
    const id = r.field(IDENTIFIER);
    const vid = r.optional(VID);
    r.eos();
    caveats.push({ id, ...(cavLoc !== undefined ? { location: cavLoc } : {}), ...(vid ? { vid } : {}) });
  }
  r.eos();
  const signature = r.field(SIGNATURE);
  if (signature.length !== SIGNATURE_BYTES) throw new MacaroonFormatError('signature must be 32 bytes');
  if (!r.done) throw new MacaroonFormatError('trailing bytes after the signature');
  return { ...(loc !== undefined ? { location: loc } : {}), identifier, caveats, signature };
}
