// `keysmith projects …`: project (tenant) administration over the operator API
// (docs/operator-api.md). Exit codes: 0 success, 1 API or network error, 2 bad command-line input
// (nothing was sent).
import type { Command } from 'commander';
import { addOperatorGroup, type OperatorIo, operatorActionBinder, resolveIo } from './operator-context.js';
import {
  createProject,
  deleteProject,
  enableApiKeys,
  getConfig,
  getProject,
  listProjects,
  listSigningKeys,
  rotateHmacSecret,
  rotateSigningKey,
  setConfig,
  updateProject,
} from './projects-actions.js';

const ALGORITHMS = 'EdDSA, ES256 or RS256';

/** Adds `projects` and its subcommands to `program`; `io` replaces the process streams (tests). */
export function registerProjectsCommands(program: Command, io: Partial<OperatorIo> = {}): void {
  const bind = operatorActionBinder(resolveIo(io));
  const projects = addOperatorGroup(program, 'projects', 'manage projects (tenants) through the operator API');

  projects
    .command('list')
    .description('list projects, by slug')
    .option('--page-size <n>', 'projects per page (server default 50, max 1000)')
    .option('--page-token <token>', 'continue from a previous page')
    .option('--all', 'follow next_page_token until the last page')
    .action(bind((ctx, opts) => listProjects(ctx, opts)));

  projects
    .command('get')
    .description('show one project and its key usage')
    .argument('<project>', 'project slug or id')
    .action(bind((ctx, project: string) => getProject(ctx, project)));

  projectFieldOptions(projects.command('create').description('create a project').argument('<slug>', 'lowercase letters, digits and dashes'))
    .option('--enable', 'enable API keys right away (generates the HMAC secret and an EdDSA signing key)')
    .action(bind((ctx, slug: string, opts) => createProject(ctx, slug, opts)));

  projectFieldOptions(projects.command('update').description('change the name, plan or custom domains').argument('<project>')).action(
    bind((ctx, project: string, opts) => updateProject(ctx, project, opts)),
  );

  projects
    .command('delete')
    .description('delete a project with its keys, tokens, secrets and audit log (irreversible)')
    .argument('<project>')
    .option('--yes', 'confirm the deletion (required)')
    .action(bind((ctx, project: string, opts) => deleteProject(ctx, project, opts)));

  projects
    .command('enable')
    .description('enable API keys: generate the HMAC secret and the JWT signing key (idempotent)')
    .argument('<project>')
    .option('--algorithm <alg>', `JWT signing algorithm: ${ALGORITHMS} (server default EdDSA)`)
    .action(bind((ctx, project: string, opts) => enableApiKeys(ctx, project, opts)));

  const config = projects.command('config').description("read or change a project's configuration");
  config
    .command('get')
    .description('show the configuration')
    .argument('<project>')
    .action(bind((ctx, project: string) => getConfig(ctx, project)));
  config
    .command('set')
    .description('apply an RFC 7396 JSON merge patch to the configuration')
    .argument('<project>')
    .requiredOption('--patch <json>', 'merge patch as JSON, or @file.json to read it from a file')
    .action(bind((ctx, project: string, opts) => setConfig(ctx, project, opts)));

  projects
    .command('rotate-hmac')
    .description('rotate the HMAC secret; the retired one keeps verifying')
    .argument('<project>')
    .option('--retired-ttl <duration>', 'how long the retired secret keeps verifying, e.g. 24h (default: until removed)')
    .action(bind((ctx, project: string, opts) => rotateHmacSecret(ctx, project, opts)));

  projects
    .command('rotate-signing-key')
    .description('rotate the JWT signing key')
    .argument('<project>')
    .option('--mode <mode>', 'graceful (old key stays in the JWKS) or revoke (server default graceful)')
    .option('--algorithm <alg>', `algorithm of the new key: ${ALGORITHMS}`)
    .action(bind((ctx, project: string, opts) => rotateSigningKey(ctx, project, opts)));

  projects
    .command('signing-keys')
    .description('list the JWT signing keys (public parts only)')
    .argument('<project>')
    .action(bind((ctx, project: string) => listSigningKeys(ctx, project)));
}

function projectFieldOptions(cmd: Command): Command {
  return cmd
    .option('--name <name>', 'display name')
    .option('--plan <plan>', 'plan name from the server config, e.g. free, developer, production')
    .option('--domains <domains>', 'comma-separated custom domains ("" = none)');
}
