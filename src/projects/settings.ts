import type { ProjectDefaults } from '../config/schema.js';

/** A retired value and when it stops being accepted (null = never). */
export interface Retired {
  value: string;
  expires_at: string | null;
}

export type ClientIpSource = 'REMOTE_ADDR' | 'X_FORWARDED_FOR' | 'X_REAL_IP' | 'CF_CONNECTING_IP' | 'TRUE_CLIENT_IP';

/** Per-project configuration as stored and as the operator API shows it (snake_case JSON). */
export interface ProjectSettings {
  api_keys: {
    prefix: { current: string; retired: string[]; public_current: string; public_retired: string[] };
    default_ttl: string;
    max_ttl: string;
  };
  credentials: { issuer: string; issuer_retired: Retired[]; clock_skew: string };
  derived_tokens: {
    default_ttl: string;
    jwt_algorithm: 'EdDSA' | 'ES256' | 'RS256';
    macaroon_prefix: { current: string; retired: string[] };
  };
  cache: { enabled: boolean; ttl: string };
  rate_limit: { enabled: boolean };
  client_ip: { source: ClientIpSource; trusted_proxies: string[] };
  cors: { enabled: boolean; allowed_origins: string[] };
}

export function defaultSettings(d: ProjectDefaults): ProjectSettings {
  return {
    api_keys: {
      prefix: { current: d.key_prefix, retired: [], public_current: d.public_key_prefix, public_retired: [] },
      default_ttl: d.default_ttl,
      max_ttl: d.max_ttl,
    },
    credentials: { issuer: d.issuer, issuer_retired: [], clock_skew: d.clock_skew },
    derived_tokens: { default_ttl: d.derived_token_ttl, jwt_algorithm: 'EdDSA', macaroon_prefix: { current: d.macaroon_prefix, retired: [] } },
    cache: { enabled: false, ttl: '5m' },
    rate_limit: { enabled: false },
    client_ip: { source: 'REMOTE_ADDR', trusted_proxies: [] },
    cors: { enabled: false, allowed_origins: [] },
  };
}

/** Fills anything missing in a stored settings blob from the defaults (older rows, partial edits). */
export function withDefaults(stored: Record<string, unknown>, d: ProjectDefaults): ProjectSettings {
  const base = defaultSettings(d);
  const s = stored as Partial<ProjectSettings>;
  return {
    api_keys: { ...base.api_keys, ...s.api_keys, prefix: { ...base.api_keys.prefix, ...s.api_keys?.prefix } },
    credentials: { ...base.credentials, ...s.credentials },
    derived_tokens: {
      ...base.derived_tokens,
      ...s.derived_tokens,
      macaroon_prefix: { ...base.derived_tokens.macaroon_prefix, ...s.derived_tokens?.macaroon_prefix },
    },
    cache: { ...base.cache, ...s.cache },
    rate_limit: { ...base.rate_limit, ...s.rate_limit },
    client_ip: { ...base.client_ip, ...s.client_ip },
    cors: { ...base.cors, ...s.cors },
  };
}
