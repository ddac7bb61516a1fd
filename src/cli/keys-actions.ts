// What each `keysmith keys …` subcommand does once its options are parsed: build the request,
// call the admin API, print the result. Option parsing and error reporting live in keys-command.ts.
import type { IssuedApiKey, ListKeysResponse } from './api-types.js';
import type { AdminClient } from './http-client.js';
import {
  applyClears,
  buildKeyFields,
  buildListFilter,
  type KeyFieldOptions,
  parseChoice,
  parsePositiveInt,
  REVOCATION_REASONS,
  UsageError,
  VISIBILITIES,
} from './keys-input.js';
import { type Column, type OutputFormat, printResult, type Writer } from './output.js';

/** The process streams, injectable so tests can run commands in-process. */
export interface KeysIo {
  stdout: Writer;
  stderr: Writer;
  /** Reads all of stdin. */
  readStdin: () => Promise<string>;
}

export interface KeysContext extends KeysIo {
  client: AdminClient;
  format: OutputFormat;
}

export const LIST_COLUMNS: Column[] = [
  { key: 'key_id' },
  { key: 'name' },
  { key: 'actor_id', header: 'actor' },
  { key: 'status', get: (k) => String(k.status ?? '').replace(/^KEY_STATUS_/, '') },
  { key: 'scopes' },
  { key: 'expire_time', header: 'expires' },
];

const SECRET_WARNING = 'Store this secret now: it cannot be shown again.\n';
const MAX_REQUEST_ID = 36;

export interface IssueOptions extends Omit<KeyFieldOptions, 'name'> {
  actor?: string;
  ttl?: string;
  visibility?: string;
  requestId?: string;
}

export async function issueKey(ctx: KeysContext, name: string | undefined, opts: IssueOptions): Promise<void> {
  if (opts.requestId !== undefined && opts.requestId.length > MAX_REQUEST_ID) {
    throw new UsageError(`--request-id is at most ${MAX_REQUEST_ID} characters`);
  }
  const res = await ctx.client.issue({
    ...buildKeyFields({ ...opts, name }),
    actor_id: opts.actor,
    ttl: opts.ttl,
    visibility: opts.visibility === undefined ? undefined : parseChoice('--visibility', opts.visibility, VISIBILITIES),
    request_id: opts.requestId,
  });
  printWithSecret(ctx, res, res.issued_api_key, res.secret, {});
}

export interface ListOptions {
  actor?: string;
  status?: string;
  pageSize?: string;
  pageToken?: string;
  all?: boolean;
}

export async function listKeys(ctx: KeysContext, opts: ListOptions): Promise<void> {
  const filter = buildListFilter(opts);
  const pageSize = opts.pageSize === undefined ? undefined : parsePositiveInt('--page-size', opts.pageSize);
  let page = await ctx.client.list({ pageSize, pageToken: opts.pageToken, filter });
  const keys = [...page.issued_api_keys];
  const seen = new Set<string>();
  while (opts.all && page.next_page_token) {
    // A server that hands back a token twice would loop forever: stop rather than hang.
    if (seen.has(page.next_page_token)) throw new Error('the server repeated a page token; stopping --all');
    seen.add(page.next_page_token);
    page = await ctx.client.list({ pageSize, pageToken: page.next_page_token, filter });
    keys.push(...page.issued_api_keys);
  }
  const result: ListKeysResponse = { issued_api_keys: keys, next_page_token: page.next_page_token ?? '' };
  if (ctx.format === 'json') {
    printResult(result, 'json', undefined, ctx.stdout);
    return;
  }
  printResult(keys, 'table', LIST_COLUMNS, ctx.stdout);
  if (result.next_page_token) ctx.stderr.write(`more keys: --page-token ${result.next_page_token} (or --all)\n`);
}

export async function getKey(ctx: KeysContext, keyId: string): Promise<void> {
  printResult(await ctx.client.get(keyId), ctx.format, undefined, ctx.stdout);
}

export interface UpdateOptions extends KeyFieldOptions {
  clear?: string;
}

export async function updateKey(ctx: KeysContext, keyId: string, opts: UpdateOptions): Promise<void> {
  const { fields, mask } = applyClears(buildKeyFields(opts), opts.clear);
  if (mask.length === 0) throw new UsageError('nothing to update: give at least one field option or --clear');
  printResult(await ctx.client.update(keyId, fields, mask), ctx.format, undefined, ctx.stdout);
}

export interface RotateOptions extends UpdateOptions {
  visibility?: string;
}

