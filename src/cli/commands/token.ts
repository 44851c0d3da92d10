import { parseArgs } from 'node:util';
import { TOKEN_OPTIONS } from '../command-options';
import type { Clock } from '../../core/clock';
import { systemClock } from '../../core/clock';
import { isHttpError } from '../../core/http/http-error';
import { shellQuote, toCurl } from '../../core/http/curl';
import type { HttpClient, HttpExchange } from '../../core/http/types';
import { classifyToken, decodeJwt } from '../../core/jwt/decode';
import { formatLocal, formatRelative } from '../../core/jwt/time-format';
import { deviceAuthorization } from '../../core/oauth/device';
import type { DeviceUserCode } from '../../core/oauth/device';
import { GRANT_TYPES } from '../../core/flow/file-format';
import type { GrantType } from '../../core/flow/file-format';
import {
  authorizationCode,
  clientCredentials,
  passwordGrant,
  refreshToken,
  tokenExchange,
} from '../../core/oauth/grants';
import { splitScope } from '../../core/oauth/token-response';
import type { TokenSet } from '../../core/oauth/token-response';
import { CLIENT_OPTIONS_HELP, rejectSecretFlags, requireIdpSpec, SERVER_OPTIONS_HELP } from '../idp-options';
import { connectIdp } from '../idp-connect';
import type { CliIo } from '../io';
import { openInBrowser } from '../runtime';
import { EXIT, styler, UsageError } from '../io';
import { createProgress, deviceCodeCountdown } from '../progress';
import { runtimeFor } from '../runtime';

export const tokenHelp = `Usage: oidc-flow token [--grant GRANT] [--scope S]... [--audience A] [--resource R] [--param k=v]...
                       [--output token|json|env] [--curl] [--quiet] <IdP options>

Gets a token from the IdP. By default prints only the access token on standard
output, so it can be captured:  TOKEN=$(oidc-flow token --issuer ... --client-id ...)
and a one-line summary (type, scopes, expiry) on standard error.

Grants (--grant, default client_credentials):
  client_credentials     the application's own token
  authorization_code     signs a person in: opens the system browser (PKCE, loopback redirect;
                         --port N fixes the redirect port when the IdP needs it registered)
  device_code            prints a code to enter on another device, then waits
  refresh_token          with --refresh-token-env NAME (default OIDC_REFRESH_TOKEN)
  token_exchange         with --subject-token-env NAME (default OIDC_SUBJECT_TOKEN),
                         --subject-token-type T (default access_token), --requested-token-type T
  password               legacy; with --username U and --password-env NAME (default OIDC_PASSWORD)

Request:
  --scope S              a scope to request (repeat it, or give "a b")
  --audience A           audience parameter (Auth0 style; Okta ignores it)
  --resource R           RFC 8707 resource indicator
  --param k=v            any extra form parameter (repeatable)
Output:
  --output token         only the access token (default)
  --output json          the whole token set, refresh and ID tokens included
  --output env           "export OIDC_ACCESS_TOKEN=..." lines for eval
  --curl                 print the token request as a curl command on standard error
                         (secrets redacted)
  -q, --quiet            no progress line on the terminal while a device-code sign-in waits

${SERVER_OPTIONS_HELP}${CLIENT_OPTIONS_HELP}
Exit codes: 0 token obtained, 1 the IdP refused or failed, 2 wrong options.
`;

/** What the token command needs from outside, injectable for tests. */
export interface TokenCommandDeps {
  /** Opens the authorization URL (default: the system browser). */
  openBrowser?: (url: string) => Promise<void> | void;
  clock?: Clock;
  /** Waits between device-code polls. */
  sleep?: (ms: number) => Promise<void>;
}

/** The grant and its inputs, as the options and environment give them. */
export type TokenRequest =
  | { grant: 'client_credentials' }
  | { grant: 'authorization_code'; port?: number }
  | { grant: 'device_code' }
  | { grant: 'refresh_token'; refreshToken: string }
  | { grant: 'token_exchange'; subjectToken: string; subjectTokenType: string; requestedTokenType?: string }
  | { grant: 'password'; username: string; password: string };

export interface TokenRequestValues {
  grant?: string;
  port?: string;
  'refresh-token-env'?: string;
  'subject-token-env'?: string;
  'subject-token-type'?: string;
  'requested-token-type'?: string;
  username?: string;
  'password-env'?: string;
}

function fromEnv(env: Record<string, string | undefined>, name: string, flag: string, what: string): string {
  const value = env[name];
  if (!value || !value.trim())
    throw new UsageError(`${what} is read from the environment variable ${name} (${flag}), which is not set or empty.`);
  return value.trim();
}

