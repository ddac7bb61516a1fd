// Streams a file as numbered text lines, one read buffer at a time: memory stays flat whatever the
// file size. Our own splitter rather than readline because it must bound a line's length (a file
// without newlines would otherwise be buffered whole) and hand lines over in chunks (one await per
// read buffer, not per line: ~2x faster on a million lines).
import { createReadStream } from 'node:fs';

export interface FileLine {
  /** 1-based physical line number. */
  no: number;
  /** Without the line ending (LF or CRLF) and, on line 1, without a UTF-8 BOM; null if too long. */
  text: string | null;
  /** Length in bytes, line ending included. */
  bytes: number;
}

const LF = 0x0a;
const CR = 0x0d;
/**
 * The fs stream default. Larger reads are no faster here and keep more lines alive across the
 * awaits of one chunk, which V8 then promotes to the old generation (peak RSS +40 MB at 1 MiB).
 */
const READ_CHUNK = 64 * 1024;
/** Longest line kept: a batch body must stay under the server's 1 MiB limit anyway. */
export const MAX_LINE_BYTES = 1 << 20;

/** Yields the file's lines in order, in arrays of whatever one read buffer held. */
export async function* readLineChunks(path: string, maxLineBytes = MAX_LINE_BYTES): AsyncGenerator<FileLine[]> {
  let carry: Buffer[] = [];
  let carryBytes = 0;
  let tooLong = false;
  let no = 0;
  const finish = (tail: Buffer | undefined, tailBytes: number, out: FileLine[]): void => {
    no += 1;
    const bytes = carryBytes + tailBytes + 1;
    if (tooLong) {
      out.push({ no, text: null, bytes });
    } else {
      const buf = carry.length === 0 ? (tail ?? Buffer.alloc(0)) : Buffer.concat(tail ? [...carry, tail] : carry);
      out.push({ no, text: decode(buf, no), bytes });
    }
    carry = [];
    carryBytes = 0;
    tooLong = false;
  };
  for await (const chunk of createReadStream(path, { highWaterMark: READ_CHUNK }) as AsyncIterable<Buffer>) {
    const out: FileLine[] = [];
    let start = 0;
    for (let nl = chunk.indexOf(LF); nl !== -1; nl = chunk.indexOf(LF, start)) {
      if (!tooLong && carryBytes + nl - start > maxLineBytes) tooLong = true;
      finish(tooLong ? undefined : chunk.subarray(start, nl), nl - start, out);
      start = nl + 1;
    }
    if (start < chunk.length && !tooLong) {
      carryBytes += chunk.length - start;
      if (carryBytes > maxLineBytes) {
        tooLong = true;
        carry = [];
      } else {
        // Copy: the stream may reuse its buffer.
        carry.push(Buffer.from(chunk.subarray(start)));
      }
    }
    if (out.length > 0) yield out;
  }
  if (carryBytes > 0 || tooLong) {
    const out: FileLine[] = [];
    finish(undefined, 0, out);
    yield out;
  }
}

function decode(buf: Buffer, no: number): string {
  let end = buf.length;
  if (end > 0 && buf[end - 1] === CR) end -= 1;
  let start = 0;
  if (no === 1 && end >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) start = 3;
  return buf.toString('utf8', start, end);
}

/**
 * The fast first pass behind the progress total: lines with at least one byte other than CR.
 * Reads the file once at disk speed and allocates nothing per line.
 */
export async function countNonEmptyLines(path: string): Promise<number> {
  let count = 0;
  let lineHasContent = false;
  for await (const chunk of createReadStream(path, { highWaterMark: READ_CHUNK }) as AsyncIterable<Buffer>) {
    let start = 0;
    for (let nl = chunk.indexOf(LF); nl !== -1; nl = chunk.indexOf(LF, start)) {
      if (lineHasContent || nl - start > 1 || (nl - start === 1 && chunk[start] !== CR)) count += 1;
      lineHasContent = false;
      start = nl + 1;
    }
    if (start < chunk.length) lineHasContent = true;
  }
  return lineHasContent ? count + 1 : count;
}
