import { type AuthOutcome, createAuthenticator, type KeysmithAuthOptions, type KeysmithPrincipal, refusal } from './authenticate.js';

/** The parts of a Fastify request/reply/instance the hook uses — structural, so no runtime dependency on fastify. */
export interface FastifyLikeRequest {
  headers: Record<string, string | string[] | undefined>;
  /** Fastify's `request.ip` (honours `trustProxy`). */
  ip: string;
  keysmith?: KeysmithPrincipal | null;
}
export interface FastifyLikeReply {
  code(status: number): FastifyLikeReply;
  header(name: string, value: string): FastifyLikeReply;
  send(payload: string): FastifyLikeReply;
}
export interface FastifyLikeInstance {
  decorateRequest(name: string, value: null): unknown;
  hasRequestDecorator(name: string): boolean;
  addHook(name: 'preHandler', hook: (request: FastifyLikeRequest, reply: FastifyLikeReply) => Promise<unknown>): unknown;
}

/**
 * A Fastify preHandler for one route or a scope: `{ preHandler: keysmithPreHandler({ client, jwt }) }`.
 * Sets `request.keysmith`, or answers 401/403/429/503 with a small AIP-193 JSON body.
 */
export function keysmithPreHandler(opts: KeysmithAuthOptions): (request: FastifyLikeRequest, reply: FastifyLikeReply) => Promise<unknown> {
  const authenticate = createAuthenticator(opts);
  return async (request, reply) => {
    const out: AuthOutcome = await authenticate(request.headers, request.ip);
    if (out.ok) {
      request.keysmith = out.principal;
      return undefined;
    }
    const r = refusal(out);
    reply.code(r.status);
    for (const [k, v] of Object.entries(r.headers)) reply.header(k, v);
    return reply.send(r.body);
  };
}

/**
 * Fastify plugin: `await app.register(keysmithFastify, { client, jwt })` protects every route of the
 * registering scope (it is not encapsulated, like a fastify-plugin-wrapped plugin: register it inside
 * your own plugin to protect only that plugin's routes).
 */
export async function keysmithFastify(instance: FastifyLikeInstance, opts: KeysmithAuthOptions): Promise<void> {
  if (!instance.hasRequestDecorator('keysmith')) instance.decorateRequest('keysmith', null);
  instance.addHook('preHandler', keysmithPreHandler(opts));
}
// What fastify-plugin sets: skip encapsulation so the hook applies to the caller's scope.
Object.assign(keysmithFastify, { [Symbol.for('skip-override')]: true, [Symbol.for('fastify.display-name')]: '@keysmith/sdk' });