export async function rotateKey(ctx: KeysContext, keyId: string, opts: RotateOptions): Promise<void> {
  // Rotate has presence semantics (absent = inherit), so cleared fields are simply sent empty.
  const { fields } = applyClears(buildKeyFields(opts), opts.clear);
  const visibility = opts.visibility === undefined ? undefined : parseChoice('--visibility', opts.visibility, VISIBILITIES);
  const res = await ctx.client.rotate(keyId, { ...fields, visibility });
  printWithSecret(ctx, res, res.issued_api_key, res.secret, {
    old_key_id: res.old_issued_api_key?.key_id ?? keyId,
  });
}

export async function revokeKey(ctx: KeysContext, keyId: string, opts: { reason?: string; description?: string }): Promise<void> {
  const reason = parseChoice('--reason', opts.reason ?? 'key_compromise', REVOCATION_REASONS);
  await ctx.client.revoke(keyId, { reason, description: opts.description });
  if (ctx.format === 'json') {
    printResult({ key_id: keyId, revoked: true, reason }, 'json', undefined, ctx.stdout);
    return;
  }
  ctx.stdout.write(`revoked ${keyId} (${reason.replace(/^REVOCATION_REASON_/, '').toLowerCase()})\n`);
}

/** `-` reads the credential from stdin, which keeps it out of argv and shell history. */
export async function verifyKey(ctx: KeysContext, credential: string): Promise<void> {
  const value = credential === '-' ? (await ctx.readStdin()).trim() : credential;
  if (!value) throw new UsageError('no credential given (empty argument or stdin)');
  if (/[\r\n]/.test(value)) throw new UsageError('expected exactly one credential on stdin');
  const res = await ctx.client.verify(value);
  printResult(res, ctx.format, undefined, ctx.stdout);
  process.exitCode = res.is_valid === true ? 0 : 1;
}

/** Table mode shows the key, then the one-time secret, and warns on stderr; JSON is the raw response. */
function printWithSecret(ctx: KeysContext, raw: unknown, key: IssuedApiKey, secret: string | undefined, extra: Record<string, unknown>): void {
  if (ctx.format === 'json') {
    printResult(raw, 'json', undefined, ctx.stdout);
    return;
  }
  printResult({ ...key, ...extra, secret }, 'table', undefined, ctx.stdout);
  if (secret) ctx.stderr.write(SECRET_WARNING);
  else ctx.stderr.write('note: no secret in the response (a repeated request_id returns the original key without it)\n');
}

async function readCredential(ctx: KeysContext, credential: string): Promise<string> {
  const value = credential === '-' ? (await ctx.readStdin()).trim() : credential;
  if (!value) throw new UsageError('no credential given (empty argument or stdin)');
  if (/[\r\n]/.test(value)) throw new UsageError('expected exactly one credential on stdin');
  return value;
}

const TOKEN_ALGORITHMS = { jwt: 'TOKEN_ALGORITHM_JWT', macaroon: 'TOKEN_ALGORITHM_MACAROON' } as const;

export async function deriveToken(
  ctx: KeysContext,
  credential: string,
  opts: { ttl?: string; scopes?: string; claims?: string; algorithm?: string },
): Promise<void> {
  const algorithm = opts.algorithm === undefined ? undefined : parseChoice('--algorithm', opts.algorithm, TOKEN_ALGORITHMS);
  let claims: Record<string, unknown> | undefined;
  if (opts.claims !== undefined) {
    try {
      claims = JSON.parse(opts.claims);
    } catch {
      throw new UsageError('--claims must be a JSON object');
    }
    if (!claims || typeof claims !== 'object' || Array.isArray(claims)) throw new UsageError('--claims must be a JSON object');
  }
  const scopes =
    opts.scopes === undefined
      ? undefined
      : opts.scopes
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
  const res = await ctx.client.derive({ credential: await readCredential(ctx, credential), ttl: opts.ttl, scopes, custom_claims: claims, algorithm });
  if (ctx.format === 'json') printResult(res, 'json', undefined, ctx.stdout);
  else ctx.stdout.write(`${res.token.token}\n`);
}

export async function selfRevokeKey(ctx: KeysContext, credential: string, opts: { reason?: string }): Promise<void> {
  const reason = parseChoice('--reason', opts.reason ?? 'key_compromise', REVOCATION_REASONS);
  await ctx.client.selfRevoke(await readCredential(ctx, credential), reason);
  if (ctx.format === 'json') printResult({ revoked: true, reason }, 'json', undefined, ctx.stdout);
  else ctx.stdout.write('revoked (the key no longer verifies)\n');
}
