/**
 * Sends queued during one turn of the event loop run together at its end (`setImmediate`, after the
 * poll phase has handed every readable socket to its handler), instead of one at a time as each answer
 * is ready.
 *
 * Why: on loopback, a response's `writev` runs the receiver's TCP input in the sender's system call and,
 * when the receiver sleeps in `epoll_wait`, wakes it — an inter-processor interrupt, which in a VM is an
 * exit to the hypervisor. A server that answers one connection at a time wakes its client once per
 * answer; answering the turn's connections back to back wakes it once per turn, the later writes finding
 * it already awake. Measured on the verify fast path (docs/performance.md, "Answers written at the end of
 * the turn"): server CPU per request −20 %, req/s +25 %, under the http-verify load. It changes when an
 * answer leaves (a few µs later, within the same turn), never what it says or the order on a connection.
 *
 * It does not: delay past the current turn, reorder the queue, or swallow a failure — a send that throws
 * is reported to `onError` and the rest of the turn's sends still run (a send that must clean up after
 * itself, e.g. destroy its response, catches its own errors).
 */
export class TurnWriter {
  private queue: Array<() => void> = [];

  constructor(private readonly onError: (e: unknown) => void) {}

  /** Runs `send` at the end of this turn, after the sends queued before it. */
  later(send: () => void): void {
    if (this.queue.length === 0) setImmediate(this.flush);
    this.queue.push(send);
  }

  private readonly flush = (): void => {
    const sends = this.queue;
    this.queue = [];
    for (let i = 0; i < sends.length; i++) {
      try {
        sends[i]();
      } catch (e) {
        this.onError(e);
      }
    }
  };
}
