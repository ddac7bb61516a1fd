import type { Logger } from 'pino';
import { MemoryRateLimiter } from './memory-rate-limiter.js';
import type { RateLimiter } from './rate-limiter.js';

/**
 * The deployment's limiter: shared through Redis when `redis.url` is set (every node counts against
 * one budget per key), otherwise in-process (each node enforces the full policy on its own, so N nodes
 * behind a load balancer admit up to N× the policy — set redis.url when running more than one).
 */
export async function startRateLimiter(redis: { url: string; key_prefix: string }, logger: Logger): Promise<RateLimiter> {
  if (!redis.url) return new MemoryRateLimiter();
  // Loaded only when Redis is configured. Waits up to 1 s for the connection so a normal start enforces
  // from the first request; past that the node serves anyway (fail open until Redis is up).
  const { RedisRateLimiter } = await import('./redis-rate-limiter.js');
  const limiter = new RedisRateLimiter(redis.url, redis.key_prefix, logger).start();
  await limiter.ready(1000);
  return limiter;
}
