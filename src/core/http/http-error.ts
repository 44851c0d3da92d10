import type { OidcErrorDetails } from '../errors';
import { OidcError } from '../errors';
import type { HttpErrorCode } from './error-codes';
import type { HttpExchange } from './types';

/** An HTTP-layer failure; `exchange` is the recorded attempt with `error` set. */
export class HttpError extends OidcError {
  readonly exchange: HttpExchange;

  constructor(code: HttpErrorCode, message: string, exchange: HttpExchange, details: OidcErrorDetails = {}) {
    super(code, message, details);
    this.name = 'HttpError';
    this.exchange = exchange;
  }
}

/** Whether `value` is an HttpError. */
export function isHttpError(value: unknown): value is HttpError {
  return value instanceof HttpError;
}
