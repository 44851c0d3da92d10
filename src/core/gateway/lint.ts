import type { AuthorizationServerMetadata } from '../oauth/metadata';
import { claimValues, missingRequired, withKongDefaults } from './kong-oidc-config';
import type { KongOidcConfig } from './kong-oidc-config';
import type { GatewayModel, KongConsumerEntity } from './model';
import { kongAtLeast } from './kong-version';
import { kongOpenidConnect } from './profiles/kong-openid-connect';

/** One problem in a route's OIDC configuration, with the evidence and the fix. */
export interface LintFinding {
  rule: string;
  severity: 'error' | 'warning' | 'info';
  /** The plugin config field at fault, e.g. "config.scopes_claim". */
  field: string;
  message: string;
  evidence?: string;
  fix: string;
}

export interface LintContext {
  /** The IdP's discovery document, when it could be fetched. */
  metadata?: AuthorizationServerMetadata;
  /** A real token's claims (decoded JWT or introspection answer) to check requirements against. */
  token?: { kind: 'jwt' | 'opaque' | 'jwe'; claims: Record<string, unknown> };
  /** Longest acceptable delay between revocation and rejection, seconds (default 60). */
  revocationDelayThreshold?: number;
  /** Whether the config came from a file (decK), where plain-text secrets are a finding. */
  fromFile?: boolean;
  /**
   * The config is a partial description of the route (a flow file's
   * `gateway.config`), not the plugin's whole config: a field left out is
   * unknown rather than Kong's default, so the rules that report a field as
   * missing or left at its default (no client_id, all nine auth_methods,
   * ssl_verify off, query tokens, cached introspection, JWTs not
   * introspected) stay quiet unless the field is written, even as null.
   * The checks of a token against the route's requirements (scopes,
   * audience, consumer mapping) still read absent claim names and
   * auth_methods as Kong's defaults: a description that lists requirements
   * is expected to name a non-default claim or auth method.
   */
  partial?: boolean;
  /** The gateway's consumers and where they were read, or why they could not be read. */
  consumers?: { list: readonly KongConsumerEntity[]; where: string } | { unavailable: string };
  /** Kong's version as the Admin API reports it (GET /, e.g. "3.14.0.0"), when known: some defaults changed between versions. */
  gatewayVersion?: string;
}

/** The findings' fixed sentences, kept out of the rules so the rules read as checks. */
const MESSAGE = {
  clientMissing:
    'Introspection is enabled but the plugin has no client_id to authenticate to the IdP with; every introspection call will be refused.',
  jwtNotIntrospected:
    'JWT access tokens are verified locally and never introspected, so a revoked token, or one of a deactivated app, keeps working until it expires.',
  oktaScopesClaim:
    'The plugin reads scopes from the "scope" claim, but Okta JWT access tokens carry them in "scp" and this route verifies JWTs locally (bearer, without introspect_jwt_tokens), so scopes_required is never met and every request gets 403.',
  sslVerifyOff:
    "ssl_verify is false, so the gateway trusts any certificate for the IdP's discovery, JWKS and introspection endpoints.",
  sslVerifyUnset:
    "ssl_verify is not set: Kong Gateway before 3.14 then does not verify the IdP's certificate (3.14 and later do).",
  authMethodsDefault:
    'auth_methods is left at the default of all nine methods, so a request without a usable token is redirected to the IdP login (302) instead of getting a 401, and password and client_credentials logins are accepted at the gateway.',
  tokenInQuery:
    'Tokens are accepted from the query string, where they end up in access logs, proxies and browser history.',
} as const;

/** Kong's consumer_by default: the fields a claim value is matched against. */
const CONSUMER_BY_DEFAULT = ['custom_id', 'username'];

const VAULT_REF = /^\{vault:\/\/[^}]+\}$/;

function issuerOf(value: string): string {
  return value.replace(/\/\.well-known\/(openid-configuration|oauth-authorization-server)$/, '');
}

