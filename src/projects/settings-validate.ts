import ipaddr from 'ipaddr.js';
import { Compile } from 'typebox/compile';
import type { Plan } from '../config/schema.js';
import { AppError, invalidArgument } from '../errors/app-error.js';
import { parseDuration } from '../shared/duration.js';
import type { ProjectSettings } from './settings.js';
import { ProjectSettingsSchema } from './settings-schema.js';

const check = Compile(ProjectSettingsSchema);
const DAY = 86_400_000;

const MAX_PATCH_DEPTH = 8; // the settings are 4 levels deep; anything deeper is hostile or a mistake

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** RFC 7396 JSON merge patch: objects merge, everything else replaces, null removes (defaults refill). */
export function mergePatch(target: unknown, patch: unknown, depth = 0): unknown {
  if (!isObject(patch)) return patch;
  if (depth >= MAX_PATCH_DEPTH) throw invalidArgument(`The patch is nested deeper than ${MAX_PATCH_DEPTH} levels.`);
  const out: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k === '__proto__' || k === 'constructor' || k === 'prototype') throw invalidArgument(`unknown setting "${k}"`, k);
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v, depth + 1);
  }
  return out;
}

/**
 * Puts back what is missing (a `null` in a merge patch removes a setting: its default returns), and
 * nothing else: wrong types and unknown keys stay, for validateSettings to refuse.
 */
export function fillMissing(value: unknown, defaults: unknown): unknown {
  if (!isObject(value) || !isObject(defaults)) return value === undefined ? defaults : value;
  const out: Record<string, unknown> = { ...value };
  for (const [k, d] of Object.entries(defaults)) out[k] = k in value ? fillMissing(value[k], d) : d;
  return out;
}

function duration(text: string, field: string, min: number, max: number): number {
  const ms = parseDuration(text);
  if (ms === null || ms < min || ms > max) throw invalidArgument(`${field} must be a duration between ${min / 1000}s and ${max / 1000}s.`, field);
  return ms;
}

/**
 * Validates a complete settings object: shape (schema), then meaning (duration bounds, prefix
 * consistency, CIDRs, origins), then what the plan allows. Throws a 400 naming the field, or 403
 * PLAN_FEATURE_UNAVAILABLE.
 */
export function validateSettings(candidate: unknown, plan: Plan): ProjectSettings {
  if (!check.Check(candidate)) {
    const e = check.Errors(candidate)[0];
    const extra = (e?.params as { additionalProperties?: string[] } | undefined)?.additionalProperties;
    const path = e?.instancePath ? e.instancePath.slice(1).replaceAll('/', '.') : '';
    const field = extra?.length ? [path, extra[0]].filter(Boolean).join('.') : path;
    throw invalidArgument(extra?.length ? `unknown setting "${field}"` : `${field || 'config'}: ${e?.message ?? 'invalid'}`, field);
  }
  const s = candidate as ProjectSettings;
  const maxTtl = duration(s.api_keys.max_ttl, 'api_keys.max_ttl', 1000, 3650 * DAY);
  const defTtl = duration(s.api_keys.default_ttl, 'api_keys.default_ttl', 1000, 3650 * DAY);
  if (defTtl > maxTtl) throw invalidArgument('api_keys.default_ttl must not exceed api_keys.max_ttl.', 'api_keys.default_ttl');
  duration(s.derived_tokens.default_ttl, 'derived_tokens.default_ttl', 1000, maxTtl);
  duration(s.credentials.clock_skew, 'credentials.clock_skew', 0, 600_000);
  duration(s.cache.ttl, 'cache.ttl', 1000, DAY);
  const p = s.api_keys.prefix;
  if (p.current === p.public_current)
    throw invalidArgument('api_keys.prefix.public_current must differ from api_keys.prefix.current.', 'api_keys.prefix.public_current');
  if (p.retired.includes(p.current) || p.public_retired.includes(p.public_current))
    throw invalidArgument('a current prefix cannot also be retired.', 'api_keys.prefix.retired');
  if (s.derived_tokens.macaroon_prefix.retired.includes(s.derived_tokens.macaroon_prefix.current))
    throw invalidArgument('a current macaroon prefix cannot also be retired.', 'derived_tokens.macaroon_prefix.retired');
  for (const cidr of s.client_ip.trusted_proxies) {
    try {
      if (cidr.includes('/')) ipaddr.parseCIDR(cidr);
      else ipaddr.parse(cidr);
    } catch {
      throw invalidArgument('client_ip.trusted_proxies contains an invalid address or CIDR.', 'client_ip.trusted_proxies');
    }
  }
  for (const origin of s.cors.allowed_origins)
    if (origin !== '*' && !/^https?:\/\/(\*\.)?[a-zA-Z0-9.-]+(:\d{1,5})?$/.test(origin))
      throw invalidArgument(
        'cors.allowed_origins entries must be "*" or an origin like https://app.example.com (optionally https://*.example.com).',
        'cors.allowed_origins',
      );
  if (s.cache.enabled && !plan.caching)
    throw new AppError('PLAN_FEATURE_UNAVAILABLE', 'The project plan does not include response caching.', { feature: 'cache' });
  if (s.rate_limit.enabled && !plan.rate_limiting)
    throw new AppError('PLAN_FEATURE_UNAVAILABLE', 'The project plan does not include rate-limit enforcement.', { feature: 'rate_limit' });
  return s;
}
