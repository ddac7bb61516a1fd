import { randomBytes } from 'node:crypto';
import net from 'node:net';

/** The test Redis (KEYSMITH_TEST_REDIS_URL, default 127.0.0.1:6379). */
export const REDIS_URL = process.env.KEYSMITH_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A unique `redis.key_prefix` per test: parallel runs on one Redis never collide. */
export const uniqueRedisPrefix = () => `ks-test-${process.pid}-${randomBytes(4).toString('hex')}:`;

/**
 * Skip reason when Redis is down locally; under CI=true an unreachable Redis is a failure instead
 * (`failure` set: the caller registers a failing test).
 */
export async function redisGate(): Promise<{ skip: string | false; failure?: string }> {
  const u = new URL(REDIS_URL);
  const up = await new Promise<boolean>((resolve) => {
    const s = net.connect({ host: u.hostname, port: Number(u.port || 6379), timeout: 1500 });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
    s.once('timeout', () => {
      s.destroy();
      resolve(false);
    });
  });
  if (up) return { skip: false };
  const msg = `Redis not reachable at ${u.host}`;
  return process.env.CI === 'true' ? { skip: false, failure: `${msg} (CI=true: an unreachable Redis is a failure, not a skip)` } : { skip: msg };
}
