import { Command } from 'commander';
import { registerAuditCommands } from './audit-command.js';
import { registerJwkCommand } from './jwk-command.js';
import { registerKeysCommands } from './keys-command.js';
import { registerMigrateCommand } from './migrate-command.js';
import { registerProjectsCommands } from './projects-command.js';
import { registerServeCommand } from './serve-command.js';
import { registerTokensCommands } from './tokens-command.js';

export function buildProgram(): Command {
  const program = new Command('keysmith').description('Keysmith — API key management server (Talos v2alpha1 compatible)').version('0.1.0');
  registerServeCommand(program);
  registerMigrateCommand(program);
  registerKeysCommands(program);
  registerProjectsCommands(program);
  registerTokensCommands(program);
  registerAuditCommands(program);
  registerJwkCommand(program);
  return program;
}

/** Runs the CLI; configuration and start-up errors print one clear line and exit non-zero, no stack. */
export async function runCli(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (e) {
    const known = (e as Error)?.name === 'ConfigError' || (e as Error)?.name === 'SchemaBehindError' || (e as Error)?.name === 'DsnError';
    process.stderr.write(`keysmith: ${known ? (e as Error).message : `start-up failed: ${(e as Error)?.message ?? e}`}\n`);
    process.exitCode = 1;
  }
}
