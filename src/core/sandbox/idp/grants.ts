import { errors } from 'oidc-provider';
import type { AnyObject, KoaContext, Middleware, Provider, TokenModel } from 'oidc-provider';
import { OIDC_SCOPES, PASSWORD_GRANT, TOKEN_EXCHANGE_GRANT } from './clients';
import type { SigningKeyring } from './keys';
import { tokenExtras } from './okta-claims';
import { handleForJwt, looksLikeJwt } from './own-tokens';
import { DEFAULT_RESOURCE, resourceServerInfo } from './resources';
import type { SandboxStore } from './store';
import { checkPassword, userClaims } from './users';
import type { SandboxUser } from './users';

/** RFC 8693 token type of an access token. */
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

export interface GrantDeps {
  provider: Provider;
  store: SandboxStore;
  keyring: SigningKeyring;
  users: readonly SandboxUser[];
}

function param(ctx: KoaContext, name: string): string | undefined {
  const value = ctx.oidc.params[name];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

function splitScope(scope: string | undefined): string[] {
  return [...new Set((scope ?? '').split(' ').filter(Boolean))];
}

function requireClient(ctx: KoaContext) {
  const client = ctx.oidc.client;
  if (!client) throw new errors.InvalidClient('client authentication failed');
  return client;
}

/** Legacy ROPC (RFC 6749 §4.3), which Okta still offers when the app allows it. */
export function passwordGrant({ provider, users }: GrantDeps): Middleware {
  return async (ctx) => {
    const client = requireClient(ctx);
    const username = param(ctx, 'username');
    const password = param(ctx, 'password');
    if (!username || !password)
      throw new errors.InvalidRequest('username and password are required for the password grant');
    const user = checkPassword(users, username, password);
    if (!user) throw new errors.InvalidGrant('The credentials provided were invalid.');

    const requested = splitScope(param(ctx, 'scope'));
    if (requested.length === 0) throw new errors.InvalidScope('scope must be provided for the password grant');
    const allowed = new Set(splitScope(client.scope));
    for (const scope of requested) {
      if (!allowed.has(scope)) throw new errors.InvalidScope('requested scope is not allowed', scope);
    }

    const resource = param(ctx, 'resource') ?? DEFAULT_RESOURCE;
    const info = resourceServerInfo(resource);
    const rsScopes = new Set(info.scope.split(' '));
    const oidcScopes = requested.filter((scope) => (OIDC_SCOPES as readonly string[]).includes(scope));
    const tokenScopes = requested.filter((scope) => rsScopes.has(scope));

    const grant = new provider.Grant({ accountId: user.username, clientId: client.clientId });
    if (oidcScopes.length) grant.addOIDCScope(oidcScopes.join(' '));
    if (tokenScopes.length) grant.addResourceScope(resource, tokenScopes.join(' '));
    const grantId = await grant.save();

    const accessToken = new provider.AccessToken({
      accountId: user.username,
      client,
      grantId,
      gty: PASSWORD_GRANT,
      expiresWithSession: false,
    });
    accessToken.resourceServer = new provider.ResourceServer(resource, info);
    accessToken.scope = tokenScopes.join(' ') || undefined;
    ctx.oidc.entity('AccessToken', accessToken);
    const accessTokenValue = await accessToken.save();

    let refreshToken: string | undefined;
    if (requested.includes('offline_access') && client.grantTypeAllowed('refresh_token')) {
      const refresh = new provider.RefreshToken({
        accountId: user.username,
        client,
        grantId,
        gty: PASSWORD_GRANT,
        resource,
        rotations: 0,
        scope: requested.join(' '),
        authTime: Math.floor(Date.now() / 1000),
        expiresWithSession: false,
      });
      refreshToken = await refresh.save();
    }

    let idToken: string | undefined;
    if (oidcScopes.includes('openid')) {
      const token = new provider.IdToken(
        { ...userClaims(user, new Set(oidcScopes)), auth_time: Math.floor(Date.now() / 1000) },
        { ctx },
      );
      token.scope = oidcScopes.join(' ');
      idToken = await token.issue({ use: 'idtoken' });
    }

    ctx.body = {
      token_type: accessToken.tokenType,
      expires_in: accessToken.expiration,
      access_token: accessTokenValue,
      scope: accessToken.scope,
      ...(refreshToken ? { refresh_token: refreshToken } : {}),
      ...(idToken ? { id_token: idToken } : {}),
    };
  };
}

async function findSubjectToken({ provider, keyring }: GrantDeps, value: string): Promise<TokenModel | undefined> {
  const lookup = looksLikeJwt(value) ? await handleForJwt(value, keyring, provider.issuer) : value;
  return (await provider.AccessToken.find(lookup)) ?? (await provider.ClientCredentials.find(lookup));
}

/**
 * RFC 8693 token exchange: an access token of this IdP in, an access token
 * for the requested audience out, with `act` naming the calling client.
 */
export function tokenExchangeGrant(deps: GrantDeps): Middleware {
  const { provider, store } = deps;
  return async (ctx) => {
    const client = requireClient(ctx);
    const subjectToken = param(ctx, 'subject_token');
    const subjectTokenType = param(ctx, 'subject_token_type');
    if (!subjectToken || !subjectTokenType)
      throw new errors.InvalidRequest('subject_token and subject_token_type are required');
    if (subjectTokenType !== ACCESS_TOKEN_TYPE) {
      throw new errors.InvalidRequest(`unsupported subject_token_type; only ${ACCESS_TOKEN_TYPE} is accepted`);
    }
    const requestedType = param(ctx, 'requested_token_type');
    if (requestedType && requestedType !== ACCESS_TOKEN_TYPE) {
      throw new errors.InvalidRequest(`unsupported requested_token_type; only ${ACCESS_TOKEN_TYPE} can be issued`);
    }

    const subject = await findSubjectToken(deps, subjectToken);
    if (!subject?.isValid || !store.isClientActive(subject.clientId)) {
      throw new errors.InvalidGrant('subject_token is invalid, expired or revoked');
    }

    const resource = param(ctx, 'resource') ?? param(ctx, 'audience') ?? DEFAULT_RESOURCE;
    const info = resourceServerInfo(resource);
    const rsScopes = new Set(info.scope.split(' '));
    const subjectScopes = subject.scopes;
    const requested = splitScope(param(ctx, 'scope'));
    for (const scope of requested) {
      if (!subjectScopes.has(scope))
        throw new errors.InvalidScope('requested scope was not granted to the subject token', scope);
    }
    const scopes = (requested.length ? requested : [...subjectScopes]).filter((scope) => rsScopes.has(scope));

    const previousAct = subject.extra?.act;
    const extras: AnyObject = { act: { sub: client.clientId, ...(previousAct ? { act: previousAct } : {}) } };
    let token: TokenModel;
    if (subject.accountId) {
      token = new provider.AccessToken({
        accountId: subject.accountId,
        client,
        gty: TOKEN_EXCHANGE_GRANT,
        expiresWithSession: false,
      });
    } else {
      token = new provider.ClientCredentials({ client });
      extras.sub = subject.clientId;
    }
    tokenExtras.set(token, extras);
    token.resourceServer = new provider.ResourceServer(resource, info);
    token.scope = scopes.join(' ') || undefined;
    const value = await token.save();

    ctx.body = {
      access_token: value,
      issued_token_type: ACCESS_TOKEN_TYPE,
      token_type: token.tokenType,
      expires_in: token.expiration,
      ...(token.scope ? { scope: token.scope } : {}),
    };
  };
}

/** Parameters each extra grant reads from the token request. */
export const PASSWORD_PARAMS = ['username', 'password', 'scope', 'resource'];
export const TOKEN_EXCHANGE_PARAMS = [
  'subject_token',
  'subject_token_type',
  'actor_token',
  'actor_token_type',
  'requested_token_type',
  'audience',
  'resource',
  'scope',
];
