import type { OidcErrorDetails } from '../errors';
import { OidcError } from '../errors';
import type { HttpErrorCode } from './error-codes';
import type { HttpExchange } from './types';

/** An HTTP-layer failure; `exchange` is the recorded attempt with `error` set. */
export class HttpError extends OidcError {
  // The exchange is the raw attempt: headers, form and secrets not yet redacted.
  // Non-enumerable, so logging, JSON.stringify, util.inspect or spreading the
  // error cannot spill it; whoever records exchanges reads err.exchange.
  declare readonly exchange: HttpExchange;

  constructor(code: HttpErrorCode, message: string, exchange: HttpExchange, details: OidcErrorDetails = {}) {
    super(code, message, details);
    this.name = 'HttpError';
    Object.defineProperty(this, 'exchange', {
      value: exchange,
      enumerable: false,
      writable: false,
      configurable: false,
    });
  }
}

/** Whether `value` is an HttpError. */
export function isHttpError(value: unknown): value is HttpError {
  return value instanceof HttpError;
}
