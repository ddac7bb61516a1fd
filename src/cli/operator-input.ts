// Turns `keysmith projects|tokens|audit …` option strings into operator API request fields. Every
// rejection is a UsageError (exit code 2, nothing sent), as in keys-input.ts.
import { readFile } from 'node:fs/promises';
import { parseTtl } from '../shared/duration.js';
import { parseChoice, parseCsv, UsageError } from './keys-input.js';
import type { ProjectConfig } from './operator-types.js';

export const SIGNING_ALGORITHMS = { eddsa: 'EdDSA', es256: 'ES256', rs256: 'RS256' } as const;
export const SIGNING_ROTATION_MODES = { graceful: 'graceful', revoke: 'revoke' } as const;
export const TOKEN_PERMISSIONS = ['admin', 'read', 'verify'] as const;

/** A project (UUID or slug) or a token id, used as a path segment: non-empty, no `/ : ? #` or spaces. */
export function parseRef(what: string, value: string): string {
  const v = value.trim();
  if (!v || /[/:?#\s]/.test(v)) throw new UsageError(`${what} must be an id or slug, without / : ? # or spaces (got "${value}")`);
  return v;
}

/**
 * Same syntax and bounds (1 s … 10 y) as the server's TTLs, so a typo fails here rather than
 * after a round trip: `3600s`, `24h`, `1h30m`, `30d`, `1w`, `1mo`, `1y`.
 */
export function parseDurationOption(option: string, value: string): string {
  const v = value.trim();
  const ttl = parseTtl(v);
  if (!ttl.ok) throw new UsageError(`${option}: ${ttl.reason} (got "${value}")`);
  return v;
}

/** `admin,read,verify` → the distinct permissions, in the given order; at least one. */
export function parsePermissions(value: string): string[] {
  const out: string[] = [];
  for (const item of parseCsv(value)) {
    const p = item.toLowerCase();
    if (!(TOKEN_PERMISSIONS as readonly string[]).includes(p)) {
      throw new UsageError(`--permissions accepts ${TOKEN_PERMISSIONS.join(', ')} (got "${item}")`);
    }
    if (!out.includes(p)) out.push(p);
  }
  if (out.length === 0) throw new UsageError('--permissions needs at least one of admin, read, verify');
  return out;
}

/** Case-insensitive; sent in the API's spelling (`es256` → `ES256`). */
export function parseAlgorithm(value: string): string {
  const found = SIGNING_ALGORITHMS[value.trim().toLowerCase() as keyof typeof SIGNING_ALGORITHMS];
  if (!found) throw new UsageError(`--algorithm must be one of ${Object.values(SIGNING_ALGORITHMS).join(', ')} (got "${value}")`);
  return found;
}

export function parseRotationMode(value: string): string {
  return parseChoice('--mode', value, SIGNING_ROTATION_MODES);
}

/**
 * `--patch` is an RFC 7396 merge patch of the project's `config`: inline JSON, or `@file.json`.
 * Only an object makes sense (any other JSON value would replace the whole config), so nothing
 * else is sent.
 */
export async function readConfigPatch(value: string): Promise<ProjectConfig> {
  let text = value;
  if (value.startsWith('@')) {
    const file = value.slice(1);
    if (!file) throw new UsageError('--patch @<file>: the file name is missing');
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new UsageError(`--patch: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`--patch is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UsageError('--patch must be a JSON object (a merge patch), e.g. \'{"cache":{"enabled":true}}\'');
  }
  return parsed as ProjectConfig;
}
