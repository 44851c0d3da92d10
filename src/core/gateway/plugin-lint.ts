/**
 * Lints the Kong authentication plugins people run in front of an IdP besides
 * openid-connect: the open-source `jwt` plugin with its consumers'
 * credentials, the Enterprise `oauth2-introspection` plugin and the community
 * `oidc` plugin; Kong's own `oauth2` provider, which accepts no IdP token; and
 * `anonymous`, which any of them may set. Each rule follows
 * the plugin's own source or published schema, cited where it is used.
 */
import type { JWK } from 'jose';
import type { AuthorizationServerMetadata } from '../oauth/metadata';
import type { LintFinding } from './lint';
import type { ConsumerPlugin, JwtCredential, KongConsumerEntity } from './model';
import { nodeCrypto } from '../node-crypto';

export interface PluginLintContext {
  metadata?: AuthorizationServerMetadata;
  /** The IdP's signing keys (its jwks_uri), when they could be fetched. */
  jwks?: { uri: string; keys: readonly JWK[] } | { uri: string; failure: string };
  token?: { kind: 'jwt' | 'opaque' | 'jwe'; claims: Record<string, unknown> };
  revocationDelayThreshold?: number;
  fromFile?: boolean;
  consumers?: { list: readonly KongConsumerEntity[]; where: string } | { unavailable: string };
  /** Whether the source holds the consumers' jwt credentials (a decK file does; the APIs read here do not). */
  credentialsRead?: boolean;
}

/** The fixed sentences, so the rules read as checks. */
const MESSAGE = {
  jwtNoExp:
    "claims_to_verify does not list exp, so Kong's jwt plugin never checks expiry: an expired token is accepted for as long as its signature verifies.",
  jwtQuery:
    'uri_param_names is left at ["jwt"], so Kong also takes the token from the ?jwt= query string, where it ends up in access logs, proxies and browser history.',
  jwtRevocation:
    'The jwt plugin only verifies the signature locally and never asks the IdP, so a revoked token, or one of a deactivated app, keeps working until it expires.',
  introspectionTtlZero:
    'ttl is 0, which the plugin takes as "no expiry": an introspection answer stays cached until Kong evicts it, so a revoked token keeps working with no bound.',
  oidcBearerOnly:
    'bearer_only is "no" (the default), so a request whose token fails introspection, or has none, is not refused with 401: the plugin starts a browser login and redirects to the IdP, which an API client cannot follow.',
  oidcNoIntrospection:
    'introspection_endpoint is not set, so the plugin never checks a bearer token: every request without a session is sent to the browser login (authorization code flow).',
  oidcSslVerify:
    'ssl_verify is not "yes" (the plugin defaults to "no"), so the gateway trusts any certificate for the IdP\'s discovery and introspection endpoints.',
  oauth2Provider:
    'Kong\'s oauth2 plugin is an authorization server of its own, not a resource server: it accepts only the access tokens it issued itself (POST /oauth2/token on this route, stored in Kong), so a token from the IdP gets 401 invalid_token "The access token is invalid or has expired".',
  oidcDiscoveryDefault:
    'discovery is left at the plugin\'s placeholder default "https://.well-known/openid-configuration", which names no IdP, so every request fails.',
} as const;

const VAULT_REF = /^\{vault:\/\/[^}]+\}$/;

function plainTextInFile(value: unknown, context: PluginLintContext): boolean {
  return context.fromFile === true && typeof value === 'string' && value !== '' && !VAULT_REF.test(value);
}

function list(value: unknown, fallback: string[]): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : fallback;
}

function duration(seconds: number): string {
  return seconds < 120 ? `${seconds} s` : `${Math.round(seconds / 60)} minutes`;
}

/**
 * How each plugin words the 500 it answers when its anonymous consumer does not
 * exist: jwt (Kong/kong kong/plugins/jwt/handler.lua set_anonymous_consumer
 * @22246ef2) in the response; openid-connect (plugins-ee/openid-connect
 * consumers.lua set_anonymous and unexpected.lua @4df4c98e) in its error log,
 * answering "An unexpected error occurred".
 */
