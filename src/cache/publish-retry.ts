import type { Logger } from 'pino';

const RETRIES = 20;
const RETRY_MS = 500;

/**
 * Sends one bus message; if that fails, keeps retrying in the background (every 500 ms, for 10 s)
 * instead of dropping it. Why: a node whose *publisher* is cut off while the other nodes still listen
 * would otherwise leave them a stale record (until its TTL) or a filter without a new key (until its
 * next rebuild). Late delivery is harmless — every message is idempotent. Never throws.
 */
export async function publishWithRetry(send: () => Promise<void>, logger: Logger, isClosed: () => boolean): Promise<boolean> {
  try {
    await send();
    return true;
  } catch (e) {
    logger.warn({ err: { name: (e as Error).name } }, 'cache invalidation publish failed; retrying in the background');
  }
  void (async () => {
    for (let i = 0; i < RETRIES && !isClosed(); i++) {
      await new Promise((r) => setTimeout(r, RETRY_MS).unref());
      if (isClosed()) return;
      try {
        await send();
        return;
      } catch {
        // next attempt
      }
    }
    if (!isClosed()) logger.error('cache invalidation publish abandoned after 10 s; other nodes rely on their TTLs and filter rebuilds');
  })();
  return false;
}
