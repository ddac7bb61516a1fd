import { sha256Hex } from '../crypto/hashes.js';
import type { Store } from '../store/ports.js';
import { AppError } from '../errors/app-error.js';
import type { TokenService } from '../tenancy/token-service.js';
import type { ProjectService } from './project-service.js';

export interface BootstrapResult {
  projectId: string;
  /** Set only when a random admin token was created now: shown once, never stored in clear. */
  newAdminToken?: string;
}

/**
 * First start: create the default project, enable API keys (HMAC secret + Ed25519 signing key) and
 * create an admin token — `adminToken` (KEYSMITH_ADMIN_TOKEN) if given, else a random one returned
 * for printing once. Safe to run on every start and on several nodes at once.
 */
export async function bootstrapDefaultProject(
  deps: { store: Store; projects: ProjectService; tokens: TokenService },
  slug: string,
  adminToken: string,
): Promise<BootstrapResult> {
  let project = await deps.store.projects.getBySlug(slug);
  let created = false;
  if (!project) {
    try {
      project = await deps.projects.create({ slug, name: 'Default project' });
      created = true;
    } catch (e) {
      // Another node created it first (several nodes starting at once on one database).
      if (!(e instanceof AppError && e.reason === 'PROJECT_EXISTS')) throw e;
      project = await deps.store.projects.getBySlug(slug);
      if (!project) throw e;
    }
  }
  if (!project.apiKeysEnabled) await deps.projects.enableApiKeys(project.id);
  if (adminToken) {
    if (!(await deps.store.tokens.getByHash(sha256Hex(adminToken)))) {
      await deps.tokens.create(project.id, 'admin (KEYSMITH_ADMIN_TOKEN)', ['admin'], adminToken);
    }
    return { projectId: project.id };
  }
  if (created) {
    const { token } = await deps.tokens.create(project.id, 'admin (first start)', ['admin']);
    return { projectId: project.id, newAdminToken: token };
  }
  return { projectId: project.id };
}