const ANONYMOUS_MISSING: Readonly<Record<string, (anonymous: string) => string>> = {
  jwt: (anonymous) => `500 ("anonymous consumer ${anonymous} is configured but doesn't exist")`,
  'openid-connect': () => '500 ("An unexpected error occurred"; the error log says "anonymous consumer was not found")',
};

/**
 * What `anonymous` does (Kong/kong kong/plugins/jwt/handler.lua @22246ef2,
 * logical_OR_authentication / set_anonymous_consumer; the same option in
 * openid-connect, key-auth and oauth2-introspection): a request that fails
 * authentication is let through as that consumer instead of getting 401, and
 * a consumer that does not exist makes Kong answer 500.
 */
export function anonymousFindings(
  plugin: string,
  config: Record<string, unknown>,
  context: PluginLintContext,
): LintFinding[] {
  const name = `the ${plugin} plugin`;
  const anonymous = config.anonymous;
  if (typeof anonymous !== 'string' || anonymous === '') return [];
  const findings: LintFinding[] = [
    {
      rule: 'anonymous-consumer',
      severity: 'warning',
      field: 'config.anonymous',
      message: `anonymous is set to ${anonymous}, so a request without a valid token is not refused with 401: ${name} lets it through to the upstream as consumer ${anonymous}, unless another plugin on the route (acl, request-termination) refuses that consumer.`,
      fix: 'Remove config.anonymous if the route must require a token, or deny the anonymous consumer with acl where only some routes are public.',
    },
  ];
  const consumers = context.consumers;
  if (consumers && 'list' in consumers && !consumers.list.some((c) => c.id === anonymous || c.username === anonymous)) {
    findings.push({
      rule: 'anonymous-consumer-missing',
      severity: context.fromFile ? 'warning' : 'error',
      field: 'config.anonymous',
      message: `No consumer has id or username ${anonymous}, so a request without a valid token gets ${ANONYMOUS_MISSING[plugin]?.(anonymous) ?? '500'} instead of 401${context.fromFile ? ', unless the consumer is defined outside this file' : ''}.`,
      evidence: `${consumers.list.length} consumer${consumers.list.length === 1 ? '' : 's'} read from ${consumers.where}`,
      fix: `Create the consumer ${anonymous}, or remove config.anonymous.`,
    });
  }
  return findings;
}

/**
 * The anonymous consumer's own request-termination: Kong runs consumer-scoped
 * plugins once authentication has named the consumer (plugins_iterator.lua),
 * so a request without a valid token is answered by request-termination, not
 * let through. The anonymous finding then says who answers, and why the
 * answer carries no WWW-Authenticate error from the auth plugin.
 */
export function anonymousTerminated(
  findings: LintFinding[],
  plugin: string,
  anonymous: unknown,
  consumerPlugins: readonly ConsumerPlugin[] | undefined,
): LintFinding[] {
  const stop =
    typeof anonymous === 'string'
      ? consumerPlugins?.find((p) => p.name === 'request-termination' && p.consumer === anonymous && p.termination)
      : undefined;
  if (!stop?.termination) return findings;
  const { status, message } = stop.termination;
  return findings.map((finding) =>
    finding.rule !== 'anonymous-consumer'
      ? finding
      : {
          ...finding,
          severity: 'info',
          message: `anonymous is set to ${anonymous}, and that consumer has its own request-termination plugin (${stop.origin}): a request without a valid token is let through by the ${plugin} plugin as consumer ${anonymous}, then answered ${status}${message ? ` "${message}"` : ''} by request-termination. That ${status} is not the ${plugin} plugin's, so it carries no WWW-Authenticate error saying what was wrong with the token.`,
          fix: `To see why a token is refused, send it to oidc-flow (lint --token, run); remove config.anonymous if the ${plugin} plugin's own 401 is wanted.`,
        },
  );
}

