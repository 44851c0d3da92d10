import { systemClock } from '../clock';
import type { HttpResponse } from '../http/types';
import { postWithClientAuth, requireEndpoint } from './context';
import type { OAuthContext } from './context';
import { errorFromResponse } from './oauth-error';

export interface RevokeOptions {
  tokenTypeHint?: 'access_token' | 'refresh_token' | (string & {});
  extra?: Record<string, string>;
}

/** RFC 7009 revocation; any 2xx is success, even for a token the server never knew. */
export async function revoke(
  ctx: OAuthContext,
  token: string,
  options: RevokeOptions = {},
): Promise<{ response: HttpResponse }> {
  const url = requireEndpoint(ctx, 'revocation_endpoint', 'revocation endpoint', 'revocation');
  const response = await postWithClientAuth(ctx, {
    url,
    label: 'revocation endpoint',
    form: { token, token_type_hint: options.tokenTypeHint, ...(options.extra ?? {}) },
    secrets: [token],
  });
  if (response.status >= 200 && response.status < 300) return { response };
  throw errorFromResponse(response, `revocation endpoint ${url}`, {
    clock: ctx.clock ?? systemClock,
    callerAuthenticates: true,
  });
}
