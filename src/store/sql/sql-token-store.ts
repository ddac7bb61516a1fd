import type { TokenStore } from '../ports.js';
import type { ApiTokenRecord } from '../records.js';
import { type SqlDialect, translated } from './dialects/dialect.js';
import type { ApiTokensTable } from './tables.js';

const COLUMNS = ['token_id', 'project_id', 'name', 'token_hash', 'permissions', 'created_at', 'expires_at', 'revoked_at'] as const;

const toToken = (r: ApiTokensTable): ApiTokenRecord => ({
  tokenId: r.token_id,
  projectId: r.project_id,
  name: r.name,
  tokenHash: r.token_hash,
  permissions: JSON.parse(r.permissions) as string[],
  createdAt: Number(r.created_at),
  expiresAt: r.expires_at === null ? null : Number(r.expires_at),
  revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
});

export class SqlTokenStore implements TokenStore {
  constructor(private readonly dialect: SqlDialect) {}

  private run<T>(fn: () => Promise<T>): Promise<T> {
    return translated(this.dialect, fn);
  }

  getByHash(tokenHash: string) {
    return this.run(async () => {
      const r = await this.dialect.db.selectFrom('api_tokens').select(COLUMNS).where('token_hash', '=', tokenHash).executeTakeFirst();
      return r ? toToken(r) : undefined;
    });
  }

  create(t: ApiTokenRecord) {
    return this.run(async () => {
      await this.dialect.db
        .insertInto('api_tokens')
        .values({
          token_id: t.tokenId,
          project_id: t.projectId,
          name: t.name,
          token_hash: t.tokenHash,
          permissions: JSON.stringify(t.permissions),
          created_at: t.createdAt,
          expires_at: t.expiresAt,
          revoked_at: t.revokedAt,
        })
        .execute();
    });
  }

  listForProject(projectId: string) {
    return this.run(async () => {
      const rows = await this.dialect.db.selectFrom('api_tokens').select(COLUMNS).where('project_id', '=', projectId).orderBy('created_at').execute();
      return rows.map(toToken);
    });
  }

  revoke(projectId: string, tokenId: string, at: number) {
    return this.run(async () => {
      const res = await this.dialect.db
        .updateTable('api_tokens')
        .set({ revoked_at: at })
        .where('project_id', '=', projectId)
        .where('token_id', '=', tokenId)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    });
  }
}
