// Table-mode shapes of operator resources: nested objects become flat rows a person can scan.
// JSON mode never goes through here (it prints the API response unchanged).
import type { Project } from './operator-types.js';
import type { Column } from './output.js';

export const PROJECT_COLUMNS: Column[] = [
  { key: 'slug' },
  { key: 'name' },
  { key: 'plan' },
  { key: 'api_keys', get: (p) => (p.api_keys_enabled === true ? 'enabled' : 'disabled') },
  { key: 'keys', get: (p) => usageCell(p.usage as Project['usage']) },
  { key: 'custom_domains', header: 'domains' },
  { key: 'id' },
];

export const HMAC_COLUMNS: Column[] = [{ key: 'id' }, { key: 'state' }, { key: 'create_time', header: 'created' }, { key: 'expire_time', header: 'expires' }];

export const SIGNING_COLUMNS: Column[] = [{ key: 'kid' }, { key: 'alg' }, { key: 'state' }, { key: 'create_time', header: 'created' }];

/** `12/10000`, `3/unlimited`; absent when the server sent no usage. */
function usageCell(usage: Project['usage']): string | undefined {
  if (!usage || typeof usage !== 'object') return undefined;
  const max = usage.max_active_keys === null ? 'unlimited' : (usage.max_active_keys ?? '?');
  return `${usage.active_keys ?? '?'}/${max}`;
}

/** The project with `usage` spread into `active_keys` / `max_active_keys` (`null` → `unlimited`). */
export function projectView(project: Project): Record<string, unknown> {
  const { usage, ...rest } = project ?? ({} as Project);
  if (!usage || typeof usage !== 'object') return rest;
  return {
    ...rest,
    active_keys: usage.active_keys,
    max_active_keys: usage.max_active_keys === null ? 'unlimited' : usage.max_active_keys,
  };
}

/**
 * `{a: {b: 1, c: [x]}}` → `{'a.b': 1, 'a.c': [x]}`. Arrays and empty objects are leaves (the table
 * prints them as a list, compact JSON or `-`).
 */
export function flattenObject(obj: Record<string, unknown>, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(obj)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (isNonEmptyRecord(value)) Object.assign(out, flattenObject(value, path));
    else out[path] = value;
  }
  return out;
}

function isNonEmptyRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length > 0;
}
