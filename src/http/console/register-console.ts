import type { FastifyInstance, onRequestAsyncHookHandler } from 'fastify';
import type { AuditLog } from '../../audit/audit-log.js';
import type { VerificationUsage } from '../../observability/verification-usage.js';
import type { ProjectService } from '../../projects/project-service.js';
import type { Clock } from '../../shared/clock.js';
import { ConsoleAccess } from '../../tenancy/console-access.js';
import { ConsoleSessions, DEFAULT_SESSION_LIMITS, type SessionLimits } from '../../tenancy/console-sessions.js';
import type { OperatorAuth } from '../../tenancy/operator-auth.js';
import type { Permission } from '../../tenancy/permissions.js';
import type { TokenService } from '../../tenancy/token-service.js';
import { consoleCookieAuth } from './cookie-auth.js';
import { registerSessionRoutes } from './session-routes.js';
import { defaultConsoleDir, registerStaticFiles } from './static-files.js';
import { registerUsageRoutes } from './usage-routes.js';

export interface ConsoleDeps {
  clock: Clock;
  secret: (bytes: number) => Buffer;
  tokens: TokenService;
  projects: ProjectService;
  operatorAuth: OperatorAuth;
  audit: AuditLog;
  guard: (p: Permission) => onRequestAsyncHookHandler;
  /** The verification counts the verify endpoint keeps (the usage chart reads them). */
  usage: VerificationUsage;
  /** Built console files (default: dist/console of the repository). */
  dir?: string;
  limits?: SessionLimits;
}

/**
 * The web console (admin surface): static files, sessions, the cookie path into the API guards and
 * the usage endpoint. Must be registered before the API routes (its onRequest hook applies to routes
 * registered after it). Design: docs/console.md.
 */
export function registerConsole(app: FastifyInstance, deps: ConsoleDeps): { sessions: ConsoleSessions } {
  let access: ConsoleAccess | undefined;
  const sessions = new ConsoleSessions(deps.clock, deps.secret, deps.limits ?? DEFAULT_SESSION_LIMITS, (s) => access?.endSession(s));
  access = new ConsoleAccess({ sessions, ...deps });
  app.addHook('onRequest', consoleCookieAuth(sessions, access));
  registerUsageRoutes(app, deps);
  registerSessionRoutes(app, sessions, access);
  registerStaticFiles(app, deps.dir ?? defaultConsoleDir());
  return { sessions };
}
