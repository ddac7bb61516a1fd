// `keysmith keys …`: issued-key administration over the HTTP admin API (SPEC §3).
// Exit codes: 0 success (verify: key valid), 1 API or network error (verify: key invalid),
// 2 bad command-line input (nothing was sent).
import { type Command, type CommanderError, Option } from 'commander';
import { ApiError } from './api-error.js';
import { AdminClient } from './http-client.js';
import { registerImportCommand } from './import-command.js';
import {
  deriveToken,
  getKey,
  issueKey,
  type KeysContext,
  type KeysIo,
  listKeys,
  revokeKey,
  rotateKey,
  selfRevokeKey,
  updateKey,
  verifyKey,
} from './keys-actions.js';
import { UsageError } from './keys-input.js';
import type { OutputFormat, Writer } from './output.js';

export const DEFAULT_ENDPOINT = 'http://127.0.0.1:4420';
export const EXIT_API_ERROR = 1;
export const EXIT_USAGE = 2;

interface GlobalOptions {
  endpoint: string;
  token?: string;
  format: OutputFormat;
}

/** Adds `keys` and its subcommands to `program`; `io` replaces the process streams (tests). */
export function registerKeysCommands(program: Command, io: Partial<KeysIo> = {}): void {
  const streams: KeysIo = {
    stdout: io.stdout ?? process.stdout,
    stderr: io.stderr ?? process.stderr,
    readStdin: io.readStdin ?? readStdin,
  };
  const withContext = contextBinder(streams);
  const keys = program
    .command('keys')
    .description('manage issued API keys through the admin API')
    .addOption(new Option('-e, --endpoint <url>', 'Keysmith API base URL').env('KEYSMITH_ENDPOINT').default(DEFAULT_ENDPOINT))
    .addOption(
      // Security: read from the env at parse time, never as a commander default (help would print it).
      new Option('--token <token>', 'project API token; prefer the env var: argv is visible to other local users').env('KEYSMITH_TOKEN'),
    )
    .addOption(new Option('-f, --format <format>', 'output format').choices(['table', 'json']).default('table'))
    // Commander's own parse errors (unknown option, missing argument) exit 2 like ours, not 1.
    .exitOverride(exitOnCommanderError);

  keyFieldOptions(
    keys
      .command('issue')
      .description('issue a new key; prints its secret once')
      .argument('[name]', 'display name of the key')
      .option('--actor <id>', 'owner of the key (actor_id)')
      .option('--ttl <duration>', 'lifetime, e.g. 3600s, 24h, 30d, 1y (default: the project default)')
      .option('--visibility <visibility>', 'secret or public')
      .option('--request-id <id>', 'idempotency key (≤ 36 chars): a retry returns the same key, without secret'),
    false,
  ).action(withContext((ctx, name: string | undefined, opts) => issueKey(ctx, name, opts)));

  keys
    .command('list')
    .description('list keys, newest pages first')
    .option('--actor <id>', 'only keys of this actor_id')
    .option('--status <status>', 'active, revoked or expired')
    .option('--page-size <n>', 'keys per page (server default 50, max 1000)')
    .option('--page-token <token>', 'continue from a previous page')
    .option('--all', 'follow next_page_token until the last page')
    .action(withContext((ctx, opts) => listKeys(ctx, opts)));

  keys
    .command('get')
    .description('show one key')
    .argument('<key_id>')
    .action(withContext((ctx, keyId: string) => getKey(ctx, keyId)));

  keyFieldOptions(keys.command('update').description('change fields of a key (AIP-134 update mask)').argument('<key_id>'))
    .option('--clear <fields>', 'fields to clear: name, scopes, metadata, rate-limit, allowed-cidrs')
    .action(withContext((ctx, keyId: string, opts) => updateKey(ctx, keyId, opts)));

  keyFieldOptions(
    keys.command('rotate').description('replace a key by a new one (absent fields are inherited); prints the new secret once').argument('<key_id>'),
  )
    .option('--clear <fields>', 'fields the new key must not inherit')
    .option('--visibility <visibility>', 'secret or public')
    .action(withContext((ctx, keyId: string, opts) => rotateKey(ctx, keyId, opts)));

  keys
    .command('revoke')
    .description('revoke a key (irreversible)')
    .argument('<key_id>')
    .option('--reason <reason>', 'key_compromise, affiliation_changed, superseded or privilege_withdrawn', 'key_compromise')
    .option('--description <text>', 'free text, with privilege_withdrawn')
    .action(withContext((ctx, keyId: string, opts) => revokeKey(ctx, keyId, opts)));

  keys
    .command('verify')
    .description('verify a credential; exit code 0 if valid, 1 if not')
    .argument('<credential>', 'the credential, or - to read it from stdin (preferred: keeps it out of argv)')
    .action(withContext((ctx, credential: string) => verifyKey(ctx, credential)));

  keys
    .command('derive')
    .description('exchange a key for a short-lived JWT or macaroon (prints the token); the key is read from stdin with -')
    .argument('<credential>', 'the parent key, or - to read it from stdin (preferred)')
    .option('--ttl <duration>', 'lifetime, e.g. 15m (default: the project default, 1h)')
    .option('--scopes <scopes>', 'comma-separated subset of the key scopes')
    .option('--claims <json>', 'custom claims as a JSON object')
    .option('--algorithm <alg>', 'jwt or macaroon (default jwt)')
    .action(withContext((ctx, credential: string, opts) => deriveToken(ctx, credential, opts)));

  keys
    .command('self-revoke')
    .description('revoke a key you hold, through the public endpoint (no token needed)')
    .argument('<credential>', 'the key, or - to read it from stdin (preferred)')
    .option('--reason <reason>', 'key_compromise, affiliation_changed or superseded', 'key_compromise')
    .action(withContext((ctx, credential: string, opts) => selfRevokeKey(ctx, credential, opts)));

  registerImportCommand(keys, streams, (err, token) => reportError(err, token, streams.stderr));
}

