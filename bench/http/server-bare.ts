/**
 * Baseline: a bare node:http server that reads a JSON POST body and answers a small JSON object.
 * Usage: node --import tsx bench/http/server-bare.ts [--port N]
 * Prints {"port":…,"pid":…} on one stdout line when listening; serves until SIGTERM/SIGINT.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { announce, exitOnStop, serverArgs } from './server-common.js';

const { port } = serverArgs();

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    let status = 200;
    let body: string;
    try {
      const parsed = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { credential?: unknown };
      body = JSON.stringify({ is_valid: typeof parsed.credential === 'string' && parsed.credential.length > 0 });
    } catch {
      status = 400;
      body = JSON.stringify({ error: { code: 400, message: 'malformed JSON' } });
    }
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});

server.listen(port, '127.0.0.1', () => {
  announce({ port: (server.address() as AddressInfo).port });
});
exitOnStop(() => new Promise<void>((resolve) => server.close(() => resolve())));
