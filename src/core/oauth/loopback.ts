import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { OidcError } from '../errors';
import { listenLocal } from '../listen';
import { requestTarget } from '../url';
import { hintForOAuthError, serverErrorCode } from './oauth-error';

export interface LoopbackOptions {
  expectedState: string;
  /** Milliseconds to wait for the browser to come back. */
  timeoutMs: number;
  /** Callback path, default `/callback`. */
  path?: string;
  /** Port on 127.0.0.1; 0 (default) picks a free one. Okta needs the exact redirect URI registered. */
  port?: number;
  /** When set, an `iss` in the callback must equal it (RFC 9207). */
  expectedIssuer?: string;
  /** The server advertises RFC 9207, so `iss` must be present. */
  requireIssuer?: boolean;
}

export interface LoopbackCallback {
  code: string;
  state: string;
  iss?: string;
}

export interface LoopbackListener {
  redirectUri: string;
  result: Promise<LoopbackCallback>;
  close(): Promise<void>;
}

const WHERE = 'loopback redirect listener';

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, lines: string[]): string {
  const body = lines.map((line) => `<p>${escapeHtml(line)}</p>`).join('\n');
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>\n<body><h1>${escapeHtml(title)}</h1>\n${body}\n</body></html>\n`;
}

function send(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    // The page carries no script or style; the URL that reached it carries a code.
    'Content-Security-Policy': "default-src 'none'",
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
    Connection: 'close',
  });
  res.end(html);
}

/** Listens on 127.0.0.1 for one authorization response (RFC 8252 loopback redirect). */
export async function startLoopbackListener(options: LoopbackOptions): Promise<LoopbackListener> {
  const path = options.path ?? '/callback';
  let settled = false;
  let resolve!: (value: LoopbackCallback) => void;
  let reject!: (error: OidcError) => void;
  const result = new Promise<LoopbackCallback>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Nobody may be awaiting yet when a timeout fires; the caller still sees the rejection.
  result.catch(() => undefined);

  const fail = (res: ServerResponse, error: OidcError, lines: string[]): void => {
    settled = true;
    send(res, 400, page('Sign-in failed', [...lines, 'You can close this tab and return to OIDC Flow Debugger.']));
    reject(error);
  };

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    // A browser sends origin-form only; an absolute URL here is no redirect of ours.
    const url = req.url?.startsWith('/') ? requestTarget(req.url) : undefined;
    if (req.method !== 'GET' || url?.pathname !== path) {
      send(res, 404, page('Not found', ['This address only receives the sign-in response.']));
      return;
    }
    if (settled) {
      send(
        res,
        400,
        page('Already used', ['This sign-in response was already received; each one can be used only once.']),
      );
      return;
    }
    const q = url.searchParams;
    const state = q.get('state') ?? undefined;
    const error = q.get('error') ?? undefined;
    if (state !== options.expectedState && !(error && state === undefined)) {
      fail(
        res,
        new OidcError(
          'oauth.state_mismatch',
          `The ${WHERE} received state ${state === undefined ? '(none)' : `"${state}"`}, which is not the state this flow sent.`,
          {
            where: WHERE,
            hint: 'The response belongs to another sign-in attempt (or was forged); start the flow again and finish it in the same browser tab.',
          },
        ),
        [
          `The state in the response${state === undefined ? ' is missing' : ` ("${state}") does not match`}; this response is not for this sign-in.`,
        ],
      );
      return;
    }
    if (error) {
      const description = q.get('error_description') ?? undefined;
      fail(
        res,
        new OidcError(
          serverErrorCode('oauth', error),
          `The authorization endpoint redirected back with error ${error}${description ? `: ${description}` : ''}.`,
          {
            where: 'authorization endpoint',
            serverError: error,
            serverDescription: description,
            hint: hintForOAuthError(error),
          },
        ),
        [`The identity provider returned an error: ${error}`, ...(description ? [description] : [])],
      );
      return;
    }
    const iss = q.get('iss') ?? undefined;
    if (
      options.expectedIssuer !== undefined &&
      (iss !== undefined || options.requireIssuer) &&
      iss !== options.expectedIssuer
    ) {
      fail(
        res,
        new OidcError(
          iss === undefined ? 'oauth.iss_missing' : 'oauth.iss_mismatch',
          iss === undefined
            ? `The ${WHERE} received no iss parameter although the server advertises authorization_response_iss_parameter_supported.`
            : `The ${WHERE} received iss "${iss}", expected "${options.expectedIssuer}".`,
          {
            where: WHERE,
            hint: 'The response may come from another authorization server (mix-up attack) or the issuer is misconfigured; check which IdP the browser went to.',
          },
        ),
        [
          iss === undefined
            ? 'The response does not say which server issued it.'
            : `The response came from ${iss}, not from the expected server.`,
        ],
      );
      return;
    }
    const code = q.get('code');
    if (!code) {
      fail(
        res,
        new OidcError('oauth.missing_code', `The ${WHERE} was called without a code or an error.`, {
          where: WHERE,
          hint: 'Check that response_type=code was requested and that nothing rewrote the redirect.',
        }),
        ['The response carries no authorization code.'],
      );
      return;
    }
    settled = true;
    send(
      res,
      200,
      page('Signed in', [
        'The authorization code was received.',
        'You can close this tab and return to OIDC Flow Debugger.',
      ]),
    );
    resolve({ code, state: state as string, iss });
  };

  const server = createServer(handle);
  const port = await listenLocal(server, options.port, {
    code: 'oauth.loopback_listen',
    what: `The ${WHERE}`,
    hint: 'Pick another port, or free the one in use; it must match a redirect URI registered for the application.',
    details: { where: WHERE },
  });
  const redirectUri = `http://127.0.0.1:${port}${path}`;

  const timer = setTimeout(() => {
    if (settled) return;
    settled = true;
    reject(
      new OidcError(
        'oauth.loopback_timeout',
        `No sign-in response reached ${redirectUri} within ${Math.round(options.timeoutMs / 1000)} s.`,
        {
          where: WHERE,
          hint: `Finish the sign-in in the browser sooner, and check that ${redirectUri} is registered as a sign-in redirect URI for the application.`,
        },
      ),
    );
  }, options.timeoutMs);
  timer.unref();

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= new Promise<void>((res) => {
      clearTimeout(timer);
      if (!settled) {
        settled = true;
        reject(
          new OidcError(
            'oauth.loopback_closed',
            `The ${WHERE} at ${redirectUri} was closed before a response arrived.`,
            { where: WHERE },
          ),
        );
      }
      server.close(() => res());
      server.closeIdleConnections();
    });
    return closed;
  };
  return { redirectUri, result, close };
}
