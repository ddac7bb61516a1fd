import { sha256Hex } from '../crypto/hashes.js';
import type { Clock } from '../shared/clock.js';

/** A project API token minted for an operator session, for one project (kept here, never sent to the browser). */
export interface MintedToken {
  token: string;
  tokenId: string;
  expiresAt: number;
}

/** One signed-in browser. `secret` is the token the person typed: it stays in this process's memory only. */
export interface ConsoleSession {
  kind: 'operator' | 'project';
  secret: string;
  /** The token's project (project sessions only). */
  projectId: string | null;
  createdAt: number;
  lastSeen: number;
  /** Operator sessions: one short-lived admin token per project picked, by project id. */
  minted: Map<string, MintedToken>;
  /** Set when the session ends: a mint still in flight then revokes its token at once. */
  ended: boolean;
}

export interface SessionLimits {
  /** Signed out after this long without a request. */
  idleMs: number;
  /** Signed out this long after sign-in, however active. */
  absoluteMs: number;
  /** Most sessions kept per node; the least recently used one is dropped beyond it. */
  max: number;
}

export const DEFAULT_SESSION_LIMITS: SessionLimits = { idleMs: 30 * 60_000, absoluteMs: 12 * 3_600_000, max: 1_000 };

/**
 * The console's server-side sessions, in this node's memory (a load balancer needs sticky sessions, or
 * the person signs in again on another node — see docs/console.md). The browser holds only the opaque
 * session id (256 random bits); the map is keyed by its SHA-256 so a heap dump shows no usable cookie.
 */
export class ConsoleSessions {
  // A Map iterates in insertion order: re-inserting on use keeps it least-recently-used first.
  private readonly sessions = new Map<string, ConsoleSession>();

  constructor(
    private readonly clock: Clock,
    private readonly random: (bytes: number) => Buffer,
    private readonly limits: SessionLimits = DEFAULT_SESSION_LIMITS,
    /** Called with every session that ends (sign-out, expiry, eviction): revokes its minted tokens. */
    private readonly onEnd: (s: ConsoleSession) => void = () => {},
  ) {}

  /** Starts a session; returns the id for the cookie (the only place it ever appears). */
  create(kind: ConsoleSession['kind'], secret: string, projectId: string | null): string {
    this.sweep();
    while (this.sessions.size >= this.limits.max) {
      const oldest = this.sessions.keys().next().value as string;
      this.end(oldest);
    }
    const id = this.random(32).toString('base64url');
    const now = this.clock.now();
    this.sessions.set(sha256Hex(id), { kind, secret, projectId, createdAt: now, lastSeen: now, minted: new Map(), ended: false });
    return id;
  }

  /** The live session of this cookie value, touched; undefined if unknown or expired. */
  get(id: string | undefined): ConsoleSession | undefined {
    if (!id || id.length > 128) return undefined;
    const key = sha256Hex(id);
    const s = this.sessions.get(key);
    if (!s) return undefined;
    const now = this.clock.now();
    if (this.expired(s, now)) {
      this.end(key);
      return undefined;
    }
    s.lastSeen = now;
    this.sessions.delete(key);
    this.sessions.set(key, s);
    return s;
  }

  /** Signs out; a no-op for an unknown id. */
  delete(id: string | undefined): void {
    if (id && id.length <= 128) this.end(sha256Hex(id));
  }

  get size(): number {
    return this.sessions.size;
  }

  private expired(s: ConsoleSession, now: number): boolean {
    return now - s.lastSeen >= this.limits.idleMs || now - s.createdAt >= this.limits.absoluteMs;
  }

  /** Drops expired sessions from the least recently used end; stops at the first live one. */
  private sweep(): void {
    const now = this.clock.now();
    for (const [key, s] of this.sessions) {
      if (now - s.lastSeen < this.limits.idleMs && now - s.createdAt < this.limits.absoluteMs) break;
      this.end(key);
    }
  }

  private end(key: string): void {
    const s = this.sessions.get(key);
    if (!s) return;
    this.sessions.delete(key);
    s.ended = true;
    this.onEnd(s);
  }
}
