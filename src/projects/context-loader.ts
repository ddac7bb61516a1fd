import { createPrivateKey, createPublicKey } from 'node:crypto';
import type { Plan, ProjectDefaults } from '../config/schema.js';
import { deriveSubkey } from '../crypto/hmac.js';
import { compileCidrs } from '../shared/ip.js';
import type { EnvelopeCipher } from '../crypto/envelope.js';
import { parseDuration } from '../shared/duration.js';
import type { Store } from '../store/ports.js';
import type { ProjectRecord } from '../store/records.js';
import type { HmacSecret, ProjectContext } from './project-context.js';
import { withDefaults } from './settings.js';
import { sealContext } from './secret-contexts.js';

export const PAGE_TOKEN_LABEL = 'keysmith/pagination/v1/cursor-key';
const MAX_CLOCK_SKEW_MS = 10 * 60_000; // a misconfiguration must not disable freshness checks

/** trusted_proxies may list bare addresses; as a CIDR they are /32 or /128. */
const asCidr = (entry: string) => (entry.includes('/') ? entry : `${entry}/${entry.includes(':') ? 128 : 32}`);

const ms = (text: string, fallback: number) => parseDuration(text) ?? fallback;

/** Builds a ProjectContext from the stored project and its sealed secrets. */
export async function loadProjectContext(
  store: Store,
  cipher: EnvelopeCipher,
  defaults: ProjectDefaults,
  project: ProjectRecord,
  plan: Plan,
): Promise<ProjectContext> {
  const settings = withDefaults(project.settings, defaults);
  const secrets = project.apiKeysEnabled ? await store.projects.listSecrets(project.id) : [];
  const hmacSecrets: HmacSecret[] = secrets
    .filter((s) => s.kind === 'hmac')
    .sort((a, b) => (a.state === b.state ? b.createdAt - a.createdAt : a.state === 'current' ? -1 : 1))
    .map((s) => ({
      id: s.secretId,
      key: cipher.open(s.sealed, sealContext(project.id, 'hmac', s.secretId)),
      expiresAt: s.state === 'current' ? null : s.expiresAt,
    }));
  const signingRecords = secrets.filter((s) => s.kind === 'signing' && s.publicJwk);
  const currentSigning = signingRecords.find((s) => s.state === 'current');
  const publicKeys = new Map(
    signingRecords.map((s) => [s.secretId, { alg: s.algorithm, key: createPublicKey({ key: JSON.parse(s.publicJwk as string), format: 'jwk' }) }]),
  );
  const p = settings.api_keys.prefix;
  return {
    id: project.id,
    slug: project.slug,
    plan: project.plan,
    maxActiveKeys: plan.max_active_keys,
    rateLimiting: plan.rate_limiting && settings.rate_limit.enabled,
    apiKeysEnabled: project.apiKeysEnabled,
    settings,
    keyPrefix: p.current,
    publicKeyPrefix: p.public_current,
    allowedPrefixes: new Set([p.current, p.public_current, ...p.retired, ...p.public_retired].filter(Boolean)),
    macaroonPrefixes: [settings.derived_tokens.macaroon_prefix.current, ...settings.derived_tokens.macaroon_prefix.retired],
    defaultTtlMs: ms(settings.api_keys.default_ttl, 90 * 86_400_000),
    maxTtlMs: ms(settings.api_keys.max_ttl, 365 * 86_400_000),
    cacheTtlMs: ms(settings.cache.ttl, 300_000),
    derivedTtlMs: ms(settings.derived_tokens.default_ttl, 3_600_000),
    clockSkewMs: Math.min(ms(settings.credentials.clock_skew, 300_000), MAX_CLOCK_SKEW_MS),
    issuer: settings.credentials.issuer,
    clientIpSource: settings.client_ip.source,
    trustedProxies: settings.client_ip.trusted_proxies.length ? compileCidrs(settings.client_ip.trusted_proxies.map(asCidr)) : null,
    hmacSecrets,
    signing: {
      current: currentSigning
        ? {
            kid: currentSigning.secretId,
            alg: currentSigning.algorithm,
            key: createPrivateKey({
              key: cipher.open(currentSigning.sealed, sealContext(project.id, 'signing', currentSigning.secretId)),
              format: 'der',
              type: 'pkcs8',
            }),
          }
        : null,
      publicKeys,
    },
    issuers: [
      { value: settings.credentials.issuer, expiresAt: null },
      ...settings.credentials.issuer_retired.map((r) => ({ value: r.value, expiresAt: r.expires_at ? Date.parse(r.expires_at) : null })),
    ],
    pageTokenKeys: hmacSecrets.map((s) => deriveSubkey(s.key, PAGE_TOKEN_LABEL)),
  };
}
