/**
 * Starts a server on 127.0.0.1 (port 0: a free one) and turns a failure to
 * listen (a port in use, no permission) into an OidcError that names the
 * port and says what to do. Only the listen's own failure is turned: the
 * error listener is removed once the server listens.
 */
import type { Server } from 'node:net';
import { OidcError } from './errors';
import type { ErrorCode, OidcErrorDetails } from './errors';

export interface ListenFailure {
  /** The error code, e.g. sandbox.gateway.listen. */
  code: ErrorCode;
  /** What could not listen, e.g. "The sandbox gateway". */
  what: string;
  hint: string;
  details?: Omit<OidcErrorDetails, 'hint' | 'cause'>;
}

/** Listens on `host`:`port` (default 127.0.0.1) and resolves with the port it got. */
export function listenLocal(
  server: Server,
  port: number | undefined,
  failure: ListenFailure,
  host = '127.0.0.1',
): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const failed = (error: Error): void =>
      reject(
        new OidcError(
          failure.code,
          `${failure.what} could not listen on ${host.includes(':') ? `[${host}]` : host}:${port ?? 0}: ${error.message}`,
          {
            ...failure.details,
            hint: failure.hint,
            cause: error,
          },
        ),
      );
    server.once('error', failed);
    server.listen(port ?? 0, host, () => {
      server.off('error', failed);
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : (port ?? 0));
    });
  });
}
