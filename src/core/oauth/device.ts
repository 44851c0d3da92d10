import { systemClock } from '../clock';
import { OidcError } from '../errors';
import { postWithClientAuth, requireEndpoint, withExtra } from './context';
import type { OAuthContext } from './context';
import { errorFromResponse, isRecord, parseJson, readOAuthError } from './oauth-error';
import { parseTokenResponse, splitScope } from './token-response';
import type { TokenSet } from './token-response';

export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

export interface DeviceUserCode {
  userCode: string;
  verificationUri: string;
  verificationUriComplete?: string;
  /** Seconds the codes stay valid. */
  expiresIn: number;
  /** Seconds between polls. */
  interval: number;
}

export interface DeviceAuthorizationOptions {
  scope?: string | string[];
  extra?: Record<string, string>;
  /** Shows the user code and where to enter it. */
  onUserCode: (info: DeviceUserCode) => void;
  signal?: AbortSignal;
  /** Waits between polls; injectable so tests need not wait. */
  sleep?: (ms: number) => Promise<void>;
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

function aborted(where: string): OidcError {
  return new OidcError('oauth.device_aborted', `The device flow was cancelled while polling the ${where}.`, {
    where,
    hint: 'Start the device flow again when ready.',
  });
}

/** Device authorization grant (RFC 8628): shows a user code, then polls the token endpoint. */
export async function deviceAuthorization(ctx: OAuthContext, options: DeviceAuthorizationOptions): Promise<TokenSet> {
  const clock = ctx.clock ?? systemClock;
  const deviceUrl = requireEndpoint(ctx, 'device_authorization_endpoint', 'device authorization endpoint');
  const tokenUrl = requireEndpoint(ctx, 'token_endpoint', 'token endpoint');
  const deviceWhere = `device authorization endpoint ${deviceUrl}`;
  const tokenWhere = `token endpoint ${tokenUrl}`;
  const scope = Array.isArray(options.scope) ? options.scope.join(' ') : options.scope;
  const sleep = options.sleep ?? ((ms: number) => defaultSleep(ms, options.signal));

  const started = clock.now();
  const response = await postWithClientAuth(ctx, {
    url: deviceUrl,
    label: 'device authorization endpoint',
    form: withExtra({ scope }, options.extra),
    signal: options.signal,
  });
  const parsed = parseJson(response.text);
  const body = parsed && isRecord(parsed.value) ? parsed.value : undefined;
  if (response.status < 200 || response.status >= 300 || !body || typeof body.error === 'string') {
    throw errorFromResponse(response, deviceWhere, { clock, scope: splitScope(scope) });
  }
  // Google's older endpoint says verification_url; accept it rather than fail.
  const verificationUri =
    typeof body.verification_uri === 'string'
      ? body.verification_uri
      : typeof body.verification_url === 'string'
        ? body.verification_url
        : undefined;
  const deviceCode = body.device_code;
  if (typeof deviceCode !== 'string' || typeof body.user_code !== 'string' || !verificationUri) {
    const missing = ['device_code', 'user_code', 'verification_uri'].filter((f) =>
      f === 'verification_uri' ? !verificationUri : typeof body[f] !== 'string',
    );
    throw new OidcError('oauth.invalid_device_response', `The ${deviceWhere} answered without ${missing.join(', ')}.`, {
      where: deviceWhere,
      status: response.status,
      hint: 'Check that device_authorization_endpoint points at the device authorization endpoint and that the Device Authorization grant is enabled for the app.',
    });
  }
  const expiresIn = Number(body.expires_in);
  const info: DeviceUserCode = {
    userCode: body.user_code,
    verificationUri,
    verificationUriComplete:
      typeof body.verification_uri_complete === 'string' ? body.verification_uri_complete : undefined,
    expiresIn: Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : 600,
    interval: Number.isFinite(Number(body.interval)) && Number(body.interval) > 0 ? Number(body.interval) : 5,
  };
  options.onUserCode(info);

  let interval = info.interval;
  const deadline = started + info.expiresIn * 1000;
  for (;;) {
    if (options.signal?.aborted) throw aborted(tokenWhere);
    await sleep(interval * 1000);
    if (options.signal?.aborted) throw aborted(tokenWhere);
    if (clock.now() >= deadline) {
      throw new OidcError(
        'oauth.expired_token',
        `The device code expired after ${info.expiresIn} s before the user finished at ${info.verificationUri}.`,
        {
          where: tokenWhere,
          hint: 'Start the device flow again and enter the code sooner.',
        },
      );
    }
    const poll = await postWithClientAuth(ctx, {
      url: tokenUrl,
      label: 'token endpoint',
      form: { grant_type: DEVICE_CODE_GRANT, device_code: deviceCode },
      secrets: [deviceCode],
      signal: options.signal,
    });
    const error = readOAuthError(poll)?.error;
    if (error === 'authorization_pending') continue;
    if (error === 'slow_down') {
      interval += 5;
      continue;
    }
    if (error === 'expired_token') {
      throw new OidcError(
        'oauth.expired_token',
        `The ${tokenWhere} says the device code expired before the user finished at ${info.verificationUri}.`,
        {
          where: tokenWhere,
          status: poll.status,
          serverError: error,
          hint: 'Start the device flow again and enter the code sooner.',
        },
      );
    }
    if (error === 'access_denied') {
      throw new OidcError(
        'oauth.access_denied',
        `The user (or a policy) denied the device sign-in at ${info.verificationUri}.`,
        {
          where: tokenWhere,
          status: poll.status,
          serverError: error,
          serverDescription: readOAuthError(poll)?.error_description,
          hint: "Approve the request on the verification page; if you did, check the authorization server's access policy allows the Device Authorization grant for this app.",
        },
      );
    }
    return parseTokenResponse(poll, tokenWhere, { clock, grantType: DEVICE_CODE_GRANT, scope: splitScope(scope) });
  }
}