function keyFieldOptions(cmd: Command, withName = true): Command {
  if (withName) cmd.option('--name <name>', 'display name');
  return cmd
    .option('--scopes <scopes>', 'comma-separated scopes, e.g. read,write')
    .option('--metadata <json>', 'JSON object, e.g. \'{"team":"billing"}\'')
    .option('--allowed-cidrs <cidrs>', 'comma-separated CIDRs allowed to use the key')
    .option('--rate-limit <policy>', '<quota>/<window>, e.g. 100/60s');
}

// biome-ignore lint/suspicious/noExplicitAny: commander passes positional args of any type.
type Handler = (ctx: KeysContext, ...args: any[]) => Promise<void>;

/** Adapts handlers to commander's `(…args, options, command)` and reports their errors. */
function contextBinder(io: KeysIo) {
  return (handler: Handler) =>
    async (...args: unknown[]): Promise<void> => {
      const cmd = args[args.length - 1] as Command;
      const positional = args.slice(0, -2);
      const global = cmd.optsWithGlobals<GlobalOptions>();
      try {
        const ctx: KeysContext = { ...io, client: makeClient(global), format: global.format };
        await handler(ctx, ...positional, cmd.opts());
      } catch (err) {
        reportError(err, global.token, io.stderr);
      }
    };
}

function makeClient(opts: GlobalOptions): AdminClient {
  try {
    return new AdminClient({ endpoint: opts.endpoint, token: opts.token });
  } catch (err) {
    throw new UsageError(`--endpoint: ${(err as Error).message}`);
  }
}

/** One line on stderr, no stack trace; the token is never part of it. Sets the exit code. */
export function reportError(err: unknown, token: string | undefined, stderr: Writer = process.stderr): void {
  const message = err instanceof Error ? err.message : String(err);
  const safe = token ? message.split(token).join('[REDACTED]') : message;
  stderr.write(`error: ${safe.replace(/\s*\n\s*/g, ' ')}\n`);
  if (err instanceof ApiError && err.status === 401 && !token) {
    stderr.write('hint: set KEYSMITH_TOKEN to a project API token\n');
  }
  process.exitCode = err instanceof UsageError ? EXIT_USAGE : EXIT_API_ERROR;
}

function exitOnCommanderError(err: CommanderError): never {
  // Help and --version exit 0; everything else commander rejects is a usage error.
  process.exit(err.exitCode === 0 ? 0 : EXIT_USAGE);
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('reading the credential from stdin (end with Ctrl-D)…\n');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
