import { connect, createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/** A loopback TCP proxy a test can cut, to take a service away from one process without touching the service. */
export interface TcpProxy {
  /** The proxy's port on 127.0.0.1. */
  port: number;
  /** Drops every proxied connection and refuses new ones: an outage as the client sees it. */
  down(): void;
  /** Lets connections through again. */
  up(): void;
  /** A silent partition: connections stay open but no byte gets through (held, as TCP would retransmit them)… */
  pause(): void;
  /** …until this delivers what was held and lets bytes through again. */
  resume(): void;
  /** A slow path: every byte from the service reaches the client `ms` later, in order (0: none). */
  delay(ms: number): void;
  close(): Promise<void>;
}

export async function tcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let open = true;
  let paused = false;
  let delayMs = 0;
  const held: (() => void)[] = [];
  const forward = (from: Socket, to: Socket, slowable: boolean) =>
    from.on('data', (chunk: Buffer) => {
      if (paused) held.push(() => to.write(chunk));
      // Timers of one duration fire in the order they were set: the stream stays in order.
      else if (slowable && delayMs > 0) setTimeout(() => to.write(chunk), delayMs);
      else to.write(chunk);
    });
  const server = createServer((client) => {
    if (!open) return void client.destroy();
    const upstream = connect(targetPort, targetHost);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    forward(client, upstream, false);
    forward(upstream, client, true);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    down() {
      open = false;
      for (const s of sockets) s.destroy();
    },
    up() {
      open = true;
    },
    pause() {
      paused = true;
    },
    resume() {
      paused = false;
      for (const send of held.splice(0)) send();
    },
    delay(ms) {
      delayMs = ms;
    },
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => server.close(() => r()));
    },
  };
}