/** The JWK form of a PEM public key, or a reason it is not one. */
function pemToJwk(pem: string): JWK | { error: string } {
  try {
    return nodeCrypto().createPublicKey(pem).export({ format: 'jwk' }) as JWK;
  } catch (error) {
    return { error: error instanceof Error ? error.message.split('\n')[0]! : String(error) };
  }
}

function sameKey(a: JWK, b: JWK): boolean {
  if (a.kty !== b.kty) return false;
  if (a.kty === 'RSA') return a.n === b.n && a.e === b.e;
  if (a.kty === 'EC' || a.kty === 'OKP') return a.crv === b.crv && a.x === b.x && a.y === b.y;
  return false;
}

function credentials(context: PluginLintContext): Array<JwtCredential & { consumer: string }> {
  const consumers = context.consumers && 'list' in context.consumers ? context.consumers.list : [];
  return consumers.flatMap((consumer) =>
    (consumer.jwtSecrets ?? []).map((credential) => ({
      ...credential,
      consumer: consumer.username ?? consumer.custom_id ?? consumer.id ?? '?',
    })),
  );
}

/**
 * Kong's open-source jwt plugin (Kong/kong kong/plugins/jwt/ @22246ef2):
 * handler.lua finds the credential by the token's `key_claim_name` claim
 * (default iss), requires the token's alg to equal the credential's algorithm
 * (daos.lua default HS256), verifies with its rsa_public_key, and checks only
 * the claims in claims_to_verify; schema.lua gives the defaults.
 */
export function lintKongJwt(config: Record<string, unknown>, context: PluginLintContext): LintFinding[] {
  const findings: LintFinding[] = [];
  const keyClaim = typeof config.key_claim_name === 'string' ? config.key_claim_name : 'iss';
  const creds = credentials(context);
  const issuer = context.metadata?.issuer;
  const claims = context.token?.claims;

  if (!list(config.claims_to_verify, []).includes('exp'))
    findings.push({
      rule: 'jwt-exp-not-verified',
      severity: 'warning',
      field: 'config.claims_to_verify',
      message: MESSAGE.jwtNoExp,
      fix: 'Set config.claims_to_verify to ["exp"] (and "nbf" if the IdP sets it).',
    });
  if (config.uri_param_names === undefined || list(config.uri_param_names, []).length > 0)
    findings.push({
      rule: 'token-in-query',
      severity: 'warning',
      field: 'config.uri_param_names',
      message:
        config.uri_param_names === undefined
          ? MESSAGE.jwtQuery
          : `uri_param_names is ${JSON.stringify(config.uri_param_names)}, so Kong also takes the token from the query string, where it ends up in access logs, proxies and browser history.`,
      fix: 'Set config.uri_param_names to [] so only the Authorization header is read.',
    });
  findings.push({
    rule: 'jwt-not-introspected',
    severity: 'info',
    field: 'plugin jwt',
    message: MESSAGE.jwtRevocation,
    fix: 'Keep token lifetimes short, or use openid-connect with introspection where revocation must bite at once.',
  });

  if (context.credentialsRead) {
    if (creds.length === 0) {
      findings.push({
        rule: 'jwt-no-credentials',
        severity: context.fromFile ? 'warning' : 'error',
        field: 'consumers[].jwt_secrets',
        message: `No consumer has a jwt credential${context.fromFile ? ' in this file' : ''}, so every token gets 401 "No credentials found for given '${keyClaim}'"${context.fromFile ? ' unless the credentials are managed elsewhere' : ''}.`,
        fix: `Give a consumer a jwt_secrets entry whose key is the tokens' ${keyClaim}${keyClaim === 'iss' ? ' (the IdP issuer)' : ''}, algorithm RS256 and rsa_public_key the IdP's signing key.`,
      });
    }
    for (const cred of creds) {
      if (cred.plaintextSecretAt)
        findings.push({
          rule: 'plaintext-client-secret',
          severity: 'warning',
          field: 'jwt_secrets[].secret',
          message: `The shared secret of consumer ${cred.consumer}'s jwt credential is written in plain text in the configuration file (${cred.plaintextSecretAt}).`,
          fix: 'Use a vault reference such as {vault://env/jwt-secret}, or an RS256 credential that holds only a public key.',
        });
    }
    if (keyClaim === 'iss' && issuer && creds.length > 0 && !creds.some((cred) => cred.key === issuer)) {
      findings.push({
        rule: 'jwt-credential-key-not-issuer',
        severity: 'error',
        field: 'jwt_secrets[].key',
        message: `Kong finds the jwt credential by the token's iss, but no credential's key is the IdP's issuer ${issuer} (keys: ${creds.map((c) => c.key ?? '(generated)').join(', ')}), so every token from it gets 401 "No credentials found for given 'iss'".`,
        evidence: `discovery says issuer = ${issuer}`,
        fix: `Set the key of the credential that holds the IdP's public key to ${issuer}.`,
      });
    }
    // Kong reads the claim from the payload, then the JWT header; only the payload is known here, so a
    // claim missing from it (a kid, say) may still be in the header and is not judged.
    const tokenKey = claims?.[keyClaim];
    if (typeof tokenKey === 'string' && creds.length > 0 && !creds.some((cred) => cred.key === tokenKey)) {
      findings.push({
        rule: 'jwt-token-has-no-credential',
        severity: 'error',
        field: 'config.key_claim_name',
        message: `This token's ${keyClaim} is ${tokenKey}, which is no credential's key, so Kong answers 401 "No credentials found for given '${keyClaim}'".`,
        fix: `Make a credential's key the tokens' ${keyClaim}, or set config.key_claim_name to a claim whose value a credential holds.`,
      });
    }
    // With key_claim_name iss, only the credentials keyed by the IdP's issuer verify its tokens; the others belong
    // to other issuers, whose keys are rightly not in this IdP's JWKS.
    const relevant = keyClaim === 'iss' && issuer ? creds.filter((cred) => cred.key === issuer) : creds;
    for (const cred of relevant) findings.push(...credentialFindings(cred, context));
  }
  findings.push(...anonymousFindings('jwt', config, context));
  return findings;
}

