// What `keysmith projects|tokens|audit` share: the connection and output options, the binding of
// subcommand handlers to an OperatorContext, and error reporting. Same exit codes as `keys`:
// 0 success, 1 API or network error, 2 bad command-line input (nothing was sent).
import { type Command, type CommanderError, Option } from 'commander';
import { ApiError } from './api-error.js';
import { DEFAULT_ENDPOINT, EXIT_API_ERROR, EXIT_USAGE } from './keys-command.js';
import { UsageError } from './keys-input.js';
import { OperatorClient } from './operator-client.js';
import type { OutputFormat, Writer } from './output.js';

/** The process streams, injectable so tests can run commands in-process. */
export interface OperatorIo {
  stdout: Writer;
  stderr: Writer;
}

export interface OperatorContext extends OperatorIo {
  client: OperatorClient;
  format: OutputFormat;
}

interface ConnectionOptions {
  endpoint: string;
  operatorToken?: string;
  format: OutputFormat;
}

/** Adds the command group `name` with the connection and output options; they are inherited. */
export function addOperatorGroup(program: Command, name: string, description: string): Command {
  return (
    program
      .command(name)
      .description(description)
      .addOption(new Option('-e, --endpoint <url>', 'Keysmith API base URL').env('KEYSMITH_ENDPOINT').default(DEFAULT_ENDPOINT))
      .addOption(
        // Security: read from the env at parse time, never as a commander default (help would print it).
        new Option('--operator-token <token>', 'operator token; prefer the env var: argv is visible to other local users').env('KEYSMITH_OPERATOR_TOKEN'),
      )
      .addOption(new Option('-f, --format <format>', 'output format').choices(['table', 'json']).default('table'))
      // Commander's own parse errors (unknown option, missing argument) exit 2 like ours, not 1.
      // Set before the subcommands are added, which inherit it.
      .exitOverride(exitOnCommanderError)
  );
}

export function resolveIo(io: Partial<OperatorIo>): OperatorIo {
  return { stdout: io.stdout ?? process.stdout, stderr: io.stderr ?? process.stderr };
}

// biome-ignore lint/suspicious/noExplicitAny: commander passes positional args of any type.
export type OperatorHandler = (ctx: OperatorContext, ...args: any[]) => Promise<void>;

/** Adapts handlers to commander's `(…args, options, command)` and reports their errors. */
export function operatorActionBinder(io: OperatorIo) {
  return (handler: OperatorHandler) =>
    async (...args: unknown[]): Promise<void> => {
      const cmd = args[args.length - 1] as Command;
      const positional = args.slice(0, -2);
      const global = cmd.optsWithGlobals<ConnectionOptions>();
      try {
        const ctx: OperatorContext = { ...io, client: makeClient(global), format: global.format };
        await handler(ctx, ...positional, cmd.opts());
      } catch (err) {
        reportOperatorError(err, global.operatorToken, io.stderr);
      }
    };
}

function makeClient(opts: ConnectionOptions): OperatorClient {
  try {
    return new OperatorClient({ endpoint: opts.endpoint, token: opts.operatorToken });
  } catch (err) {
    throw new UsageError(`--endpoint: ${(err as Error).message}`);
  }
}

/** One line on stderr, no stack trace; the operator token is never part of it. Sets the exit code. */
export function reportOperatorError(err: unknown, token: string | undefined, stderr: Writer = process.stderr): void {
  const message = err instanceof Error ? err.message : String(err);
  const safe = token ? message.split(token).join('[REDACTED]') : message;
  stderr.write(`error: ${safe.replace(/\s*\n\s*/g, ' ')}\n`);
  if (err instanceof ApiError && err.status === 401 && !token) {
    stderr.write('hint: set KEYSMITH_OPERATOR_TOKEN to the operator token (operator_token in the server config)\n');
  }
  process.exitCode = err instanceof UsageError ? EXIT_USAGE : EXIT_API_ERROR;
}

function exitOnCommanderError(err: CommanderError): never {
  // Help and --version exit 0; everything else commander rejects is a usage error.
  process.exit(err.exitCode === 0 ? 0 : EXIT_USAGE);
}
