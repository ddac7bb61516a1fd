import { ERROR_CATALOGUE, type ErrorReason } from './catalogue.js';

export type ErrorMetadata = Record<string, string>;

/**
 * The one error class every layer throws for an expected failure. The HTTP error plugin turns it into
 * the AIP-193 shape; anything that is not an AppError becomes a sanitised 500.
 */
export class AppError extends Error {
  readonly reason: ErrorReason;
  readonly metadata: ErrorMetadata | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(reason: ErrorReason, message: string, metadata?: ErrorMetadata, headers?: Record<string, string>) {
    super(message);
    this.name = 'AppError';
    this.reason = reason;
    this.metadata = metadata;
    this.headers = headers;
  }

  get httpStatus(): number {
    return ERROR_CATALOGUE[this.reason].http;
  }
}

export const invalidArgument = (message: string, field?: string): AppError => new AppError('INVALID_ARGUMENT', message, field ? { field } : undefined);

export const keyNotFound = (): AppError => new AppError('API_KEY_NOT_FOUND', 'API key not found.');

export const isAppError = (e: unknown): e is AppError => e instanceof AppError;