/** Algorithm and public key of one credential, against the IdP's signing keys when known. */
function credentialFindings(cred: JwtCredential & { consumer: string }, context: PluginLintContext): LintFinding[] {
  const findings: LintFinding[] = [];
  const algorithm = cred.algorithm ?? 'HS256';
  const where = `consumer ${cred.consumer}'s credential ${cred.key ?? '(generated key)'}${cred.origin ? ` (${cred.origin})` : ''}`;
  const jwks = context.jwks && 'keys' in context.jwks ? context.jwks : undefined;
  if (algorithm.startsWith('HS')) {
    if (jwks)
      findings.push({
        rule: 'jwt-credential-algorithm',
        severity: 'error',
        field: 'jwt_secrets[].algorithm',
        message: `${where} has algorithm ${algorithm}${cred.algorithm ? '' : ' (the default)'}, but the IdP signs with public keys (its JWKS at ${jwks.uri}); Kong requires the token's alg to equal the credential's, so its tokens get 401 "Invalid algorithm".`,
        fix: "Set the credential's algorithm to the IdP's (RS256 for Okta) and its rsa_public_key to the IdP's signing key.",
      });
    return findings;
  }
  if (!cred.rsa_public_key) {
    findings.push({
      rule: 'jwt-credential-no-key',
      severity: 'error',
      field: 'jwt_secrets[].rsa_public_key',
      message: `${where} uses ${algorithm} but has no rsa_public_key, so every token it should verify gets 401 "Invalid key/secret".`,
      fix: "Set rsa_public_key to the IdP's signing key in PEM form.",
    });
    return findings;
  }
  const jwk = pemToJwk(cred.rsa_public_key);
  if ('error' in jwk) {
    findings.push({
      rule: 'jwt-credential-no-key',
      severity: 'error',
      field: 'jwt_secrets[].rsa_public_key',
      message: `${where}: rsa_public_key is not a PEM public key (${jwk.error}); Kong refuses it ("invalid key").`,
      fix: "Paste the IdP's signing key as a PEM public key (-----BEGIN PUBLIC KEY-----).",
    });
    return findings;
  }
  if (!jwks) return findings;
  const match = jwks.keys.find((key) => sameKey(key, jwk));
  if (!match) {
    findings.push({
      rule: 'jwt-key-not-in-jwks',
      severity: 'error',
      field: 'jwt_secrets[].rsa_public_key',
      message: `The public key of ${where} is none of the IdP's signing keys at ${jwks.uri}, so tokens the IdP signs get 401 "Invalid signature" (the key may be an old one the IdP rotated out).`,
      evidence: `${jwks.keys.length} key${jwks.keys.length === 1 ? '' : 's'} in the JWKS: ${jwks.keys.map((k) => k.kid ?? '(no kid)').join(', ')}`,
      fix: `Replace rsa_public_key with the IdP's current signing key from ${jwks.uri}.`,
    });
  } else {
    findings.push({
      rule: 'jwt-key-rotation',
      severity: 'info',
      field: 'jwt_secrets[].rsa_public_key',
      message: `The public key of ${where} is the IdP's signing key ${match.kid ?? '(no kid)'}; the jwt plugin holds one fixed key, so when the IdP rotates its keys (Okta: about every 90 days) tokens signed with the new key get 401 "Invalid signature" until the credential is updated.`,
      fix: 'Update the credential when the IdP rotates keys, or use openid-connect, which reads the JWKS itself.',
    });
  }
  return findings;
}