function duration(seconds: number): string {
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} minutes`;
  return `${(seconds / 3600).toFixed(seconds % 3600 === 0 ? 0 : 1)} hours`;
}

/** The consumers part of a lint context for a gateway model (Apache has no consumers, so none). */
export function consumerContext(
  model: Partial<Pick<GatewayModel, 'source' | 'consumers' | 'consumersUnavailable'>>,
): LintContext['consumers'] {
  if (!model.source || model.source.kind === 'apache') return undefined;
  if (model.consumersUnavailable) return { unavailable: model.consumersUnavailable };
  return { list: model.consumers ?? [], where: model.source.description };
}

function findConsumer(
  consumers: readonly KongConsumerEntity[],
  value: string,
  by: readonly string[],
  ignoreCase: boolean,
): KongConsumerEntity | undefined {
  return consumers.find((consumer) =>
    by.some((field) => {
      const have = (consumer as Record<string, unknown>)[field];
      if (typeof have !== 'string') return false;
      return have === value || (ignoreCase && field === 'username' && have.toLowerCase() === value.toLowerCase());
    }),
  );
}

/** Checks a route's openid-connect config against the IdP's metadata and, when given, a real token. */
export function lintKongOidc(raw: KongOidcConfig, context: LintContext = {}): LintFinding[] {
  const c = withKongDefaults(raw);
  const findings: LintFinding[] = [];
  const add = (finding: LintFinding) => findings.push(finding);
  const meta = context.metadata;
  const claims = context.token?.claims;
  const methods = c.auth_methods;
  // In a partial description only the fields written (null included) are known; a full config falls back to Kong's defaults.
  const known = (...fields: string[]) => !context.partial || fields.some((field) => raw[field] !== undefined);
  // Kong checks the *_required claims and maps consumers in the introspection answer first, then in the JWT;
  // whether there is an introspection answer is the profile's one introspects().
  // A JWT that verifies locally and is not introspected: the scopes Kong reads are the JWT's own.
  const verifiesJwtLocally =
    methods.includes('bearer') &&
    context.token?.kind !== 'opaque' &&
    !kongOpenidConnect.introspects({ kind: 'jwt', verifiesLocally: true }, raw);
  const introspectsToken = kongOpenidConnect.introspects(context.token && { kind: context.token.kind }, raw);
  // A JWT's claims do not say what the introspection answer (read first) holds: a claim missing from them is unknown, not absent.
  const claimOf = (path: readonly string[]) => {
    const values = claimValues(claims, path);
    return values === undefined && introspectsToken && context.token?.kind === 'jwt' ? 'unknown' : values;
  };
  // Whether the gateway introspects at all; in a partial description that leaves auth_methods out, only if it says introspect_jwt_tokens.
  const introspectionOn = (known('auth_methods') && methods.includes('introspection')) || c.introspect_jwt_tokens;
  const oktaLike =
    claims?.scp !== undefined ||
    claims?.cid !== undefined ||
    /okta(preview)?\.com|oktapreview|\/oauth2\//.test(c.issuer ?? meta?.issuer ?? '');

  if (c.issuer && meta) {
    const configured = issuerOf(c.issuer);
    if (configured !== meta.issuer) {
      const slash = configured.replace(/\/$/, '') === meta.issuer.replace(/\/$/, '');
      const orgVsCustom =
        !slash && configured.replace(/\/oauth2\/[^/]+$/, '') === meta.issuer.replace(/\/oauth2\/[^/]+$/, '');
      add({
        rule: 'issuer-mismatch',
        severity: 'error',
        field: 'config.issuer',
        message: `The plugin's issuer ${c.issuer} does not match the IdP's issuer ${meta.issuer}${slash ? ' (they differ only by a trailing slash)' : orgVsCustom ? ' (one is the Okta org authorization server, the other a custom one: their tokens are not interchangeable)' : ''}.`,
        evidence: `discovery says issuer = ${meta.issuer}`,
        fix: `Set config.issuer to ${meta.issuer} (or its discovery URL ${meta.issuer}/.well-known/openid-configuration).`,
      });
    }
    if (
      claims &&
      typeof claims.iss === 'string' &&
      claims.iss !== configured &&
      !(c.issuers_allowed ?? []).includes(claims.iss)
    ) {
      add({
        rule: 'token-issuer-not-allowed',
        severity: 'error',
        field: 'config.issuers_allowed',
        message: `The token's iss ${claims.iss} is neither the plugin's issuer nor in issuers_allowed, so the gateway answers 401.`,
        fix: 'Get the token from the authorization server the route trusts, or add its issuer to issuers_allowed.',
      });
    }
  }

  if (introspectionOn) {
    if (
      c.introspection_endpoint &&
      meta?.introspection_endpoint &&
      c.introspection_endpoint !== meta.introspection_endpoint
    ) {
      add({
        rule: 'introspection-endpoint-mismatch',
        severity: 'error',
        field: 'config.introspection_endpoint',
        message: `The plugin introspects at ${c.introspection_endpoint}, but the IdP's introspection endpoint is ${meta.introspection_endpoint}.`,
        fix: "Remove config.introspection_endpoint to use discovery, or set it to the IdP's endpoint.",
      });
    }
    if (meta && !c.introspection_endpoint && !meta.introspection_endpoint && known('introspection_endpoint')) {
      add({
        rule: 'introspection-endpoint-missing',
        severity: 'error',
        field: 'config.introspection_endpoint',
        message: 'Introspection is enabled, but the IdP publishes no introspection_endpoint and the plugin sets none.',
        fix: 'Set config.introspection_endpoint (for Okta: <issuer>/v1/introspect).',
      });
    }
    const method = c.introspection_endpoint_auth_method ?? c.client_auth?.[0] ?? 'client_secret_basic';
    const supported = meta?.introspection_endpoint_auth_methods_supported;
    if (supported && !supported.includes(method) && known('introspection_endpoint_auth_method', 'client_auth')) {
      add({
        rule: 'introspection-auth-unsupported',
        severity: 'error',
        field: c.introspection_endpoint_auth_method
          ? 'config.introspection_endpoint_auth_method'
          : 'config.client_auth',
        message: `The plugin authenticates to the introspection endpoint with ${method}, which the IdP does not support (it supports ${supported.join(', ')}).`,
        fix: `Use one of: ${supported.join(', ')}.`,
      });
    }
    if ((!c.client_id || c.client_id.length === 0) && known('client_id')) {
      add({
        rule: 'introspection-client-missing',
        severity: 'error',
        field: 'config.client_id',
        message: MESSAGE.clientMissing,
        fix: 'Set config.client_id and config.client_secret to an IdP client allowed to introspect.',
      });
    }
  }

  if (
    methods.includes('bearer') &&
    !c.introspect_jwt_tokens &&
    (context.token?.kind === 'jwt' || oktaLike) &&
    known('introspect_jwt_tokens') &&
    known('auth_methods')
  ) {
    add({
      rule: 'jwt-not-introspected',
      severity: 'warning',
      field: 'config.introspect_jwt_tokens',
      message: MESSAGE.jwtNotIntrospected,
      evidence:
        typeof claims?.exp === 'number' && typeof claims.iat === 'number'
          ? `this token lives ${duration(claims.exp - claims.iat)}`
          : undefined,
      fix: 'Set config.introspect_jwt_tokens to true (one IdP call per request, mind the cache), or keep token lifetimes short.',
    });
  }

  if (c.cache_introspection && introspectionOn && known('cache_introspection')) {
    const lifetime =
      typeof claims?.exp === 'number' && typeof claims.iat === 'number' ? claims.exp - claims.iat : undefined;
    let ttl = lifetime ?? c.cache_ttl;
    if (c.cache_ttl_max !== undefined) ttl = Math.min(ttl, c.cache_ttl_max);
    if (c.cache_ttl_min !== undefined) ttl = Math.max(ttl, c.cache_ttl_min);
    const threshold = context.revocationDelayThreshold ?? 60;
    if (ttl > threshold) {
      add({
        rule: 'introspection-cache-delays-revocation',
        severity: 'warning',
        field: 'config.cache_introspection',
        message: `Introspection answers are cached for up to ${duration(ttl)}${lifetime !== undefined ? " (the token's remaining lifetime" + (c.cache_ttl_max !== undefined ? `, capped by cache_ttl_max` : '') + ')' : ` (cache_ttl${c.cache_ttl_max !== undefined ? ' capped by cache_ttl_max' : ''})`}, so a revoked token is still accepted for that long.`,
        fix: `Lower config.cache_ttl_max to ${threshold} or less, or turn cache_introspection off where revocation must bite at once.`,
      });
    }
  }

  // Only scopes read from a locally verified JWT come from Okta's `scp`; an introspection answer (introspection, or
  // bearer with introspect_jwt_tokens) carries `scope`, which Kong reads first, so scopes_claim ["scope"] is right there.
  if (
    c.scopes_required?.length &&
    c.scopes_claim.join('.') === 'scope' &&
    verifiesJwtLocally &&
    (claims?.scp !== undefined || (oktaLike && claims?.scope === undefined))
  ) {
    add({
      rule: 'okta-scopes-claim',
      severity: 'error',
      field: 'config.scopes_claim',
      message: MESSAGE.oktaScopesClaim,
      evidence:
        claims?.scp !== undefined ? `the token has scp = ${JSON.stringify(claims.scp)} and no scope claim` : undefined,
      fix: 'Set config.scopes_claim to ["scp"], or introspect the tokens (their introspection answer carries "scope").',
    });
  } else if (claims && c.scopes_required?.length) {
    const have = claimOf(c.scopes_claim);
    if (have !== 'unknown') {
      const missing = missingRequired(have, c.scopes_required);
      if (missing)
        add({
          rule: 'scopes-not-in-token',
          severity: 'error',
          field: 'config.scopes_required',
          message: `The route requires scope ${missing.missing.join(' and ')}, which this token does not carry (it has: ${have?.join(' ') || 'none'}); the gateway will answer 403.`,
          fix: `Request the token with scope "${missing.needed.join(' ')}", or change scopes_required.`,
        });
    }
  }
  if (claims && c.audience_required?.length) {
    const have = claimOf(c.audience_claim);
    if (have !== 'unknown') {
      const missing = missingRequired(have, c.audience_required);
      if (missing)
        add({
          rule: 'audience-not-in-token',
          severity: 'error',
          field: 'config.audience_required',
          message: `The route requires audience ${missing.missing.join(' and ')}, but the token's ${c.audience_claim.join('.')} is ${have?.join(', ') || 'missing'}; the gateway will answer 403.`,
          fix: 'Request the token for that audience, or change audience_required.',
        });
    }
  }

  // Kong 3.14 turned ssl_verify on by default; before that it was off, and a config that leaves
  // it out says nothing about which applies, so only a written false is certain.
  if (raw.ssl_verify === false) {
    add({
      rule: 'ssl-verify-off',
      severity: 'warning',
      field: 'config.ssl_verify',
      message: MESSAGE.sslVerifyOff,
      fix: "Set config.ssl_verify to true and give Kong the IdP's CA (lua_ssl_trusted_certificate).",
    });
  } else if (raw.ssl_verify === undefined && !context.partial) {
    const verifiesByDefault = kongAtLeast(context.gatewayVersion, 3, 14);
    if (verifiesByDefault === false) {
      add({
        rule: 'ssl-verify-off',
        severity: 'warning',
        field: 'config.ssl_verify',
        message: `ssl_verify is not set, and this gateway runs Kong ${context.gatewayVersion}, where that means off (3.14 turned it on): the gateway trusts any certificate for the IdP's discovery, JWKS and introspection endpoints.`,
        fix: "Set config.ssl_verify to true and give Kong the IdP's CA (lua_ssl_trusted_certificate).",
      });
    } else if (verifiesByDefault === undefined) {
      add({
        rule: 'ssl-verify-off',
        severity: 'info',
        field: 'config.ssl_verify',
        message: MESSAGE.sslVerifyUnset,
        fix: 'Set config.ssl_verify to true explicitly, so the route is safe on every Kong version.',
      });
    }
  }
  if (raw.auth_methods === undefined && !context.partial) {
    add({
      rule: 'auth-methods-default',
      severity: 'warning',
      field: 'config.auth_methods',
      message: MESSAGE.authMethodsDefault,
      fix: 'List only the methods the route needs, e.g. ["bearer"] or ["introspection"].',
    });
  }
  if (c.bearer_token_param_type.includes('query') && known('bearer_token_param_type')) {
    add({
      rule: 'token-in-query',
      severity: 'warning',
      field: 'config.bearer_token_param_type',
      message: MESSAGE.tokenInQuery,
      fix: 'Set config.bearer_token_param_type to ["header"].',
    });
  }
  if (context.fromFile) {
    (c.client_secret ?? []).forEach((secret, index) => {
      if (typeof secret === 'string' && secret && !VAULT_REF.test(secret)) {
        add({
          rule: 'plaintext-client-secret',
          severity: 'warning',
          field: `config.client_secret[${index}]`,
          message: 'A client secret is written in plain text in the configuration file.',
          fix: 'Use a vault reference such as {vault://env/oidc-client-secret} and keep the secret in the vault.',
        });
      }
    });
  }
  if (c.consumer_claim?.length && !c.consumer_optional) lintConsumer(c, context, add);
  return findings;
}

