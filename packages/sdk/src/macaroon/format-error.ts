/**
 * Every way a macaroon can be malformed (bad bytes, bad token string, caveat outside the language).
 * Decoders throw only this, so callers map one class to "invalid" and nothing escapes as a crash.
 */
export class MacaroonFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MacaroonFormatError';
  }
}