/** Validates the grant options and reads the grant's secrets from the environment. */
export function parseTokenRequest(values: TokenRequestValues, env: Record<string, string | undefined>): TokenRequest {
  const grant = (values.grant ?? 'client_credentials') as GrantType;
  if (!GRANT_TYPES.includes(grant))
    throw new UsageError(`Unknown --grant "${values.grant}": use one of ${GRANT_TYPES.join(', ')}.`);
  const misplaced = (flag: keyof TokenRequestValues, owner: GrantType) => {
    if (values[flag] !== undefined && grant !== owner) throw new UsageError(`--${flag} belongs to --grant ${owner}.`);
  };
  misplaced('refresh-token-env', 'refresh_token');
  misplaced('subject-token-env', 'token_exchange');
  misplaced('subject-token-type', 'token_exchange');
  misplaced('requested-token-type', 'token_exchange');
  misplaced('username', 'password');
  misplaced('password-env', 'password');
  misplaced('port', 'authorization_code');
  switch (grant) {
    case 'client_credentials':
    case 'device_code':
      return { grant };
    case 'authorization_code': {
      if (values.port === undefined) return { grant };
      const port = Number(values.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new UsageError(`--port takes a port number (0-65535), got "${values.port}".`);
      return { grant, port };
    }
    case 'refresh_token':
      return {
        grant,
        refreshToken: fromEnv(
          env,
          values['refresh-token-env'] ?? 'OIDC_REFRESH_TOKEN',
          '--refresh-token-env',
          'The refresh token',
        ),
      };
    case 'token_exchange':
      return {
        grant,
        subjectToken: fromEnv(
          env,
          values['subject-token-env'] ?? 'OIDC_SUBJECT_TOKEN',
          '--subject-token-env',
          'The subject token',
        ),
        subjectTokenType: values['subject-token-type'] ?? 'access_token',
        requestedTokenType: values['requested-token-type'],
      };
    case 'password':
      if (!values.username)
        throw new UsageError(
          '--grant password needs --username (and the password in the variable named by --password-env, default OIDC_PASSWORD).',
        );
      return {
        grant,
        username: values.username,
        password: fromEnv(env, values['password-env'] ?? 'OIDC_PASSWORD', '--password-env', 'The password'),
      };
  }
}

/** Turns repeated "k=v" flags into form parameters. */
export function parseParams(list: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list) {
    const at = item.indexOf('=');
    if (at <= 0) throw new UsageError(`--param takes name=value, got "${item}".`);
    out[item.slice(0, at)] = item.slice(at + 1);
  }
  return out;
}

function jwtPayload(token: string | undefined): Record<string, unknown> | undefined {
  if (!token || classifyToken(token) !== 'jwt') return undefined;
  try {
    return decodeJwt(token).payload;
  } catch {
    return undefined;
  }
}

/** One line about a token set: type, scopes, expiry in local time and relative to now (epoch ms). */
export function tokenSummary(set: TokenSet, now: number, timeZone?: string): string {
  const payload = jwtPayload(set.accessToken);
  const scopes = set.scope ?? splitScope(payload?.scope) ?? splitScope(payload?.scp);
  const exp =
    set.expiresAt !== undefined ? set.expiresAt / 1000 : typeof payload?.exp === 'number' ? payload.exp : undefined;
  const parts = [
    `${set.tokenType} token (${payload ? 'JWT' : 'opaque'})`,
    scopes ? `scopes ${scopes.join(' ') || '(none)'}` : 'scopes not stated',
    exp !== undefined
      ? `expires ${formatLocal(exp, timeZone)} (${formatRelative(exp, now / 1000)})`
      : 'no expiry stated',
  ];
  if (set.refreshToken) parts.push('with a refresh token');
  if (set.idToken) parts.push('with an ID token');
  if (set.issuedTokenType) parts.push(`issued type ${set.issuedTokenType}`);
  return parts.join(', ');
}

/** "export NAME='value'" lines for eval in a POSIX shell. */
export function tokenEnvLines(set: TokenSet): string {
  const lines: Array<[string, string | undefined]> = [
    ['OIDC_ACCESS_TOKEN', set.accessToken],
    ['OIDC_TOKEN_TYPE', set.tokenType],
    ['OIDC_TOKEN_EXPIRES_AT', set.expiresAt === undefined ? undefined : String(Math.floor(set.expiresAt / 1000))],
    ['OIDC_REFRESH_TOKEN', set.refreshToken],
    ['OIDC_ID_TOKEN', set.idToken],
  ];
  return lines
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => `export ${name}=${shellQuote(value!)}\n`)
    .join('');
}

/** Keeps every exchange the client makes, failed ones included, for --curl. */
function recording(http: HttpClient, into: HttpExchange[]): HttpClient {
  return {
    send: async (request) => {
      try {
        const response = await http.send(request);
        into.push(response.exchange);
        return response;
      } catch (error) {
        if (isHttpError(error)) into.push(error.exchange);
        throw error;
      }
    },
  };
}

