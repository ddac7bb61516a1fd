import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { type FastVerify, type ReplyHead, STATIC_HEADER_LINES } from './fast-verify.js';
import { BAD_VALUE, readLaneRequest } from './lane-request.js';
import { httpDate } from '../../shared/time-format.js';

/** What the lane needs from its server. */
export interface VerifyLaneOptions {
  bodyLimit: number;
  /** The server's keep-alive timeout (ms), read per connection: idle connections close after it. */
  keepAliveTimeoutMs: () => number;
  /** Gives a connection to node:http (its own `connection` listener), for the rest of its life. */
  handOff: (socket: Socket) => void;
}

// Bytes a busy connection may hold before it stops reading (pipelined requests wait their turn).
const MAX_PENDING_BYTES = 64 * 1024;

const ignore = (): void => {};

/**
 * The verify lane: every connection to the API port is read here first. A connection whose requests are
 * all plain `apiKeys:verify` calls (lane-request.ts) is served here from start to end — the request read
 * in one pass over the bytes, the answer from FastVerify written as one buffer — without node:http's
 * parser callbacks, IncomingMessage and ServerResponse streams. At the first request that is not the
 * plain case (anything else, or one not yet complete in the bytes at hand), the bytes not yet read are
 * put back (`unshift`) and the connection handed to node:http for the rest of its life; node:http and
 * Fastify then answer everything else exactly as before.
 *
 * One request at a time per connection: a pipelined request waits until the answer before it has been
 * written, so answers keep their order. Idle connections close after the server's keep-alive timeout;
 * `close()` ends idle ones at once and busy ones after their answer.
 */
export class VerifyLane {
  private readonly live = new Set<LaneConnection>();
  private closing = false;

  constructor(
    readonly fast: FastVerify,
    readonly options: VerifyLaneOptions,
  ) {}

  accept(socket: Socket): void {
    if (this.closing) this.options.handOff(socket);
    else this.live.add(new LaneConnection(this, socket));
  }

  get isClosing(): boolean {
    return this.closing;
  }

  forget(c: LaneConnection): void {
    this.live.delete(c);
  }

  /** Server closing: idle connections end now, busy ones once their answer is written. */
  close(): void {
    this.closing = true;
    for (const c of this.live) c.endWhenIdle();
  }

  /** Every connection still here, at once (node:http's closeAllConnections). */
  destroyAll(): void {
    for (const c of this.live) c.destroy();
  }
}

class LaneConnection {
  private pending: Buffer | null = null;
  private busy = false;
  private done = false;
  private peerEnded = false;

  constructor(
    private readonly lane: VerifyLane,
    private readonly socket: Socket,
  ) {
    socket.setNoDelay(true);
    socket.on('data', this.onData);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
    socket.on('end', this.onEnd);
    socket.setTimeout(lane.options.keepAliveTimeoutMs(), this.onTimeout);
  }

  endWhenIdle(): void {
    if (!this.busy) this.finish(() => this.socket.end());
  }

  destroy(): void {
    this.finish(() => this.socket.destroy());
  }

  private readonly onData = (chunk: Buffer): void => {
    const buf = this.pending ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = null;
    if (!this.busy) {
      this.drain(buf);
      return;
    }
    this.pending = buf;
    if (buf.length > MAX_PENDING_BYTES) this.socket.pause();
  };

  /** Serves the request at the start of `buf`, or hands the connection (and `buf`) to node:http. */
  private drain(buf: Buffer): void {
    if (buf.length === 0) return;
    const { fast, options } = this.lane;
    const r = this.lane.isClosing ? null : readLaneRequest(buf, options.bodyLimit, (h) => fast.acceptsHeaders(h));
    if (!r) {
      // After the client's end, node:http would never see it (the event is spent): nothing more is answered.
      if (this.peerEnded) this.finish(() => this.socket.end());
      else this.handOff(buf);
      return;
    }
    this.busy = true;
    this.pending = r.end < buf.length ? buf.subarray(r.end) : null;
    fast.handleParsed(r.headers, r.body, this.socket.remoteAddress, this.reply, () => this.destroy());
  }

  private readonly reply = (status: number, h: ReplyHead, payload: string): void => {
    if (this.done) return;
    let head = `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nx-request-id: ${h.reqId}\r\n${STATIC_HEADER_LINES}content-length: ${h.contentLength}\r\n`;
    if (h.extra)
      for (const k in h.extra) {
        const v = h.extra[k];
        // Our own values, checked rather than trusted: none may end a header line.
        if (BAD_VALUE.test(v) || BAD_VALUE.test(k)) throw new Error(`invalid response header ${k}`);
        head += `${k}: ${v}\r\n`;
      }
    // The last answer of this connection: the server is closing, or the client has ended and sent no more.
    const closing = this.lane.isClosing || (this.peerEnded && this.pending === null);
    const date = httpDate(Date.now());
    head += closing
      ? `Date: ${date}\r\nConnection: close\r\n\r\n`
      : `Date: ${date}\r\nConnection: keep-alive\r\nKeep-Alive: timeout=${Math.floor(this.lane.options.keepAliveTimeoutMs() / 1000)}\r\n\r\n`;
    this.socket.write(head + payload);
    this.busy = false;
    if (closing) {
      this.finish(() => this.socket.end());
      return;
    }
    const next = this.pending;
    this.pending = null;
    if (this.socket.isPaused()) this.socket.resume();
    if (next) this.drain(next);
  };

  private handOff(buf: Buffer): void {
    this.detach();
    this.socket.unshift(buf);
    this.lane.options.handOff(this.socket);
  }

  /** The lane ends the connection itself: from here an error (a reset during `end`) is only swallowed. */
  private finish(act: () => void): void {
    if (this.done) return;
    this.detach();
    this.socket.on('error', ignore);
    act();
  }

  /** The connection leaves the lane: its listeners and timer go, node:http (or nobody) takes over. */
  private detach(): void {
    this.done = true;
    this.lane.forget(this);
    this.socket.off('data', this.onData);
    this.socket.off('error', this.onError);
    this.socket.off('close', this.onClose);
    this.socket.off('end', this.onEnd);
    this.socket.setTimeout(0);
    this.socket.off('timeout', this.onTimeout);
  }

  private readonly onTimeout = (): void => {
    if (this.busy) return; // a slow verification is not an idle connection; writing its answer restarts the timer
    this.destroy();
  };

  /**
   * The client has sent its last byte (the server socket is half-open, as node:http makes it). Idle: the
   * connection ends now. Busy: the answer in work, and any whole requests already buffered, are still
   * answered (reply), and the last answer ends it.
   */
  private readonly onEnd = (): void => {
    this.peerEnded = true;
    if (!this.busy) this.finish(() => this.socket.end());
  };

  private readonly onError = (): void => {
    this.destroy();
  };

  private readonly onClose = (): void => {
    this.detach();
  };
}