/**
 * Kong Enterprise's oauth2-introspection, as its published schema says
 * (Kong/developer.konghq.com app/_schemas/gateway/plugins/3.14/Oauth2Introspection.json
 * @bc1cd742): introspection_url and authorization_value are required, ttl
 * (default 30 s, 0 = no expiry) is how long an answer is cached.
 */
export function lintOauth2Introspection(config: Record<string, unknown>, context: PluginLintContext): LintFinding[] {
  const findings: LintFinding[] = [];
  const url = config.introspection_url;
  const endpoint = context.metadata?.introspection_endpoint;
  if (typeof url !== 'string' || !url)
    findings.push({
      rule: 'introspection-endpoint-missing',
      severity: 'error',
      field: 'config.introspection_url',
      message: 'introspection_url is not set; the plugin requires it and Kong refuses the configuration.',
      fix: `Set config.introspection_url to the IdP's introspection endpoint${endpoint ? ` (${endpoint})` : ''}.`,
    });
  else if (endpoint && url !== endpoint)
    findings.push({
      rule: 'introspection-endpoint-mismatch',
      severity: 'error',
      field: 'config.introspection_url',
      message: `The plugin introspects at ${url}, but the IdP's introspection endpoint is ${endpoint}.`,
      fix: `Set config.introspection_url to ${endpoint}.`,
    });
  if (plainTextInFile(config.authorization_value, context))
    findings.push({
      rule: 'plaintext-client-secret',
      severity: 'warning',
      field: 'config.authorization_value',
      message:
        'authorization_value (the Authorization header Kong sends to the introspection endpoint, usually Basic client_id:client_secret) is written in plain text in the configuration file.',
      fix: 'Use a vault reference such as {vault://env/introspection-authorization}.',
    });
  const ttl = typeof config.ttl === 'number' ? config.ttl : 30;
  const threshold = context.revocationDelayThreshold ?? 60;
  if (ttl === 0)
    findings.push({
      rule: 'introspection-cache-delays-revocation',
      severity: 'error',
      field: 'config.ttl',
      message: MESSAGE.introspectionTtlZero,
      fix: `Set config.ttl to a few seconds (at most ${threshold}).`,
    });
  else if (ttl > threshold)
    findings.push({
      rule: 'introspection-cache-delays-revocation',
      severity: 'warning',
      field: 'config.ttl',
      message: `Introspection answers are cached for ${duration(ttl)} (ttl), so a revoked token is still accepted for that long.`,
      fix: `Lower config.ttl to ${threshold} or less.`,
    });
  findings.push(...anonymousFindings('oauth2-introspection', config, context));
  return findings;
}

