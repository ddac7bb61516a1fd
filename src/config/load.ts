import { parseDuration } from '../shared/duration.js';
import { readFileSync } from 'node:fs';
import { Value } from 'typebox/value';
import { parse as parseYaml } from 'yaml';
import { redactDsn } from '../store/sql/dialects/dialect.js';
import { type Config, ConfigSchema } from './schema.js';

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
  anyOf?: SchemaNode[];
}

/** Every leaf path of the schema with the env variable that overrides it (dots → underscores). */
export function configLeaves(
  schema: SchemaNode = ConfigSchema as unknown as SchemaNode,
  prefix: string[] = [],
): { path: string[]; env: string; node: SchemaNode }[] {
  const out: { path: string[]; env: string; node: SchemaNode }[] = [];
  for (const [key, node] of Object.entries(schema.properties ?? {})) {
    const path = [...prefix, key];
    if (node.type === 'object' && node.properties) out.push(...configLeaves(node, path));
    else out.push({ path, env: `KEYSMITH_${path.join('_').toUpperCase()}`, node });
  }
  return out;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let cur = target;
  for (const key of path.slice(0, -1)) {
    const next = cur[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) cur[key] = {};
    cur = cur[key] as Record<string, unknown>;
  }
  cur[path[path.length - 1]] = value;
}

/** Env values are strings; turn them into what the leaf expects so the error, if any, names the key. */
function coerceEnv(raw: string, node: SchemaNode): unknown {
  const types = node.anyOf ? node.anyOf.map((n) => n.type) : [node.type];
  if (types.includes('object') || types.includes('array')) {
    try {
      return JSON.parse(raw); // maps and lists come as JSON in env: KEYSMITH_PLANS='{"free":{…}}'
    } catch {
      return raw;
    }
  }
  if (types.includes('integer') || types.includes('number')) return /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
  if (types.includes('boolean')) {
    if (/^(true|1|yes)$/i.test(raw)) return true;
    if (/^(false|0|no)$/i.test(raw)) return false;
    if (types.includes('null') && raw === '') return null;
  }
  return raw;
}

/**
 * Loads the YAML file (if any), applies KEYSMITH_* overrides, fills defaults and validates.
 * Throws ConfigError whose message names the offending key and the problem.
 */
export function loadConfig(opts: { file?: string; env?: NodeJS.ProcessEnv } = {}): Config {
  const env = opts.env ?? process.env;
  let raw: unknown = {};
  if (opts.file) {
    let text: string;
    try {
      text = readFileSync(opts.file, 'utf8');
    } catch (e) {
      throw new ConfigError(`cannot read config file ${opts.file}: ${(e as Error).message}`);
    }
    try {
      raw = parseYaml(text) ?? {};
    } catch (e) {
      throw new ConfigError(`config file ${opts.file} is not valid YAML: ${(e as Error).message}`);
    }
    if (typeof raw !== 'object' || Array.isArray(raw)) throw new ConfigError(`config file ${opts.file} must contain a mapping at the top level`);
  }
  const merged = structuredClone(raw) as Record<string, unknown>;
  for (const leaf of configLeaves()) {
    const value = env[leaf.env];
    if (value !== undefined) setPath(merged, leaf.path, coerceEnv(value, leaf.node));
  }
  const withDefaults = Value.Default(ConfigSchema, merged);
  if (!Value.Check(ConfigSchema, withDefaults)) {
    const first = Value.Errors(ConfigSchema, withDefaults)[0];
    const where = first?.instancePath ? first.instancePath.slice(1).replaceAll('/', '.') : '(root)';
    const leaf = configLeaves().find((l) => l.path.join('.') === where);
    const envHint = leaf ? ` (env ${leaf.env})` : '';
    const extra = first && 'params' in first && (first.params as { additionalProperties?: string[] }).additionalProperties;
    const detail = extra ? `unknown key(s) ${JSON.stringify(extra)}` : (first?.message ?? 'invalid');
    throw new ConfigError(`invalid configuration at ${where}${envHint}: ${detail}`);
  }
  const config = withDefaults as Config;
  if (config.operator_token && config.operator_token.length < 32) {
    throw new ConfigError('invalid configuration at operator_token (env KEYSMITH_OPERATOR_TOKEN): must be at least 32 characters');
  }
  if (!config.plans[config.projects.default_plan]) {
    throw new ConfigError(`invalid configuration at projects.default_plan: no plan named "${config.projects.default_plan}" in plans`);
  }
  const retention = parseDuration(config.audit.retention);
  if (retention === null || retention < 3_600_000) {
    throw new ConfigError('invalid configuration at audit.retention (env KEYSMITH_AUDIT_RETENTION): must be a duration of at least 1h, e.g. "90d"');
  }
  if (config.admin_token && config.admin_token.length < 32) {
    throw new ConfigError('invalid configuration at admin_token (env KEYSMITH_ADMIN_TOKEN): must be at least 32 characters');
  }
  // Checked here, not only when the store opens, so a bad DSN is named before any later check (the
  // master key one) can mask it. Keep in step with openDialect (src/store/sql/open-store.ts).
  if (config.db.dsn && !/^(sqlite3?|postgres|postgresql|cockroach|mysql|mariadb):\/\//i.test(config.db.dsn)) {
    throw new ConfigError(
      `invalid configuration at db.dsn (env KEYSMITH_DB_DSN): unsupported database DSN ${redactDsn(config.db.dsn)}; the scheme must be sqlite://, postgres:// (postgresql://, cockroach://) or mysql://`,
    );
  }
  return config;
}
