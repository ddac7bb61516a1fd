import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../errors/app-error.js';
import type { ConsoleAccess } from '../../tenancy/console-access.js';
import type { ConsoleSessions } from '../../tenancy/console-sessions.js';

export const SESSION_COOKIE = 'ks_console';
/** Sent by the console's fetch wrapper on every call. A cross-site <form> cannot set a header, and a cross-site fetch with one needs a CORS preflight that we never grant. */
export const CONSOLE_HEADER = 'x-keysmith-console';
/** Operator sessions name the project of an admin call here. */
export const PROJECT_HEADER = 'x-keysmith-project';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The value of one cookie from the Cookie header (no dependency: we read exactly one name). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header || header.length > 8192) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/**
 * The CSRF defence of every cookie-authenticated call: the console header on every method, and for a
 * state-changing method an Origin naming this very host. The Origin is compared by host only: behind
 * a TLS-terminating proxy the scheme we see differs from the browser's, while the host does not.
 */
export function checkConsoleRequest(request: FastifyRequest): void {
  if (request.headers[CONSOLE_HEADER] !== '1') {
    throw new AppError('PERMISSION_DENIED', 'Cookie-authenticated calls must send X-Keysmith-Console: 1 (CSRF protection).', { header: 'X-Keysmith-Console' });
  }
  if (SAFE_METHODS.has(request.method)) return;
  const origin = request.headers.origin;
  let host: string | undefined;
  try {
    host = typeof origin === 'string' && origin !== 'null' ? new URL(origin).host : undefined;
  } catch {
    host = undefined;
  }
  // Security: a missing, opaque ("null") or foreign Origin is refused alike.
  if (!host || !sameHost(host, request.host))
    throw new AppError('PERMISSION_DENIED', 'The request Origin is not this console (CSRF protection).', { header: 'Origin' });
}

/** The Host header and an Origin's host agree once default ports are dropped (":80" over http, ":443" over https). */
function sameHost(originHost: string, requestHost: string): boolean {
  return ['http', 'https'].some((scheme) => {
    try {
      return new URL(`${scheme}://${requestHost}`).host === originHost;
    } catch {
      return false;
    }
  });
}

const API_PREFIXES = ['/v2alpha1/admin/', '/operator/v1/', '/console/api/'];

/**
 * onRequest hook, before the route guards: a call carrying the console cookie and no Authorization
 * header passes the CSRF checks, then gets its session's bearer token put in `authorization`, so the
 * unchanged guards authenticate it. An explicit Authorization header always wins: that path is untouched.
 */
export function consoleCookieAuth(sessions: ConsoleSessions, access: ConsoleAccess) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    if (request.headers.authorization !== undefined) return;
    const url = request.url;
    if (!API_PREFIXES.some((p) => url.startsWith(p))) return;
    const sid = readCookie(request.headers.cookie, SESSION_COOKIE);
    if (sid === undefined) return;
    checkConsoleRequest(request);
    const session = sessions.get(sid);
    if (!session) return; // expired or signed out: the guard answers 401 and the console shows sign-in
    const project = request.headers[PROJECT_HEADER];
    const bearer = url.startsWith('/operator/v1/')
      ? access.operatorBearer(session)
      : await access.projectBearer(session, typeof project === 'string' ? project : undefined, request.id);
    if (bearer) request.headers.authorization = bearer;
  };
}