const OIDC_DISCOVERY_DEFAULT = 'https://.well-known/openid-configuration';

/**
 * The community `oidc` plugin (nokia/kong-oidc @25104595, also
 * revomatico/kong-oidc): schema.lua's string flags default to "no", and
 * handler.lua introspects only with an introspection_endpoint, refusing with
 * 401 only when bearer_only is "yes" (otherwise it starts a browser login).
 */
export function lintCommunityOidc(config: Record<string, unknown>, context: PluginLintContext): LintFinding[] {
  const findings: LintFinding[] = [];
  const discovery = typeof config.discovery === 'string' ? config.discovery : OIDC_DISCOVERY_DEFAULT;
  if (discovery === OIDC_DISCOVERY_DEFAULT)
    findings.push({
      rule: 'oidc-discovery-default',
      severity: 'error',
      field: 'config.discovery',
      message: MESSAGE.oidcDiscoveryDefault,
      fix: "Set config.discovery to the IdP's discovery URL, e.g. https://{okta-domain}/oauth2/default/.well-known/openid-configuration.",
    });
  const endpoint = config.introspection_endpoint;
  if (typeof endpoint !== 'string' || !endpoint)
    findings.push({
      rule: 'introspection-endpoint-missing',
      severity: 'warning',
      field: 'config.introspection_endpoint',
      message: MESSAGE.oidcNoIntrospection,
      fix: `Set config.introspection_endpoint${context.metadata?.introspection_endpoint ? ` to ${context.metadata.introspection_endpoint}` : " to the IdP's introspection endpoint"} and bearer_only to "yes" for an API.`,
    });
  else if (context.metadata?.introspection_endpoint && endpoint !== context.metadata.introspection_endpoint)
    findings.push({
      rule: 'introspection-endpoint-mismatch',
      severity: 'error',
      field: 'config.introspection_endpoint',
      message: `The plugin introspects at ${endpoint}, but the IdP's introspection endpoint is ${context.metadata.introspection_endpoint}.`,
      fix: `Set config.introspection_endpoint to ${context.metadata.introspection_endpoint}.`,
    });
  if (config.bearer_only !== 'yes')
    findings.push({
      rule: 'oidc-bearer-only',
      severity: 'warning',
      field: 'config.bearer_only',
      message: MESSAGE.oidcBearerOnly,
      fix: 'Set config.bearer_only to "yes" for an API that takes bearer tokens.',
    });
  if (config.ssl_verify !== 'yes')
    findings.push({
      rule: 'ssl-verify-off',
      severity: 'warning',
      field: 'config.ssl_verify',
      message: MESSAGE.oidcSslVerify,
      fix: 'Set config.ssl_verify to "yes".',
    });
  for (const field of ['client_secret', 'session_secret'] as const) {
    if (plainTextInFile(config[field], context))
      findings.push({
        rule: 'plaintext-client-secret',
        severity: 'warning',
        field: `config.${field}`,
        message: `The ${field === 'client_secret' ? 'client secret' : 'session secret'} is written in plain text in the configuration file.`,
        fix: `Use a vault reference such as {vault://env/oidc-${field.replace('_', '-')}}.`,
      });
  }
  return findings;
}

/**
 * Kong's oauth2 plugin (Kong/kong kong/plugins/oauth2/access.lua, do_authentication):
 * the token is looked up among the tokens Kong itself issued at /oauth2/token,
 * and any other is refused with 401 invalid_token. Behind an external IdP it is
 * the wrong plugin, not a misconfigured one.
 */
export function lintKongOauth2(config: Record<string, unknown>, context: PluginLintContext): LintFinding[] {
  return [
    {
      rule: 'oauth2-provider',
      severity: 'warning',
      field: 'plugin oauth2',
      message: MESSAGE.oauth2Provider,
      fix: "To accept the IdP's tokens use openid-connect (or jwt, oauth2-introspection); keep oauth2 only if clients get their tokens from the gateway itself.",
    },
    ...anonymousFindings('oauth2', config, context),
  ];
}
