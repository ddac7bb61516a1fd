import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseMasterKey } from '../crypto/envelope.js';
import { ConfigError } from './load.js';
import type { Config } from './schema.js';

/**
 * Resolves the envelope master key: secrets.master_key, else secrets.master_key_file, else — only for
 * the embedded SQLite default — a key generated once into <data_dir>/master.key (mode 0600).
 * The key never goes to the database: a database dump alone opens nothing.
 */
export function resolveMasterKey(config: Config, embedded: boolean, warn: (msg: string) => void): Buffer {
  const parse = (text: string, where: string) => {
    try {
      return parseMasterKey(text);
    } catch (e) {
      throw new ConfigError(`invalid configuration at ${where}: ${(e as Error).message}`);
    }
  };
  if (config.secrets.master_key) return parse(config.secrets.master_key, 'secrets.master_key (env KEYSMITH_SECRETS_MASTER_KEY)');
  if (config.secrets.master_key_file) {
    let text: string;
    try {
      text = readFileSync(config.secrets.master_key_file, 'utf8');
    } catch (e) {
      throw new ConfigError(
        `invalid configuration at secrets.master_key_file: cannot read ${config.secrets.master_key_file} (${(e as NodeJS.ErrnoException).code})`,
      );
    }
    return parse(text, 'secrets.master_key_file');
  }
  if (!embedded)
    throw new ConfigError(
      'invalid configuration at secrets.master_key (env KEYSMITH_SECRETS_MASTER_KEY): required when the database is not the embedded SQLite default; generate one with `openssl rand -hex 32`',
    );
  const file = join(config.data_dir, 'master.key');
  if (existsSync(file)) return parse(readFileSync(file, 'utf8'), `master key file ${file}`);
  mkdirSync(config.data_dir, { recursive: true });
  writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  warn(
    `generated a new master key in ${file} (mode 0600). Back it up: without it the stored secrets cannot be opened. Set KEYSMITH_SECRETS_MASTER_KEY in production.`,
  );
  return parse(readFileSync(file, 'utf8'), `master key file ${file}`);
}