/** The exchanges worth showing as curl: the device authorization request and the last token request. */
export function curlExchanges(exchanges: readonly HttpExchange[]): HttpExchange[] {
  const device = exchanges.find((e) => e.label === 'device authorization endpoint');
  const token = [...exchanges].reverse().find((e) => e.label === 'token endpoint');
  return [device, token].filter((e): e is HttpExchange => e !== undefined);
}

/** Builds the token command with injected browser, clock and sleep. */
export function createTokenCommand(deps: TokenCommandDeps = {}): (args: string[], io: CliIo) => Promise<number> {
  return async (args, io) => {
    rejectSecretFlags(args);
    const { values } = parseArgs({
      args,
      allowPositionals: false,
      options: TOKEN_OPTIONS,
    });
    const output = values.output!;
    if (!['token', 'json', 'env'].includes(output))
      throw new UsageError(`Unknown --output "${output}": use token, json or env.`);
    const spec = requireIdpSpec(values, io.env);
    const request = parseTokenRequest(values, io.env);
    const extraFlags = parseParams(values.param ?? []);
    const clock = deps.clock ?? systemClock;
    const err = styler(io.stderr, io.env);
    const progress = createProgress(io.stderr, { quiet: values.quiet, env: io.env });

    const runtime = await runtimeFor({ io, ...values });
    const exchanges: HttpExchange[] = [];
    const abort = new AbortController();
    void io.interrupted?.then(() => abort.abort());
    try {
      const idp = await connectIdp(spec, {
        http: recording(runtime.deps.http, exchanges),
        io,
        clock,
        needClient: true,
      });
      for (const warning of idp.warnings) io.stderr.write(`${err.yellow('warning')}: ${warning}\n`);
      const scopeFlags = (values.scope ?? []).flatMap((s) => splitScope(s) ?? []);
      const scope = scopeFlags.length > 0 ? scopeFlags : idp.defaults.scopes;
      const audience = values.audience ?? idp.defaults.audience;
      const resource = values.resource ?? idp.defaults.resource;
      const extra = { ...(idp.defaults.extra ?? {}), ...extraFlags };
      const ctx = idp.ctx;
      let set: TokenSet;
      switch (request.grant) {
        case 'client_credentials':
          set = await clientCredentials(ctx, { scope, audience, resource, extra });
          break;
        case 'authorization_code': {
          const open = deps.openBrowser ?? openInBrowser;
          set = await authorizationCode(ctx, {
            scope: scope ?? ['openid'],
            port: request.port,
            extra: { ...(resource ? { resource } : {}), ...(audience ? { audience } : {}), ...extra },
            openBrowser: async (url) => {
              io.stderr.write(`Opening the browser to sign in (if it does not open, visit this URL):\n  ${url}\n`);
              await open(url);
            },
          });
          break;
        }
        case 'device_code':
          set = await deviceAuthorization(ctx, {
            scope,
            extra,
            signal: abort.signal,
            sleep: deps.sleep,
            onUserCode: (info: DeviceUserCode) => {
              io.stderr.write(
                `To sign in, open ${err.bold(info.verificationUriComplete ?? info.verificationUri)} and enter the code ${err.bold(info.userCode)} (valid ${Math.round(info.expiresIn / 60)} min). Waiting...\n`,
              );
              deviceCodeCountdown(progress, info, clock.now());
            },
          });
          break;
        case 'refresh_token':
          set = await refreshToken(ctx, request.refreshToken, { scope, extra });
          break;
        case 'token_exchange':
          set = await tokenExchange(ctx, {
            subjectToken: request.subjectToken,
            subjectTokenType: request.subjectTokenType,
            requestedTokenType: request.requestedTokenType,
            audience,
            resource,
            scope,
            extra,
          });
          break;
        case 'password':
          set = await passwordGrant(ctx, { username: request.username, password: request.password, scope, extra });
          break;
      }
      progress.stop();
      io.stderr.write(`${err.green('✔')} ${tokenSummary(set, clock.now())}\n`);
      if (output === 'token') io.stdout.write(`${set.accessToken}\n`);
      else if (output === 'env') io.stdout.write(tokenEnvLines(set));
      else io.stdout.write(`${JSON.stringify(set, null, 2)}\n`);
      return EXIT.ok;
    } finally {
      progress.stop();
      if (values.curl) {
        for (const exchange of curlExchanges(exchanges))
          io.stderr.write(`${err.dim(`# ${exchange.label}`)}\n${toCurl(exchange)}\n`);
      }
      await runtime.close();
    }
  };
}

/** oidc-flow token */
export const tokenCommand = createTokenCommand();