/** consumer-required: whether tokens can map to a Kong consumer, checked against the consumers when the source lists them. */
function lintConsumer(
  c: ReturnType<typeof withKongDefaults>,
  context: LintContext,
  add: (finding: LintFinding) => void,
): void {
  const claims = context.token?.claims;
  const claimPath = c.consumer_claim ?? [];
  const claim = claimPath.join('.');
  const by = Array.isArray(c.consumer_by) && c.consumer_by.length > 0 ? c.consumer_by.map(String) : CONSUMER_BY_DEFAULT;
  const machine = claims
    ? claims.uid === undefined &&
      (claims.sub === claims.cid || claims.sub === claims.client_id || claims.sub === undefined)
    : undefined;
  const value = claimValues(claims, claimPath)?.[0];
  const consumers = context.consumers;
  const base = { rule: 'consumer-required', field: 'config.consumer_claim' } as const;
  const createFix = (what: string) =>
    `Create a consumer whose ${by.join(' or ')} is ${what}${machine && claim !== 'cid' ? ', map by ["cid"] for Okta machine clients,' : ''} or set consumer_optional to true.`;

  if (consumers && 'list' in consumers && claims && value !== undefined) {
    const match = findConsumer(consumers.list, value, by, c.by_username_ignore_case === true);
    if (match) {
      add({
        ...base,
        severity: 'info',
        message: `Every token must map to a Kong consumer by ${claim}; this token's ${claim} ${value} maps to consumer ${match.username ?? match.custom_id ?? match.id}.`,
        fix: 'Nothing to do while the consumer exists.',
      });
    } else {
      add({
        ...base,
        severity: context.fromFile ? 'warning' : 'error',
        message: `Every token must map to a Kong consumer by ${claim}, and no consumer has ${by.join(' or ')} ${value} (this token's ${claim}${machine ? ', a machine client' : ''}), so the gateway answers 403${context.fromFile ? ' unless the consumer is defined outside this file' : ''}.`,
        evidence: `${consumers.list.length} consumer${consumers.list.length === 1 ? '' : 's'} read from ${consumers.where}`,
        fix: createFix(value),
      });
    }
    return;
  }
  if (consumers && 'list' in consumers && consumers.list.length === 0 && !claims) {
    add({
      ...base,
      severity: context.fromFile ? 'warning' : 'error',
      message: `Every token must map to a Kong consumer by ${claim}, but there are no consumers${context.fromFile ? ' in this file (unless they are managed elsewhere)' : ''}, so every request gets 403.`,
      evidence: `0 consumers read from ${consumers.where}`,
      fix: createFix(`the ${claim} of the tokens to accept`),
    });
    return;
  }
  const unavailable = consumers && 'unavailable' in consumers ? consumers.unavailable : undefined;
  add({
    ...base,
    severity: machine ? 'error' : 'info',
    message: `Every token must map to a Kong consumer by ${claim}${machine ? '; this is a machine (client-credentials) token, which has no user to map, so unless a consumer exists for its client id the gateway answers 403' : '; a token with no matching consumer gets 403'}.`,
    ...(unavailable
      ? { evidence: `the consumers could not be read (${unavailable}), so whether one matches is unknown` }
      : consumers && 'list' in consumers
        ? {
            evidence: `${consumers.list.length} consumer${consumers.list.length === 1 ? '' : 's'} read from ${consumers.where}`,
          }
        : {}),
    fix: machine
      ? `Create a consumer whose username or custom_id is the client id, map by ["cid"] for Okta machine clients, or set consumer_optional to true.`
      : 'Create the consumers, or set consumer_optional to true.',
  });
}
