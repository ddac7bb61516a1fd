import type { FastifyInstance } from 'fastify';
import { AppError } from '../../errors/app-error.js';

/** /health/alive answers while the process runs; /health/ready also pings the database. */
export function registerHealthRoutes(app: FastifyInstance, ping: () => Promise<void>): void {
  app.get('/health/alive', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/health/ready', { schema: { hide: true } }, async () => {
    try {
      await ping();
    } catch {
      throw new AppError('SERVICE_UNAVAILABLE', 'The database is not reachable.');
    }
    return { status: 'ok' };
  });
}
