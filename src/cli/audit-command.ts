// `keysmith audit …`: a project's audit log over the operator API (docs/operator-api.md).
// Exit codes: 0 success, 1 API or network error, 2 bad command-line input (nothing was sent).
import type { Command } from 'commander';
import { collectPages } from './collect-pages.js';
import { parsePositiveInt } from './keys-input.js';
import { addOperatorGroup, type OperatorContext, type OperatorIo, operatorActionBinder, resolveIo } from './operator-context.js';
import { parseRef } from './operator-input.js';
import type { ListAuditResponse } from './operator-types.js';
import { type Column, printResult } from './output.js';

export const AUDIT_COLUMNS: Column[] = [{ key: 'time' }, { key: 'action' }, { key: 'actor' }, { key: 'key_id' }, { key: 'reason' }];

/** Adds `audit` and its subcommands to `program`; `io` replaces the process streams (tests). */
export function registerAuditCommands(program: Command, io: Partial<OperatorIo> = {}): void {
  const bind = operatorActionBinder(resolveIo(io));
  const audit = addOperatorGroup(program, 'audit', "read a project's audit log through the operator API");

  audit
    .command('list')
    .description('list audit events, newest first')
    .argument('<project>', 'project slug or id')
    .option('--action <action>', 'only this action, e.g. key.revoke')
    .option('--key-id <id>', 'only events about this key')
    .option('--actor <actor>', 'only this actor: token:<id>, operator, self or system')
    .option('--page-size <n>', 'events per page (server default 50, max 1000)')
    .option('--page-token <token>', 'continue from a previous page')
    .option('--all', 'follow next_page_token until the last page')
    .action(bind((ctx, project: string, opts) => listAuditEvents(ctx, project, opts)));
}

export interface AuditListOptions {
  action?: string;
  keyId?: string;
  actor?: string;
  pageSize?: string;
  pageToken?: string;
  all?: boolean;
}

export async function listAuditEvents(ctx: OperatorContext, project: string, opts: AuditListOptions): Promise<void> {
  const ref = parseRef('project', project);
  const pageSize = opts.pageSize === undefined ? undefined : parsePositiveInt('--page-size', opts.pageSize);
  const filter = { action: opts.action, keyId: opts.keyId, actor: opts.actor };
  const { items, next } = await collectPages(
    async (pageToken) => {
      const res = await ctx.client.listAuditEvents(ref, { ...filter, pageSize, pageToken });
      return { items: res.audit_events, next: res.next_page_token };
    },
    opts.pageToken,
    opts.all === true,
  );
  if (ctx.format === 'json') {
    const result: ListAuditResponse = { audit_events: items, next_page_token: next };
    printResult(result, 'json', undefined, ctx.stdout);
    return;
  }
  printResult(items, 'table', AUDIT_COLUMNS, ctx.stdout);
  if (next) ctx.stderr.write(`more events: --page-token ${next} (or --all)\n`);
}
