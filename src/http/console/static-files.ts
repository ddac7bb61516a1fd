import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../errors/app-error.js';

/** The console's policy: only our own files, no inline script or style, no framing. */
export const CONSOLE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.map': 'application/json',
};

interface StaticFile {
  body: Buffer;
  gzip?: Buffer;
  type: string;
  /** Content-hashed name (assets/…-HASH.ext): cached for a year; index.html is revalidated every time. */
  immutable: boolean;
}

/** dist/console/ of the repository: found from this file whether it runs from src/ (tsx) or dist/src/ (tsc). */
export function defaultConsoleDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return join(dir, 'dist', 'console');
}

/** Reads the built console into memory (a few hundred KB), with the .gz twins the build wrote beside each file. */
export function loadConsoleFiles(root: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (!name.endsWith('.gz') && TYPES[extname(name)]) {
        const rel = relative(root, p).split(sep).join('/');
        files.set(rel, {
          body: readFileSync(p),
          gzip: existsSync(`${p}.gz`) ? readFileSync(`${p}.gz`) : undefined,
          type: TYPES[extname(name)],
          immutable: rel.startsWith('assets/'),
        });
      }
    }
  };
  if (existsSync(join(root, 'index.html'))) walk(root);
  return files;
}

function send(request: FastifyRequest, reply: FastifyReply, f: StaticFile): Buffer {
  reply.header('content-security-policy', CONSOLE_CSP);
  reply.header('cache-control', f.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
  reply.header('content-type', f.type);
  reply.header('vary', 'accept-encoding');
  const accepts = /\bgzip\b/.test(String(request.headers['accept-encoding'] ?? ''));
  if (f.gzip && accepts) {
    reply.header('content-encoding', 'gzip');
    return f.gzip;
  }
  return f.body;
}

/**
 * GET /console (the single page; its own routes live in the URL fragment, so the server needs no
 * fallback) and /console/assets/*. Files load on first request, so a build made after start is served.
 */
export function registerStaticFiles(app: FastifyInstance, root: string): void {
  let files: Map<string, StaticFile> | undefined;
  const load = () => {
    if (!files?.size) files = loadConsoleFiles(root);
    return files;
  };
  const index = async (request: FastifyRequest, reply: FastifyReply) => {
    const f = load().get('index.html');
    if (!f) throw new AppError('ROUTE_NOT_FOUND', 'The console is not built: run `npm run build`.');
    return send(request, reply, f);
  };
  app.get('/console', { schema: { hide: true } }, index);
  app.get('/console/', { schema: { hide: true } }, index);
  app.get<{ Params: { file: string } }>('/console/assets/:file', { schema: { hide: true } }, async (request, reply) => {
    const f = /^[A-Za-z0-9._-]{1,128}$/.test(request.params.file) ? load().get(`assets/${request.params.file}`) : undefined;
    if (!f) throw new AppError('ROUTE_NOT_FOUND', 'No such console file.');
    return send(request, reply, f);
  });
}
