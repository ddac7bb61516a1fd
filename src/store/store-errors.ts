/**
 * Storage failures, translated at the store boundary. Nothing above store/ sees a driver error;
 * the HTTP layer maps these to 409 / 503 / 504.
 */
export class UniqueViolation extends Error {
  constructor(readonly constraint: 'primary' | 'request_id' | 'lookup_hash' | 'slug' | 'token_hash' | 'domain' | 'unknown') {
    super(`unique violation (${constraint})`);
    this.name = 'UniqueViolation';
  }
}

export class StoreUnavailable extends Error {
  constructor(cause?: unknown) {
    super('database unavailable', { cause });
    this.name = 'StoreUnavailable';
  }
}

export class StoreTimeout extends Error {
  constructor(cause?: unknown) {
    super('database operation timed out', { cause });
    this.name = 'StoreTimeout';
  }
}

/** The project's active-key counter is at its plan limit. */
export class QuotaExceeded extends Error {
  constructor(
    readonly limit: number,
    readonly current: number,
  ) {
    super(`active key quota exceeded (${current}/${limit})`);
    this.name = 'QuotaExceeded';
  }
}
