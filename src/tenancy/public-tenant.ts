import { LRUCache } from 'lru-cache';
import { AppError } from '../errors/app-error.js';
import type { ProjectStore } from '../store/ports.js';

const CACHE_TTL_MS = 5_000; // a new custom domain or slug is served within seconds on every node
const projectNotFound = () => new AppError('PROJECT_NOT_FOUND', 'No project is served at this address.');

export interface PublicTenantOptions {
  /** e.g. `keys.example.com`: `<slug>.keys.example.com` names project <slug>. Empty = not used. */
  baseDomain: string;
  /** Read X-Forwarded-Host (first value) instead of Host — only behind a proxy that sets it. */
  trustForwardedHost: boolean;
  defaultSlug: string;
}

/**
 * The project of a public (unauthenticated) call — self-revocation, JWKS — in this order:
 * 1. a `/projects/<slug>/…` path prefix;
 * 2. the Host: `<slug>.<base_domain>`, or a registered custom domain;
 * 3. the default project, when the host says nothing: no base domain is configured (single-tenant
 *    and local setups), or the host is the base domain itself.
 * With a base domain configured, any other host is 404: a typo must not silently land on the default
 * project's keys. Results are cached briefly per host (hosts are attacker-chosen: the cache is bounded).
 */
export class PublicTenantResolver {
  private readonly cache = new LRUCache<string, string | false>({ max: 10_000, ttl: CACHE_TTL_MS });
  private readonly base: string;

  constructor(
    private readonly projects: Pick<ProjectStore, 'getBySlug' | 'getByDomain'>,
    private readonly opts: PublicTenantOptions,
  ) {
    this.base = opts.baseDomain.toLowerCase().replace(/\.$/, '');
  }

  /** Returns the project id or throws PROJECT_NOT_FOUND. */
  async resolve(headers: Record<string, string | string[] | undefined>, pathSlug?: string): Promise<string> {
    if (pathSlug !== undefined) return this.cached(`slug:${pathSlug}`, () => this.bySlug(pathSlug));
    const host = this.hostOf(headers);
    if (host === null) throw projectNotFound();
    return this.cached(`host:${host}`, () => this.byHost(host));
  }

  private hostOf(headers: Record<string, string | string[] | undefined>): string | null {
    let raw = this.opts.trustForwardedHost ? headers['x-forwarded-host'] : undefined;
    if (Array.isArray(raw)) raw = raw[0];
    if (typeof raw === 'string') raw = raw.split(',')[0];
    if (raw === undefined || raw === '') raw = headers.host as string | undefined;
    if (typeof raw !== 'string' || raw.length > 300) return raw === undefined ? '' : null;
    // Strip the port (also of a bracketed IPv6 literal), lower-case, drop a trailing dot.
    const host = raw
      .trim()
      .toLowerCase()
      .replace(/^\[([^\]]*)\](:\d+)?$/, '$1')
      .replace(/:\d+$/, '')
      .replace(/\.$/, '');
    return /^[a-z0-9.:-]*$/.test(host) ? host : null;
  }

  private async byHost(host: string): Promise<string | false> {
    if (this.base) {
      if (host === this.base) return this.bySlug(this.opts.defaultSlug);
      if (host.endsWith(`.${this.base}`)) {
        const label = host.slice(0, -this.base.length - 1);
        return label.includes('.') ? false : this.bySlug(label);
      }
    }
    const custom = host ? await this.projects.getByDomain(host) : undefined;
    if (custom) return custom.id;
    return this.base ? false : this.bySlug(this.opts.defaultSlug);
  }

  private async bySlug(slug: string): Promise<string | false> {
    if (!/^[a-z0-9-]{1,63}$/.test(slug)) return false;
    return (await this.projects.getBySlug(slug))?.id ?? false;
  }

  private async cached(key: string, load: () => Promise<string | false>): Promise<string> {
    let id = this.cache.get(key);
    if (id === undefined) {
      id = await load();
      this.cache.set(key, id);
    }
    if (!id) throw projectNotFound();
    return id;
  }
}
