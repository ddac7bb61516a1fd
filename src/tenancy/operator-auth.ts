import { createHash, timingSafeEqual } from 'node:crypto';
import { AppError } from '../errors/app-error.js';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * The operator token (config `operator_token`). Compared in constant time over SHA-256 digests, so
 * neither the content nor the length of the configured token leaks through timing. With no token
 * configured the operator API exists but refuses every call.
 */
export class OperatorAuth {
  private readonly expected: Buffer | null;

  constructor(token: string) {
    this.expected = token ? digest(token) : null;
  }

  get enabled(): boolean {
    return this.expected !== null;
  }

  authenticate(authorization: string | undefined): void {
    if (!this.expected) throw new AppError('UNAUTHENTICATED', 'The operator API is disabled on this server: set operator_token (KEYSMITH_OPERATOR_TOKEN).');
    const m = authorization && authorization.length <= 1024 ? /^Bearer[ \t]+(\S+)\s*$/i.exec(authorization) : null;
    if (!m || !timingSafeEqual(digest(m[1]), this.expected))
      throw new AppError('UNAUTHENTICATED', 'A valid operator token is required: Authorization: Bearer <operator token>.');
  }
}
