// What each `keysmith projects …` subcommand does once its options are parsed: build the request,
// call the operator API, print the result. Registration lives in projects-command.ts.
import { collectPages } from './collect-pages.js';
import { parseCsv, parsePositiveInt, UsageError } from './keys-input.js';
import type { OperatorContext } from './operator-context.js';
import { parseAlgorithm, parseDurationOption, parseRef, parseRotationMode, readConfigPatch } from './operator-input.js';
import type { CreateProjectBody, ListProjectsResponse, Project, UpdateProjectBody } from './operator-types.js';
import { formatCell, printResult } from './output.js';
import { flattenObject, HMAC_COLUMNS, PROJECT_COLUMNS, projectView, SIGNING_COLUMNS } from './project-views.js';

export interface ListProjectsOptions {
  pageSize?: string;
  pageToken?: string;
  all?: boolean;
}

export async function listProjects(ctx: OperatorContext, opts: ListProjectsOptions): Promise<void> {
  const pageSize = opts.pageSize === undefined ? undefined : parsePositiveInt('--page-size', opts.pageSize);
  const { items, next } = await collectPages(
    async (pageToken) => {
      const res = await ctx.client.listProjects({ pageSize, pageToken });
      return { items: res.projects, next: res.next_page_token };
    },
    opts.pageToken,
    opts.all === true,
  );
  if (ctx.format === 'json') {
    const result: ListProjectsResponse = { projects: items, next_page_token: next };
    printResult(result, 'json', undefined, ctx.stdout);
    return;
  }
  printResult(items, 'table', PROJECT_COLUMNS, ctx.stdout);
  if (next) ctx.stderr.write(`more projects: --page-token ${next} (or --all)\n`);
}

export async function getProject(ctx: OperatorContext, project: string): Promise<void> {
  printProject(ctx, await ctx.client.getProject(parseRef('project', project)));
}

export interface ProjectFieldOptions {
  name?: string;
  plan?: string;
  domains?: string;
}

function projectFields(opts: ProjectFieldOptions): UpdateProjectBody {
  const body: UpdateProjectBody = {};
  if (opts.name !== undefined) body.name = opts.name;
  if (opts.plan !== undefined) body.plan = opts.plan;
  // `--domains ""` is an explicit empty list: it removes every custom domain.
  if (opts.domains !== undefined) body.custom_domains = parseCsv(opts.domains);
  return body;
}

export async function createProject(ctx: OperatorContext, slug: string, opts: ProjectFieldOptions & { enable?: boolean }): Promise<void> {
  const body: CreateProjectBody = { slug: parseRef('slug', slug), ...projectFields(opts) };
  if (opts.enable) body.enable_api_keys = true;
  printProject(ctx, await ctx.client.createProject(body));
}

export async function updateProject(ctx: OperatorContext, project: string, opts: ProjectFieldOptions): Promise<void> {
  const ref = parseRef('project', project);
  const body = projectFields(opts);
  if (Object.keys(body).length === 0) throw new UsageError('nothing to update: give --name, --plan or --domains');
  printProject(ctx, await ctx.client.updateProject(ref, body));
}

export async function deleteProject(ctx: OperatorContext, project: string, opts: { yes?: boolean }): Promise<void> {
  const ref = parseRef('project', project);
  if (!opts.yes) {
    throw new UsageError(`deleting ${ref} also deletes its keys, tokens, secrets and audit log; add --yes to confirm`);
  }
  await ctx.client.deleteProject(ref);
  if (ctx.format === 'json') printResult({ project: ref, deleted: true }, 'json', undefined, ctx.stdout);
  else ctx.stdout.write(`deleted project ${ref}\n`);
}

export async function enableApiKeys(ctx: OperatorContext, project: string, opts: { algorithm?: string }): Promise<void> {
  const ref = parseRef('project', project);
  const algorithm = opts.algorithm === undefined ? undefined : parseAlgorithm(opts.algorithm);
  const res = await ctx.client.enableApiKeys(ref, algorithm);
  if (ctx.format === 'json') {
    printResult(res, 'json', undefined, ctx.stdout);
    return;
  }
  printResult({ ...projectView(res.project), changed: res.changed }, 'table', undefined, ctx.stdout);
  if (res.message) ctx.stderr.write(`${formatCell(res.message)}\n`);
}

export async function getConfig(ctx: OperatorContext, project: string): Promise<void> {
  printConfig(ctx, await ctx.client.getConfig(parseRef('project', project)));
}

export async function setConfig(ctx: OperatorContext, project: string, opts: { patch: string }): Promise<void> {
  const ref = parseRef('project', project);
  const patch = await readConfigPatch(opts.patch);
  printConfig(ctx, await ctx.client.patchConfig(ref, patch));
}

export async function rotateHmacSecret(ctx: OperatorContext, project: string, opts: { retiredTtl?: string }): Promise<void> {
  const ref = parseRef('project', project);
  const ttl = opts.retiredTtl === undefined ? undefined : parseDurationOption('--retired-ttl', opts.retiredTtl);
  const res = await ctx.client.rotateHmacSecret(ref, ttl);
  if (ctx.format === 'json') printResult(res, 'json', undefined, ctx.stdout);
  else printResult(res.hmac_secrets ?? [], 'table', HMAC_COLUMNS, ctx.stdout);
}

export async function rotateSigningKey(ctx: OperatorContext, project: string, opts: { mode?: string; algorithm?: string }): Promise<void> {
  const ref = parseRef('project', project);
  const body: { mode?: string; algorithm?: string } = {};
  if (opts.mode !== undefined) body.mode = parseRotationMode(opts.mode);
  if (opts.algorithm !== undefined) body.algorithm = parseAlgorithm(opts.algorithm);
  printSigningKeys(ctx, await ctx.client.rotateSigningKey(ref, body));
}

export async function listSigningKeys(ctx: OperatorContext, project: string): Promise<void> {
  printSigningKeys(ctx, await ctx.client.listSigningKeys(parseRef('project', project)));
}

function printProject(ctx: OperatorContext, project: Project): void {
  printResult(ctx.format === 'json' ? project : projectView(project), ctx.format, undefined, ctx.stdout);
}

/** Table mode: one `dotted.path  value` line per setting; JSON: the raw `{config}`. */
function printConfig(ctx: OperatorContext, res: { config?: Record<string, unknown> }): void {
  if (ctx.format === 'json') printResult(res, 'json', undefined, ctx.stdout);
  else printResult(flattenObject(res.config ?? {}), 'table', undefined, ctx.stdout);
}

function printSigningKeys(ctx: OperatorContext, res: { signing_keys?: unknown[] }): void {
  if (ctx.format === 'json') printResult(res, 'json', undefined, ctx.stdout);
  else printResult(res.signing_keys ?? [], 'table', SIGNING_COLUMNS, ctx.stdout);
}
