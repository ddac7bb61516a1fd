import { type AuthOutcome, createAuthenticator, type KeysmithAuthOptions, type KeysmithPrincipal, refusal } from './authenticate.js';

/** The parts of an Express (or plain node:http) request the middleware reads — structural, so no runtime dependency. */
export interface ExpressLikeRequest {
  headers: Record<string, string | string[] | undefined>;
  /** Express's `req.ip` (honours `trust proxy`); falls back to the socket address. */
  ip?: string;
  socket?: { remoteAddress?: string };
  keysmith?: KeysmithPrincipal;
}
export interface ExpressLikeResponse {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(body: string): unknown;
}
export type NextFunction = (err?: unknown) => void;

/**
 * Express middleware (`app.use(keysmithExpress({ client, jwt }))`): verifies the request's credential
 * and sets `req.keysmith`, or answers 401 (invalid/missing), 403 (scope), 429 (rate limited) or
 * 503 (verifier unreachable) with a small AIP-193 JSON body. Also works as a node:http handler step.
 */
export function keysmithExpress(opts: KeysmithAuthOptions): (req: ExpressLikeRequest, res: ExpressLikeResponse, next: NextFunction) => Promise<void> {
  const authenticate = createAuthenticator(opts);
  return async (req, res, next) => {
    let out: AuthOutcome;
    try {
      out = await authenticate(req.headers, req.ip ?? req.socket?.remoteAddress);
    } catch (e) {
      next(e);
      return;
    }
    if (out.ok) {
      req.keysmith = out.principal;
      next();
      return;
    }
    const r = refusal(out);
    res.statusCode = r.status;
    for (const [k, v] of Object.entries(r.headers)) res.setHeader(k, v);
    res.end(r.body);
  };
}
