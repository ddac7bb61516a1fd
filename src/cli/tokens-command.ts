// `keysmith tokens …`: project API tokens (`ks_pat_…`) over the operator API
// (docs/operator-api.md). Exit codes: 0 success, 1 API or network error, 2 bad command-line input
// (nothing was sent).
import type { Command } from 'commander';
import { addOperatorGroup, type OperatorContext, type OperatorIo, operatorActionBinder, resolveIo } from './operator-context.js';
import { parseDurationOption, parsePermissions, parseRef } from './operator-input.js';
import { type Column, printResult } from './output.js';

const SECRET_WARNING = 'Store this token now: it cannot be shown again.\n';

export const TOKEN_COLUMNS: Column[] = [
  { key: 'id' },
  { key: 'name' },
  { key: 'permissions' },
  { key: 'create_time', header: 'created' },
  { key: 'expire_time', header: 'expires' },
  { key: 'revoke_time', header: 'revoked' },
];

/** Adds `tokens` and its subcommands to `program`; `io` replaces the process streams (tests). */
export function registerTokensCommands(program: Command, io: Partial<OperatorIo> = {}): void {
  const bind = operatorActionBinder(resolveIo(io));
  const tokens = addOperatorGroup(program, 'tokens', "manage a project's API tokens through the operator API");

  tokens
    .command('create')
    .description('create a project API token; prints its secret once')
    .argument('<project>', 'project slug or id')
    .requiredOption('--name <name>', 'what the token is for, e.g. gateway')
    .requiredOption('--permissions <list>', 'comma-separated: admin, read, verify')
    .option('--ttl <duration>', 'lifetime, e.g. 90d, 1y (default: no expiry)')
    .action(bind((ctx, project: string, opts) => createToken(ctx, project, opts)));

  tokens
    .command('list')
    .description("list the project's tokens (never their secrets)")
    .argument('<project>')
    .action(bind((ctx, project: string) => listTokens(ctx, project)));

  tokens
    .command('revoke')
    .description('revoke a token (irreversible)')
    .argument('<project>')
    .argument('<token_id>')
    .action(bind((ctx, project: string, tokenId: string) => revokeToken(ctx, project, tokenId)));
}

export async function createToken(ctx: OperatorContext, project: string, opts: { name: string; permissions: string; ttl?: string }): Promise<void> {
  const ref = parseRef('project', project);
  const permissions = parsePermissions(opts.permissions);
  const ttl = opts.ttl === undefined ? undefined : parseDurationOption('--ttl', opts.ttl);
  const res = await ctx.client.createToken(ref, { name: opts.name, permissions, ...(ttl ? { ttl } : {}) });
  // As for `keys issue`: JSON is the raw response (for scripts); table mode adds the warning.
  if (ctx.format === 'json') {
    printResult(res, 'json', undefined, ctx.stdout);
    return;
  }
  printResult({ ...res.token, secret: res.secret }, 'table', undefined, ctx.stdout);
  ctx.stderr.write(res.secret ? SECRET_WARNING : 'note: the response holds no secret\n');
}

export async function listTokens(ctx: OperatorContext, project: string): Promise<void> {
  const res = await ctx.client.listTokens(parseRef('project', project));
  if (ctx.format === 'json') printResult(res, 'json', undefined, ctx.stdout);
  else printResult(res.tokens, 'table', TOKEN_COLUMNS, ctx.stdout);
}

export async function revokeToken(ctx: OperatorContext, project: string, tokenId: string): Promise<void> {
  const ref = parseRef('project', project);
  const id = parseRef('token_id', tokenId);
  await ctx.client.revokeToken(ref, id);
  if (ctx.format === 'json') printResult({ project: ref, token_id: id, revoked: true }, 'json', undefined, ctx.stdout);
  else ctx.stdout.write(`revoked token ${id}\n`);
}
