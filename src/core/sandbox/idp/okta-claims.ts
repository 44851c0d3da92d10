import type { AnyObject, KoaContext, TokenModel } from 'oidc-provider';
import type { SandboxUser } from './users';

/**
 * Shapes access tokens like an Okta custom authorization server's:
 * `ver`, `cid`, `uid`, `scp` (array), `groups`, and `sub` = the user's login
 * or, for client credentials, the client id. RFC 9068's `client_id` and the
 * `scope` string are left out because Okta does not send them.
 */

/** Per-token details that a grant handler wants in the issued token (token exchange's `act`). */
export const tokenExtras = new WeakMap<object, AnyObject>();

/** `extraTokenClaims` for oidc-provider: becomes JWT claims and introspection members. */
export function oktaExtraClaims(users: readonly SandboxUser[]) {
  return (_ctx: KoaContext, token: TokenModel): AnyObject => {
    const claims: AnyObject = {
      ver: 1,
      cid: token.clientId,
      scp: token.scope ? token.scope.split(' ') : [],
    };
    const user = token.accountId ? users.find((candidate) => candidate.username === token.accountId) : undefined;
    // Okta names the client as the subject of client-credentials tokens.
    if (!token.accountId) claims.sub = token.clientId;
    if (user) {
      claims.uid = user.uid;
      claims.groups = [...user.groups];
      // Okta's introspection names the user; harmless in the JWT.
      claims.username = user.username;
    }
    return { ...claims, ...tokenExtras.get(token) };
  };
}

/** Removes the JWT payload fields that Okta's access tokens do not have. */
export function toOktaJwtPayload(token: TokenModel, payload: AnyObject): void {
  delete payload.scope;
  delete payload.client_id;
  delete payload.username;
  // oidc-provider sets `sub` after the extra claims; a token-exchange token for a
  // client-credentials subject names that client, not the caller.
  const extraSub = token.extra?.sub;
  if (typeof extraSub === 'string') payload.sub = extraSub;
}
