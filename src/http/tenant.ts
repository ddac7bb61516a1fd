import type { FastifyRequest } from 'fastify';
import { AppError } from '../errors/app-error.js';
import type { ProjectContext } from '../projects/project-context.js';
import type { ProjectService } from '../projects/project-service.js';
import type { KeyStore } from '../store/ports.js';
import type { Store } from '../store/ports.js';
import { allows, type Permission } from '../tenancy/permissions.js';
import type { Principal } from '../tenancy/principal.js';
import type { TokenService } from '../tenancy/token-service.js';

/** What an authenticated admin request carries: who calls, their project, that project's key store. */
export interface Tenant {
  principal: Principal;
  ctx: ProjectContext;
  keys: KeyStore;
}

declare module 'fastify' {
  interface FastifyRequest {
    tenant?: Tenant;
  }
}

export type TenantDeps = { tokens: TokenService; projects: ProjectService; store: Store };

/**
 * Authenticates a project token (the Authorization header) and requires one permission; resolves the
 * caller's project context and key store. Shared by the Fastify guard and the verify fast path.
 */
export async function authenticateTenant(deps: TenantDeps, authorization: string | undefined, permission: Permission): Promise<Tenant> {
  const principal = await deps.tokens.authenticate(authorization);
  if (!allows(principal.permissions, permission)) throw new AppError('PERMISSION_DENIED', `This token lacks the "${permission}" permission.`, { permission });
  // A token of a project deleted on this or another node: the project is gone, so is the token.
  const ctx = await deps.projects.context(principal.projectId).catch((e: unknown) => {
    throw e instanceof AppError && e.reason === 'PROJECT_NOT_FOUND'
      ? new AppError('UNAUTHENTICATED', 'A valid project API token is required: Authorization: Bearer <token>.')
      : e;
  });
  if (!ctx.apiKeysEnabled) throw new AppError('API_KEYS_NOT_ENABLED', 'API keys are not enabled for this project: enable them first.');
  return { principal, ctx, keys: deps.store.keys(ctx.id) };
}

/**
 * Builds the onRequest hook that authenticates a project token and requires one permission — before the
 * body is read or validated, so an unauthenticated caller learns nothing about the request schema.
 */
export function requireTenant(deps: TenantDeps, permission: Permission) {
  return async (request: FastifyRequest): Promise<void> => {
    request.tenant = await authenticateTenant(deps, request.headers.authorization, permission);
  };
}

export function tenantOf(request: FastifyRequest): Tenant {
  if (!request.tenant) throw new AppError('UNAUTHENTICATED', 'A valid project API token is required.');
  return request.tenant;
}
