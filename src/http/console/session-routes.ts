import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { AppError } from '../../errors/app-error.js';
import type { ConsoleAccess } from '../../tenancy/console-access.js';
import type { ConsoleSessions } from '../../tenancy/console-sessions.js';
import { checkConsoleRequest, readCookie, SESSION_COOKIE } from './cookie-auth.js';

const SignInRequest = Type.Object({ token: Type.String({ minLength: 1, maxLength: 1024 }) }, { additionalProperties: false });

function cookie(request: FastifyRequest, value: string, maxAge?: number): string {
  // Secure only over https: the embedded default serves plain http on loopback, where a Secure cookie would never come back.
  const secure = request.protocol === 'https' ? '; Secure' : '';
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict${secure}${maxAge === undefined ? '' : `; Max-Age=${maxAge}`}`;
}

const view = (kind: string, projectId: string | null) => ({ kind, project_id: projectId });

/** POST /console/session (sign in), GET (who am I), DELETE (sign out). See docs/console.md. */
export function registerSessionRoutes(app: FastifyInstance, sessions: ConsoleSessions, access: ConsoleAccess): void {
  const hide = { hide: true };

  app.post<{ Body: { token: string } }>(
    '/console/session',
    {
      schema: { ...hide, body: SignInRequest },
      // Before the body is read: login CSRF (a foreign page signing a browser in) is refused like any other.
      onRequest: async (request) => checkConsoleRequest(request),
    },
    async (request, reply) => {
      const token = request.body.token.trim();
      // The old session of this browser, if any, ends: one cookie, one session.
      sessions.delete(readCookie(request.headers.cookie, SESSION_COOKIE));
      const s = await access.signIn(token);
      reply.header('set-cookie', cookie(request, s.id));
      return view(s.kind, s.projectId);
    },
  );

  app.get('/console/session', { schema: hide, onRequest: async (request) => checkConsoleRequest(request) }, async (request) => {
    const s = sessions.get(readCookie(request.headers.cookie, SESSION_COOKIE));
    if (!s) throw new AppError('UNAUTHENTICATED', 'Not signed in to the console.');
    return view(s.kind, s.projectId);
  });

  app.delete(
    '/console/session',
    { schema: hide, onRequest: async (request) => checkConsoleRequest(request) },
    async (request: FastifyRequest, reply: FastifyReply) => {
      sessions.delete(readCookie(request.headers.cookie, SESSION_COOKIE));
      reply.header('set-cookie', cookie(request, '', 0));
      reply.code(204);
    },
  );
}
