import { AppError } from '../errors/app-error.js';

export interface KeyFilter {
  actorId?: string;
  status?: 'active' | 'revoked' | 'expired';
}

const STATUSES: Record<string, KeyFilter['status']> = {
  KEY_STATUS_ACTIVE: 'active',
  KEY_STATUS_REVOKED: 'revoked',
  KEY_STATUS_EXPIRED: 'expired',
};

const bad = (why: string) =>
  new AppError('INVALID_FILTER', `Unsupported filter: ${why}. Supported: actor_id="…" and status=KEY_STATUS_ACTIVE|REVOKED|EXPIRED, joined by AND.`);

/**
 * The AIP-160 subset of Talos: `actor_id="…"`, `status=KEY_STATUS_…`, joined by `AND`. Anything else
 * (OR, NOT, other fields, duplicates, empty clauses) is refused. Values become bound parameters.
 * Unlike Talos, a status filter alone is allowed.
 */
export function parseFilter(text: string | undefined): KeyFilter {
  const out: KeyFilter = {};
  if (text === undefined || text.trim() === '') return out;
  let rest = text.trim();
  for (;;) {
    const m = /^(actor_id|status)\s*=\s*/.exec(rest);
    if (!m) throw bad('expected actor_id or status');
    rest = rest.slice(m[0].length);
    if (m[1] === 'actor_id') {
      if (out.actorId !== undefined) throw bad('actor_id appears twice');
      // biome-ignore lint/suspicious/noControlCharactersInRegex: a quoted value may not contain control characters
      const q = /^"((?:[^"\\\u0000-\u001f]|\\["\\])*)"/.exec(rest);
      if (!q) throw bad('actor_id needs a double-quoted value');
      out.actorId = q[1].replace(/\\(["\\])/g, '$1');
      rest = rest.slice(q[0].length);
    } else {
      if (out.status !== undefined) throw bad('status appears twice');
      const s = /^"?(KEY_STATUS_[A-Z]+)"?/.exec(rest);
      const status = s ? STATUSES[s[1]] : undefined;
      if (!s || !status) throw bad('unknown status value');
      out.status = status;
      rest = rest.slice(s[0].length);
    }
    rest = rest.trimStart();
    if (rest === '') return out;
    const and = /^AND\s+/.exec(rest);
    if (!and) throw bad('clauses must be joined by AND');
    rest = rest.slice(and[0].length);
  }
}
