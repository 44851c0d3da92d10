import type { KoaContext, Middleware, Provider } from 'oidc-provider';
import { CUSTOM_SCOPES, OIDC_SCOPES } from './clients';
import { ROUTES } from './configuration';
import { oauthRefusalBody, OKTA_OAUTH_REFUSALS } from './okta-answers';
import type { OktaRefusalName } from './okta-answers';
import type { SandboxStore } from './store';

/**
 * Makes the token endpoint refuse as Okta's does: oidc-provider decides
 * (client authentication, grant allowed), and this rewrites its words into
 * Okta's; the scope checks oidc-provider does not make (it silently drops an
 * undefined scope) are made on the form before it sees the request; the
 * access-policy denial a test asked for replaces a success.
 */

const KNOWN_SCOPES: ReadonlySet<string> = new Set([...OIDC_SCOPES, ...CUSTOM_SCOPES]);
const OIDC_SCOPE_SET: ReadonlySet<string> = new Set(OIDC_SCOPES);

/** A refusal to send before oidc-provider sees the request, or undefined. */
export function scopeRefusal(form: URLSearchParams): OktaRefusalName | undefined {
  const scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
  if (scopes.some((scope) => !KNOWN_SCOPES.has(scope))) return 'no_matching_scope';
  if (form.get('grant_type') === 'client_credentials' && scopes.some((scope) => OIDC_SCOPE_SET.has(scope))) {
    return 'openid_not_allowed_client_creds';
  }
  return undefined;
}

/** oidc-provider's reason (its error's detail, not the generic body text) → Okta's refusal. */
const REFUSALS: Readonly<Record<string, OktaRefusalName>> = {
  'no client authentication mechanism provided': 'missing_client_credentials',
  'invalid secret provided': 'invalid_client_secret',
  'client not found': 'invalid_client',
  'requested grant type is not allowed for this client': 'unauthorized_client',
};

export interface TokenEndpointPolicy {
  /** Client ids whose token requests the (imagined) access policy refuses. */
  deniedClients: ReadonlySet<string>;
  /** Where the tokens of a refused request are taken back. */
  store: SandboxStore;
}

interface IssuedEntity {
  grantId?: string;
  destroy?: () => Promise<void>;
}

/** Takes back what a refused request was issued, so no record of it can be introspected. */
async function discardIssued(ctx: KoaContext, store: SandboxStore): Promise<void> {
  const entities = (ctx.oidc as { entities?: Record<string, IssuedEntity | undefined> }).entities ?? {};
  for (const name of ['ClientCredentials', 'AccessToken', 'RefreshToken']) await entities[name]?.destroy?.();
  const grantId = entities.Grant ? (entities.Grant as { jti?: string }).jti : entities.AccessToken?.grantId;
  if (grantId) store.revokeGrant(grantId);
}

/** Installs the Okta wording and the policy denial on a provider. */
export function installOktaTokenEndpoint(provider: Provider, policy: TokenEndpointPolicy): void {
  const reasons = new WeakMap<object, string>();
  provider.on('grant.error', (ctx, error) => {
    // oidc-provider's errors carry the reason as error_detail (client authentication) or error_description.
    const { error_detail: detail, error_description: description } = (error ?? {}) as Record<string, unknown>;
    const reason = typeof detail === 'string' ? detail : description;
    if (typeof ctx === 'object' && ctx && typeof reason === 'string') reasons.set(ctx, reason);
  });
  provider.use(oktaTokenAnswers(policy, reasons));
}

function refuse(ctx: KoaContext, name: OktaRefusalName, fill?: string): void {
  ctx.status = OKTA_OAUTH_REFUSALS[name].status;
  ctx.body = oauthRefusalBody(name, fill);
}

function oktaTokenAnswers(policy: TokenEndpointPolicy, reasons: WeakMap<object, string>): Middleware {
  return async (ctx, next) => {
    if (ctx.method !== 'POST' || ctx.path !== ROUTES.token) return next();
    await next();
    const body = ctx.body as { error?: unknown } | undefined;
    const client = ctx.oidc?.client;
    if (ctx.status === 200 && client && policy.deniedClients.has(client.clientId)) {
      // Okta evaluates the access policy after authenticating the client; what was just made is taken back.
      await discardIssued(ctx, policy.store);
      refuse(ctx, 'no_matching_policy');
      return;
    }
    if (typeof body?.error !== 'string') return;
    // Other client-authentication failures (assertions, certificates) get Okta's general invalid_client words.
    const named = REFUSALS[reasons.get(ctx) ?? ''] ?? (body.error === 'invalid_client' ? 'invalid_client' : undefined);
    if (named) refuse(ctx, named, client?.grantTypes.join(', '));
  };
}
