import { OPERATOR_ACTOR } from '../audit/audit-actor.js';
import type { AuditLog } from '../audit/audit-log.js';
import { AppError } from '../errors/app-error.js';
import type { ProjectService } from '../projects/project-service.js';
import type { Clock } from '../shared/clock.js';
import type { ConsoleSession, ConsoleSessions } from './console-sessions.js';
import type { OperatorAuth } from './operator-auth.js';
import type { TokenService } from './token-service.js';

/** Lifetime of the admin token minted for an operator session's project; re-minted when < 5 min remain. */
export const MINTED_TTL_MS = 60 * 60_000;
const REMINT_BEFORE_MS = 5 * 60_000;
export const MINTED_TOKEN_NAME = 'console session (operator)';
/** At most this many projects' tokens per operator session: an operator clicking through many projects mints no more. */
const MAX_MINTED = 32;

export interface ConsoleAccessDeps {
  sessions: ConsoleSessions;
  operatorAuth: OperatorAuth;
  tokens: TokenService;
  projects: ProjectService;
  audit: AuditLog;
  clock: Clock;
}

/**
 * Turns a console session into the bearer token an API guard expects. The guards themselves stay
 * unchanged: the console path ends in exactly the check a curl caller goes through.
 */
export class ConsoleAccess {
  /** In-flight mints per session and project. */
  private readonly minting = new WeakMap<ConsoleSession, Map<string, Promise<string>>>();

  constructor(private readonly deps: ConsoleAccessDeps) {}

  /** Validates a pasted token; returns the new session id, what kind it is and (project tokens) its project. */
  async signIn(token: string): Promise<{ id: string; kind: ConsoleSession['kind']; projectId: string | null }> {
    const bearer = `Bearer ${token}`;
    if (this.deps.operatorAuth.enabled) {
      try {
        this.deps.operatorAuth.authenticate(bearer);
        return { id: this.deps.sessions.create('operator', token, null), kind: 'operator', projectId: null };
      } catch {
        // not the operator token: try a project token below
      }
    }
    // Security: a wrong operator token and a wrong project token give the same UNAUTHENTICATED answer.
    const principal = await this.deps.tokens.authenticate(bearer).catch(() => {
      throw new AppError('UNAUTHENTICATED', 'This is neither the operator token nor a valid project API token.');
    });
    return { id: this.deps.sessions.create('project', token, principal.projectId), kind: 'project', projectId: principal.projectId };
  }

  /** The operator token of an operator session; undefined for a project session (the guard then answers 401). */
  operatorBearer(s: ConsoleSession): string | undefined {
    return s.kind === 'operator' ? `Bearer ${s.secret}` : undefined;
  }

  /**
   * The project token for an admin call. A project session has one; an operator session gets a
   * short-lived admin token of the project it names (`X-Keysmith-Project`), minted through the token
   * service and audited as an operator action, exactly as `POST /operator/v1/projects/{p}/tokens` would.
   */
  async projectBearer(s: ConsoleSession, projectRef: string | undefined, requestId: string): Promise<string> {
    if (s.kind === 'project') return `Bearer ${s.secret}`;
    if (!projectRef)
      throw new AppError('INVALID_ARGUMENT', 'Pick a project first: operator console calls name it in X-Keysmith-Project.', { field: 'X-Keysmith-Project' });
    const project = await this.deps.projects.get(projectRef);
    const have = s.minted.get(project.id);
    if (have && have.expiresAt - this.deps.clock.now() > REMINT_BEFORE_MS) return `Bearer ${have.token}`;
    // Concurrent first calls of one session share one mint: a second token would be orphaned (never revoked at sign-out).
    const key = project.id;
    let pending = this.minting.get(s)?.get(key);
    if (!pending) {
      pending = this.mint(s, project.id, requestId).finally(() => this.minting.get(s)?.delete(key));
      if (!this.minting.has(s)) this.minting.set(s, new Map());
      this.minting.get(s)?.set(key, pending);
    }
    return `Bearer ${await pending}`;
  }

  private async mint(s: ConsoleSession, projectId: string, requestId: string): Promise<string> {
    const now = this.deps.clock.now();
    const have = s.minted.get(projectId);
    if (have) this.revokeQuietly(projectId, have.tokenId);
    else if (s.minted.size >= MAX_MINTED) {
      const [oldProject, oldest] = s.minted.entries().next().value as [string, { tokenId: string }];
      s.minted.delete(oldProject);
      this.revokeQuietly(oldProject, oldest.tokenId);
    }
    const { token, record } = await this.deps.tokens.create(projectId, MINTED_TOKEN_NAME, ['admin'], undefined, MINTED_TTL_MS);
    if (s.ended)
      this.revokeQuietly(projectId, record.tokenId); // signed out meanwhile: this request still completes, nothing outlives it
    else s.minted.set(projectId, { token, tokenId: record.tokenId, expiresAt: record.expiresAt ?? now + MINTED_TTL_MS });
    await this.deps.audit.record(projectId, {
      action: 'token.create',
      actor: OPERATOR_ACTOR,
      requestId,
      details: { token_id: record.tokenId, permissions: ['admin'], console: true },
    });
    return token;
  }

  /** Ends a session: its minted tokens are revoked now rather than left to expire. */
  endSession(s: ConsoleSession): void {
    for (const [projectId, m] of s.minted) this.revokeQuietly(projectId, m.tokenId);
    s.minted.clear();
  }

  private revokeQuietly(projectId: string, tokenId: string): void {
    // Best effort: the token expires within MINTED_TTL_MS anyway (the project may be gone, or the token revoked on the Tokens page).
    this.deps.tokens.revoke(projectId, tokenId).catch(() => {});
  }
}
