import { randomBytes } from 'node:crypto';
import type { AnyObject, KoaContext, Provider, TokenModel } from 'oidc-provider';
import type { SandboxUser } from './users';

/**
 * Shapes tokens like an Okta custom authorization server's. Access tokens:
 * `ver`, `cid`, `uid`, `scp` (array), `groups` only where a groups claim is
 * configured, and `sub` = the user's login or, for client credentials, the
 * client id. RFC 9068's `client_id` and the `scope` string are left out
 * because Okta does not send them. ID tokens: `sub` = the user id (`00u…`),
 * with `ver`, `jti` (`ID.…`), `amr`, `idp`, `auth_time`, as the decoded ID
 * token in okta/okta-developer-docs@468de9c511b5e4009bb5f06c25cbf4b85fecb8d0
 * packages/@okta/vuepress-site/docs/guides/customize-tokens-groups-claim/main/index.md.
 */

/** The `idp` of ID tokens: the org's own id, as when Okta itself signed the user in. */
export const SANDBOX_ORG_IDP = '00osandbox0rg0000001';

/** Per-token details that a grant handler wants in the issued token (token exchange's `act`). */
export const tokenExtras = new WeakMap<object, AnyObject>();

/** `extraTokenClaims` for oidc-provider: becomes JWT claims and introspection members. */
export function oktaExtraClaims(users: readonly SandboxUser[], options: { groupsClaim: boolean }) {
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
      if (options.groupsClaim) claims.groups = [...user.groups];
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

/** Okta-shaped ID tokens: oidc-provider names the account (the login) as `sub`; Okta names the user id. */
export function installOktaIdTokens(provider: Provider, users: readonly SandboxUser[]): void {
  const { prototype } = provider.IdToken;
  const payload = prototype.payload;
  prototype.payload = async function oktaPayload(this: { ctx?: KoaContext }) {
    const claims = await payload.call(this);
    const user = users.find((candidate) => candidate.username === claims.sub || candidate.uid === claims.sub);
    if (!user) return claims;
    const entities = (this.ctx?.oidc as { entities?: Record<string, { authTime?: number } | undefined> } | undefined)
      ?.entities;
    const authTime =
      claims.auth_time ??
      entities?.AuthorizationCode?.authTime ??
      entities?.RefreshToken?.authTime ??
      entities?.DeviceCode?.authTime ??
      Math.floor(Date.now() / 1000);
    return {
      ...claims,
      sub: user.uid,
      ver: 1,
      jti: `ID.${randomBytes(32).toString('base64url')}`,
      amr: ['pwd'],
      idp: SANDBOX_ORG_IDP,
      auth_time: authTime,
    };
  };
}
