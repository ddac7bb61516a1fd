import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { createClient } from 'redis';
import { type GcraPolicy, outcome, windowOf } from './gcra.js';
import type { RateLimitDecision, RateLimiter } from './rate-limiter.js';
import { GCRA_LUA } from './redis-gcra-script.js';

/** A verify must not wait on a sick Redis: past this, the request fails open. */
const COMMAND_TIMEOUT_MS = 250;
/** Background reconnect: 50 ms, 100 ms, … capped at 2 s, forever. */
const reconnectDelay = (retries: number) => Math.min(50 * 2 ** Math.min(retries, 6), 2000);

/**
 * GCRA state shared by every node through one Lua script (redis-gcra-script.ts), run with EVALSHA
 * and, when Redis answers NOSCRIPT (restart, SCRIPT FLUSH, failover), once with EVAL, which also
 * caches it again. Key: `<redis.key_prefix>rl:<projectId>:<keyId>`.
 *
 * "Now" is the calling node's injected Clock, so nodes need NTP-synced clocks: a node whose clock
 * runs δ ahead admits at most δ/T units early (ADR 0007 on why not Redis TIME).
 *
 * Redis down → fail open: the request is admitted without counting; one warning line per outage (the
 * first failure), one info line when Redis answers again; the offline queue is off and every command
 * has a timeout, so a verify never waits for a reconnect, which runs in the background.
 */
export class RedisRateLimiter implements RateLimiter {
  private readonly client;
  private readonly sha = createHash('sha1').update(GCRA_LUA).digest('hex');
  private down = false;
  /** Until the first connection attempt settles, "not connected" is start-up, not an outage. */
  private starting = true;
  private closed = false;

  constructor(
    url: string,
    private readonly keyPrefix: string,
    private readonly logger: Logger,
  ) {
    this.client = createClient({
      url,
      disableOfflineQueue: true,
      commandOptions: { timeout: COMMAND_TIMEOUT_MS },
      socket: { connectTimeout: 1000, reconnectStrategy: reconnectDelay },
    });
    // Connection errors arrive here on every reconnect attempt: count the outage once.
    this.client.on('error', (e: Error) => {
      this.starting = false;
      this.outage(e);
    });
    this.client.on('ready', () => {
      this.starting = false;
      this.recovered();
    });
  }

  /** Starts connecting in the background; never throws (a Redis down at start is an outage like any other). */
  start(): this {
    this.client.connect().catch((e: Error) => this.outage(e));
    return this;
  }

  /** Resolves once connected, on the first connection error, or after `timeoutMs` (start-up, tests). */
  async ready(timeoutMs: number): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while (!this.client.isReady && this.starting && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    return this.client.isReady;
  }

  async consume(projectId: string, keyId: string, policy: GcraPolicy, now: number): Promise<RateLimitDecision> {
    if (!this.client.isReady) {
      if (!this.starting) this.outage(new Error('not connected'));
      return { decision: 'fail_open' };
    }
    const t = Math.floor(now);
    const options = { keys: [`${this.keyPrefix}rl:${projectId}:${keyId}`], arguments: [String(t), String(policy.quota), String(windowOf(policy))] };
    try {
      let reply: unknown;
      try {
        reply = await this.client.evalSha(this.sha, options);
      } catch (e) {
        if (!(e instanceof Error) || !e.message.startsWith('NOSCRIPT')) throw e;
        reply = await this.client.eval(GCRA_LUA, options);
      }
      const [allowed, tat, rem] = reply as [number, string, string];
      this.recovered();
      const d = outcome(allowed === 1, { tat: Number(tat), rem: Number(rem), quota: policy.quota }, t, policy);
      return { decision: d.allowed ? 'allowed' : 'limited', remaining: d.remaining, resetAt: d.resetAt, retryAfterMs: d.retryAfterMs };
    } catch (e) {
      this.outage(e as Error);
      return { decision: 'fail_open' };
    }
  }

  private outage(e: Error): void {
    if (this.down || this.closed) return;
    this.down = true;
    // The URL may carry a password: log the error's name and message only, never the URL.
    this.logger.warn(
      { error: { name: e.name, message: e.message } },
      'rate limiter: Redis unreachable; failing open (admitting without counting) until it answers again',
    );
  }

  private recovered(): void {
    if (!this.down) return;
    this.down = false;
    this.logger.info('rate limiter: Redis reachable again; rate limits enforced');
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.client.isOpen) await this.client.close().catch(() => {});
    else this.client.destroy();
  }
}
