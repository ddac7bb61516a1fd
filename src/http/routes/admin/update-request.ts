import { AppError, invalidArgument } from '../../../errors/app-error.js';
import { cleanCidrs, cleanMetadata, cleanRateLimit, cleanScopes, cleanText, type RateLimitInput } from '../../../keys/key-input.js';
import type { KeyPatch } from '../../../store/records.js';

export const UPDATABLE = ['name', 'scopes', 'metadata', 'rate_limit_policy', 'ip_restriction'] as const;
type Updatable = (typeof UPDATABLE)[number];

export interface UpdateResourceBody {
  key_id?: string;
  name?: string;
  scopes?: string[];
  metadata?: Record<string, unknown>;
  rate_limit_policy?: RateLimitInput | null;
  ip_restriction?: { allowed_cidrs?: string[] } | null;
}

/**
 * AIP-134 update: the body is the resource (top-level, or wrapped as {"<wrapper>": {...}}); the mask
 * names what to change; no mask = every populated updatable field; a masked field left empty clears it.
 * Output-only fields in the body are ignored. Mask entries outside UPDATABLE are a 400.
 */
export function toPatch(body: unknown, wrapper: string, mask: string | undefined, pathKeyId: string): KeyPatch {
  const raw = body as Record<string, unknown>;
  const resource = (raw && typeof raw === 'object' && wrapper in raw ? raw[wrapper] : raw) as UpdateResourceBody;
  if (resource.key_id !== undefined && resource.key_id !== '' && resource.key_id.toLowerCase() !== pathKeyId)
    throw invalidArgument('key_id in the body does not match the path.', 'key_id');

  let fields: Updatable[];
  if (mask !== undefined && mask.trim() !== '') {
    fields = [];
    for (const entry of mask.split(',').map((s) => s.trim())) {
      const name = entry === 'ip_restriction.allowed_cidrs' ? 'ip_restriction' : entry.replace(/^(issued|imported)_api_key\./, '');
      if (name === '*') fields.push(...UPDATABLE);
      else if ((UPDATABLE as readonly string[]).includes(name)) fields.push(name as Updatable);
      else
        throw new AppError('INVALID_UPDATE_MASK', `update_mask may only name ${UPDATABLE.join(', ')}.`, {
          field: 'update_mask',
        });
    }
  } else {
    fields = UPDATABLE.filter((f) => resource[f] !== undefined);
  }

  const patch: KeyPatch = {};
  for (const f of new Set(fields)) {
    switch (f) {
      case 'name':
        patch.name = cleanText(resource.name, 'name') ?? '';
        break;
      case 'scopes':
        patch.scopes = cleanScopes(resource.scopes) ?? [];
        break;
      case 'metadata':
        patch.metadata = cleanMetadata(resource.metadata) ?? {};
        break;
      case 'rate_limit_policy':
        patch.rateLimit = resource.rate_limit_policy ? (cleanRateLimit(resource.rate_limit_policy) ?? null) : null;
        break;
      case 'ip_restriction':
        patch.allowedCidrs = cleanCidrs(resource.ip_restriction?.allowed_cidrs) ?? [];
        break;
    }
  }
  return patch;
}
