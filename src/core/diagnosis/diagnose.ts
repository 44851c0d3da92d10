import { claimValues, missingRequired, withKongDefaults } from '../gateway/kong-oidc-config';
import type { EffectiveKongOidcConfig, KongOidcConfig } from '../gateway/kong-oidc-config';
import type { ErrorCode } from '../errors';
import { lintKongOidc } from '../gateway/lint';
import type { JwtErrorCode } from '../jwt/error-codes';
import { headerValue } from '../http/headers';
import type { LogEvidence } from './gateway-log';
import { parseWwwAuthenticate } from './www-authenticate';
import type { AuthChallenge } from './www-authenticate';

/** What is known about one gateway call, gathered by the runner. */
export interface DiagnosisInput {
  /** Epoch milliseconds used for expiry reasoning. */
  now: number;
  gateway: { status: number; headers: Record<string, string>; body?: string };
  request?: {
    /** Where the client put the token; 'none' when it sent none. */
    tokenLocation?: 'header' | 'query' | 'body' | 'cookie' | 'none';
    /** Scheme of the Authorization header as sent ("Bearer", "DPoP", ...). */
    authorizationScheme?: string;
  };
  token?: {
    kind: 'jwt' | 'jwe' | 'opaque';
    header?: Record<string, unknown>;
    payload?: Record<string, unknown>;
    /** The local check against the IdP's JWKS, when one was made. */
    verification?: { valid: boolean; checks: Array<{ id: string; ok: boolean; code?: ErrorCode; message: string }> };
  };
  /** The IdP's answer about the token (our own introspection call), or why it failed. */
  introspection?:
    { active: boolean; claims?: Record<string, unknown> } | { error: { code: ErrorCode; message: string } };
  /** Which gateway answered, when known. */
  gatewayKind?: 'kong' | 'apache' | 'other';
  /** The route's plugin configuration, when known. */
  kongConfig?: KongOidcConfig;
  /**
   * The gateway's own error-log lines about this request (linesForRequest +
   * logEvidence), already masked. Undefined: no log was given; empty: a log
   * was read and the gateway wrote nothing about this request.
   */
  gatewayLog?: LogEvidence[];
}

export type VerdictCode =
  | 'ok'
  | 'no_token'
  | 'token_wrong_place'
  | 'token_expired'
  | 'clock_skew'
  | 'token_not_yet_valid'
  | 'issuer_mismatch'
  | 'audience_mismatch'
  | 'scope_missing'
  | 'scope_claim_mismatch'
  | 'group_missing'
  | 'role_missing'
  | 'token_inactive'
  | 'client_deactivated'
  | 'gateway_introspection_failed'
  | 'unknown_signing_key'
  | 'signature_invalid'
  | 'algorithm_not_allowed'
  | 'dpop_required'
  | 'consumer_not_found'
  | 'upstream_rejected'
  | 'accepted_inactive_token'
  | 'unexplained';

export interface Evidence {
  /** Where it comes from; 'gateway-log' is the gateway's own words from its error log. */
  source: 'gateway' | 'gateway-log' | 'token' | 'jwt-check' | 'introspection' | 'config' | 'request';
  text: string;
}

export interface Verdict {
  code: VerdictCode;
  /** One sentence: why the gateway answered as it did. */
  summary: string;
  /** What to do about it. */
  fix?: string;
  /** Who decided: the gateway, the upstream behind it, or (for 2xx) nobody. */
  decidedBy: 'gateway' | 'upstream' | 'none';
  confidence: 'certain' | 'likely' | 'possible';
  evidence: Evidence[];
}

function timeText(epochSeconds: number, now: number): string {
  const diff = Math.round((epochSeconds * 1000 - now) / 1000);
  const abs = Math.abs(diff);
  const span = abs < 120 ? `${abs} s` : abs < 7200 ? `${Math.round(abs / 60)} min` : `${Math.round(abs / 3600)} h`;
  const when = new Date(epochSeconds * 1000).toISOString().replace('.000Z', 'Z');
  return diff >= 0 ? `${when} (in ${span})` : `${when} (${span} ago)`;
}

/** True when the response was produced by the upstream service rather than the gateway itself. */
function fromUpstream(input: DiagnosisInput, challenges: AuthChallenge[]): boolean {
  const h = input.gateway.headers;
  // Kong sets X-Kong-Upstream-Latency only on proxied responses; its own 401/403 carry X-Kong-Response-Latency.
  if (headerValue(h, 'x-kong-upstream-latency') !== undefined) return true;
  if (headerValue(h, 'x-kong-response-latency') !== undefined) return false;
  if (challenges.some((c) => /^(bearer|dpop)$/i.test(c.scheme))) return false;
  const echoed = headerValue(h, 'x-sandbox-upstream');
  return echoed !== undefined;
}

function verificationFailure(input: DiagnosisInput, ...codes: JwtErrorCode[]) {
  return input.token?.verification?.checks.find((check) => !check.ok && codes.some((code) => code === check.code));
}

type IntrospectionView =
  { active: boolean; claims: Record<string, unknown> } | { error: { code: ErrorCode; message: string } };

function introspectionOf(input: DiagnosisInput): IntrospectionView | undefined {
  const i = input.introspection;
  if (!i) return undefined;
  return 'error' in i ? { error: i.error } : { active: i.active, claims: i.claims ?? {} };
}

// The words of the verdicts live in these tables, so the decisions below read as decisions.
/** Verdict sentences that need no value from the case. */
const SUMMARY = {
  dpop: 'The gateway requires a DPoP-bound token and proof (WWW-Authenticate scheme DPoP), but the request sent a plain bearer token.',
  noToken: 'The request carried no token, so the gateway refused it.',
  noUsableToken:
    'The gateway found no usable token in the request (WWW-Authenticate has no error code, or invalid_request).',
  inactive:
    'The IdP says the token is no longer active (revoked, or its application or user was deactivated), so the gateway refused it.',
  clientDeactivated:
    'The IdP no longer accepts the client application that obtained this token (our own introspection with its credentials got invalid_client): the application was deactivated or its credentials changed, and its tokens died with it.',
  signature:
    "The token's signature does not verify against the IdP's keys: it was altered, or signed by another issuer.",
  unexplained401: 'The gateway refused the token but gave no reason, and the token looks valid from here.',
  consumer: 'Kong found no consumer for this token ("kong consumer was not found"), so it answered 403.',
  unexplained403:
    'The gateway accepted the token but refused access (403); its authorization rules are not known here.',
} as const;

/** What to do, per verdict (and variant). */
const FIX = {
  revocationAtOnce:
    'To reject revoked tokens at once, turn cache_introspection off or lower cache_ttl_max, and set introspect_jwt_tokens for JWTs.',
  upstream:
    'Look at the upstream service: it may want a different header (check upstream_access_token_header / upstream_headers_claims) or its own credentials.',
  sendBearer: 'Send the access token in the Authorization header: "Authorization: Bearer <token>".',
  useBearerHeader: 'Send it as "Authorization: Bearer <token>".',
  useBearerScheme: 'Use "Authorization: Bearer <token>".',
  expired: 'Fetch a new token (or refresh it) before calling; the runner can re-fetch expired tokens for you.',
  clock: 'Check clock synchronisation (NTP) on the gateway and the IdP, or raise the gateway leeway a little.',
  inactive: 'Get a new token; if the client application was deactivated at the IdP, reactivate it first.',
  clientDeactivated:
    'Reactivate the application at the IdP (Okta: Applications, the app, Activate) or fix its credentials, then get a new token.',
  unknownKid:
    'Fetch a new token; if it keeps failing, check that the gateway and the client use the same issuer, and that the gateway re-reads the JWKS (rediscovery).',
  algorithm: 'Have the IdP sign access tokens with an asymmetric algorithm such as RS256.',
  signature: 'Use an unmodified token from the issuer the gateway trusts.',
  issuerConfig:
    "Make the plugin issuer (or issuers_allowed) match the token's iss exactly, or get the token from the authorization server the gateway trusts.",
  issuer: 'Get the token from the authorization server the gateway trusts.',
  audienceRequest: 'Request the token for the audience the API expects (audience/resource parameter).',
  gatewayIntrospection:
    "Check the gateway's client_id/client_secret and introspection_endpoint against the IdP, and the gateway's error log for the introspection response.",
  unexplained401:
    "Turn on display_errors (Kong) or read the gateway's error log; check the route's plugin configuration.",
  scpClaim: 'Set scopes_claim to ["scp"] on the plugin.',
  audienceRequired:
    'Request the token for that audience (authorization server audience or resource parameter), or fix audience_required.',
  group: 'Add the user to the group at the IdP and make sure the authorization server puts groups in the token.',
  role: 'Give the user or client the role at the IdP.',
  consumerConfig: 'Create a Kong consumer for this client (username or custom_id), or set consumer_optional to true.',
  consumer: 'Create the matching Kong consumer, or set consumer_optional to true.',
  scopes: 'Request the token with the scopes the route requires.',
  unexplained403:
    "Load the route's plugin configuration (Kong Admin API, Konnect or decK) so the check can be explained.",
} as const;

/** Joins the gateway's answer, the token, the IdP's view and the route's config into one verdict. */
export function diagnose(input: DiagnosisInput): Verdict {
  const status = input.gateway.status;
  const challenges = parseWwwAuthenticate(headerValue(input.gateway.headers, 'www-authenticate'));
  const bearer = challenges.find((c) => /^(bearer|dpop)$/i.test(c.scheme));
  const evidence: Evidence[] = [];
  evidence.push({
    source: 'gateway',
    text: `The gateway answered ${status}${headerValue(input.gateway.headers, 'www-authenticate') ? ` with WWW-Authenticate: ${headerValue(input.gateway.headers, 'www-authenticate')}` : ''}.`,
  });
  if (input.gateway.body && input.gateway.body.length < 300)
    evidence.push({ source: 'gateway', text: `Body: ${input.gateway.body.trim()}` });
  for (const line of input.gatewayLog ?? []) {
    evidence.push({ source: 'gateway-log', text: `${line.level ? `[${line.level}] ` : ''}${line.text}` });
  }

  const config: EffectiveKongOidcConfig | undefined = input.kongConfig ? withKongDefaults(input.kongConfig) : undefined;
  const claims = { ...(input.token?.payload ?? {}) };
  const intro = introspectionOf(input);
  // Kong looks in the introspection result first, then the JWT; but only a gateway that
  // introspects this token has an introspection result to look in: with the introspection
  // auth method (for a JWT only when bearer does not verify it first), or with bearer and
  // introspect_jwt_tokens.
  const gatewayIntrospects = config
    ? (config.auth_methods.includes('introspection') &&
        (input.token?.kind !== 'jwt' || !config.auth_methods.includes('bearer') || config.introspect_jwt_tokens)) ||
      (config.auth_methods.includes('bearer') && config.introspect_jwt_tokens && input.token?.kind !== 'opaque')
    : true;
  const authzClaims: Record<string, unknown> =
    gatewayIntrospects && intro && 'active' in intro && intro.active ? { ...claims, ...intro.claims } : claims;
  if (intro && 'active' in intro)
    evidence.push({ source: 'introspection', text: `The IdP's introspection says active: ${intro.active}.` });
  if (intro && 'error' in intro)
    evidence.push({
      source: 'introspection',
      text: `Introspecting the token ourselves failed: ${intro.error.message}`,
    });
  for (const check of input.token?.verification?.checks ?? []) {
    if (!check.ok) evidence.push({ source: 'jwt-check', text: check.message });
  }
  if (input.kongConfig) {
    // The route's config lint, checked against this very token, is evidence too; the findings that
    // hold for any request (TLS verification, default auth methods, query tokens) would only be noise here.
    const generic = new Set(['ssl-verify-off', 'auth-methods-default', 'token-in-query']);
    const token = input.token?.payload ? { kind: input.token.kind, claims: input.token.payload } : undefined;
    // The config here is a description (a flow file, --kong-config): what it leaves out is unknown, not Kong's default.
    for (const finding of lintKongOidc(input.kongConfig, { token, partial: true })) {
      if (!generic.has(finding.rule) && finding.severity !== 'info')
        evidence.push({ source: 'config', text: `${finding.field}: ${finding.message}` });
    }
  }

  const verdict = (
    code: VerdictCode,
    summary: string,
    fix: string | undefined,
    confidence: Verdict['confidence'] = 'certain',
    decidedBy: Verdict['decidedBy'] = 'gateway',
  ): Verdict => ({ code, summary, fix, decidedBy, confidence, evidence });

  if (status < 400) {
    if (intro && 'active' in intro && !intro.active) {
      const why: string[] = [];
      const exp = typeof claims.exp === 'number' ? claims.exp : undefined;
      const remaining = exp !== undefined ? Math.max(0, exp - input.now / 1000) : undefined;
      let until =
        exp !== undefined
          ? ` It keeps working until ${timeText(exp, input.now)} at the latest, when the token expires.`
          : '';
      if (config?.cache_introspection && config.auth_methods.includes('introspection')) {
        // Kong caches for the token's remaining lifetime, clamped by cache_ttl_min/max (cache_ttl without exp).
        let ttl = remaining ?? config.cache_ttl;
        if (config.cache_ttl_max !== undefined) ttl = Math.min(ttl, config.cache_ttl_max);
        if (config.cache_ttl_min !== undefined) ttl = Math.max(ttl, config.cache_ttl_min);
        why.push(
          `cache_introspection is on, so the gateway reuses its earlier "active" answer for up to ${Math.round(ttl)} s after it last asked the IdP`,
        );
        if (remaining === undefined || ttl < remaining)
          until = ` It will be refused once that cache entry expires (at most ${Math.round(ttl)} s after the gateway's last introspection).`;
      }
      if (input.token?.kind === 'jwt' && config?.auth_methods.includes('bearer') && !config.introspect_jwt_tokens) {
        why.push(
          'auth_methods includes bearer with introspect_jwt_tokens off, so a JWT that verifies locally is never introspected',
        );
      }
      return verdict(
        'accepted_inactive_token',
        `The gateway let through a token the IdP says is no longer active${why.length ? `: ${why.join('; and ')}` : ' (it did not ask the IdP, or cached an earlier answer)'}.${until}`,
        FIX.revocationAtOnce,
        why.length ? 'certain' : 'likely',
        'none',
      );
    }
    return verdict('ok', `The gateway accepted the request (${status}).`, undefined, 'certain', 'none');
  }

  if ((status === 401 || status === 403) && fromUpstream(input, challenges)) {
    return verdict(
      'upstream_rejected',
      `The ${status} came from the upstream service behind the gateway, not from the gateway's token check: the gateway let the request through.`,
      FIX.upstream,
      'likely',
      'upstream',
    );
  }

  if (bearer && /^dpop$/i.test(bearer.scheme) && !/^dpop$/i.test(input.request?.authorizationScheme ?? '')) {
    return verdict(
      'dpop_required',
      SUMMARY.dpop,
      `Get a DPoP-bound token and send "Authorization: DPoP <token>" with a DPoP proof header${bearer.params.algs ? ` signed with one of: ${bearer.params.algs}` : ''}.`,
    );
  }

  if (status === 401) {
    const location = input.request?.tokenLocation;
    if (location === 'none') {
      return verdict('no_token', SUMMARY.noToken, FIX.sendBearer);
    }
    if (config && location && location !== 'header' && !config.bearer_token_param_type.includes(location)) {
      return verdict(
        'token_wrong_place',
        `The token was sent in the ${location}, but this route only reads it from: ${config.bearer_token_param_type.join(', ')} (bearer_token_param_type).`,
        FIX.useBearerHeader,
      );
    }
    if (
      location === 'header' &&
      input.request?.authorizationScheme &&
      !/^(bearer|dpop)$/i.test(input.request.authorizationScheme)
    ) {
      return verdict(
        'token_wrong_place',
        `The Authorization header uses the scheme "${input.request.authorizationScheme}", so the gateway found no bearer token in it.`,
        FIX.useBearerScheme,
      );
    }
    if (bearer?.params.error === 'invalid_request' || (bearer && !bearer.params.error && location === undefined)) {
      if (!input.token) {
        return verdict('no_token', SUMMARY.noUsableToken, FIX.sendBearer, 'likely');
      }
    }

    const exp = typeof claims.exp === 'number' ? claims.exp : undefined;
    const leeway = config?.leeway ?? 0;
    const expired =
      verificationFailure(input, 'jwt.expired') || (exp !== undefined && exp * 1000 + leeway * 1000 <= input.now);
    if (expired && exp !== undefined) {
      return verdict(
        'token_expired',
        `The token expired at ${timeText(exp, input.now)}${leeway ? ` (gateway leeway ${leeway} s)` : ''}.`,
        FIX.expired,
      );
    }
    const nbf = typeof claims.nbf === 'number' ? claims.nbf : undefined;
    if (
      verificationFailure(input, 'jwt.not_yet_valid') ||
      (nbf !== undefined && nbf * 1000 - leeway * 1000 > input.now)
    ) {
      return verdict(
        'token_not_yet_valid',
        `The token is not valid before ${nbf !== undefined ? timeText(nbf, input.now) : 'its nbf time'}; the gateway's or the IdP's clock is ahead.`,
        FIX.clock,
      );
    }
    if (intro && 'active' in intro && !intro.active) {
      return verdict('token_inactive', SUMMARY.inactive, FIX.inactive);
    }
    if (intro && 'error' in intro && intro.error.code === 'oauth.invalid_client') {
      return verdict('client_deactivated', SUMMARY.clientDeactivated, FIX.clientDeactivated, 'likely');
    }
    if (verificationFailure(input, 'jwt.unknown_kid')) {
      return verdict(
        'unknown_signing_key',
        `The token is signed with a key (kid ${String(input.token?.header?.kid ?? '?')}) that is not in the IdP's JWKS: keys were rotated, or the token comes from another issuer.`,
        FIX.unknownKid,
      );
    }
    const alg = verificationFailure(input, 'jwt.alg_none', 'jwt.alg_not_allowed');
    const hsAlg =
      typeof input.token?.header?.alg === 'string' &&
      /^HS/.test(input.token.header.alg) &&
      config &&
      !config.enable_hs_signatures;
    if (alg || hsAlg) {
      return verdict(
        'algorithm_not_allowed',
        `The token is signed with ${String(input.token?.header?.alg)}, an algorithm the gateway does not accept${hsAlg ? ' (enable_hs_signatures is off)' : ''}.`,
        FIX.algorithm,
      );
    }
    if (verificationFailure(input, 'jwt.signature_invalid')) {
      return verdict('signature_invalid', SUMMARY.signature, FIX.signature);
    }
    const iss = typeof claims.iss === 'string' ? claims.iss : undefined;
    const issMismatch = verificationFailure(input, 'jwt.issuer_mismatch');
    if (iss && config?.issuer) {
      const allowed = [config.issuer, ...(config.issuers_allowed ?? [])].map((value) =>
        value.replace(/\/\.well-known\/.*$/, ''),
      );
      if (!allowed.some((value) => value === iss)) {
        const slash = allowed.some((value) => value.replace(/\/$/, '') === iss.replace(/\/$/, ''));
        return verdict(
          'issuer_mismatch',
          `The token's issuer is ${iss}, but the gateway expects ${allowed.join(' or ')}${slash ? ' (they differ only by a trailing slash)' : ''}.`,
          FIX.issuerConfig,
        );
      }
    } else if (issMismatch) {
      return verdict('issuer_mismatch', issMismatch.message, FIX.issuer, 'likely');
    }
    const audMismatch = verificationFailure(input, 'jwt.audience_mismatch');
    if (audMismatch) return verdict('audience_mismatch', audMismatch.message, FIX.audienceRequest, 'likely');

    const usesIntrospection = config
      ? config.auth_methods.includes('introspection')
      : input.gatewayKind === 'apache' || input.token?.kind === 'opaque';
    if (intro && 'active' in intro && intro.active && usesIntrospection) {
      const tls = config && config.ssl_verify ? " or cannot verify the IdP's TLS certificate" : '';
      return verdict(
        'gateway_introspection_failed',
        `The IdP says the token is active, yet the gateway refused it: the gateway's own introspection call is failing (its client credentials are refused${tls}, or it calls the wrong introspection endpoint).`,
        FIX.gatewayIntrospection,
        'likely',
      );
    }
    if (bearer?.params.error_description) {
      return verdict('unexplained', `The gateway says: ${bearer.params.error_description}.`, undefined, 'possible');
    }
    return verdict('unexplained', SUMMARY.unexplained401, FIX.unexplained401, 'possible');
  }

  if (status === 403) {
    if (config) {
      const scopeClaim = claimValues(authzClaims, config.scopes_claim);
      const scopeMissing = missingRequired(scopeClaim, config.scopes_required);
      if (scopeMissing) {
        if (scopeClaim === undefined && config.scopes_claim.join('.') === 'scope' && authzClaims.scp !== undefined) {
          const scp = claimValues(authzClaims, ['scp']) ?? [];
          return verdict(
            'scope_claim_mismatch',
            `The gateway looks for scopes in the "scope" claim, but this Okta token carries them in "scp" (${scp.join(' ')}), so it finds none.`,
            FIX.scpClaim,
          );
        }
        return verdict(
          'scope_missing',
          `The route requires scope ${scopeMissing.missing.join(' and ')}, which the token does not have (it has: ${scopeClaim?.join(' ') || 'none'}).`,
          `Request the token with scope "${scopeMissing.needed.join(' ')}" and grant it to the client at the IdP.`,
        );
      }
      const audMissing = missingRequired(claimValues(authzClaims, config.audience_claim), config.audience_required);
      if (audMissing) {
        return verdict(
          'audience_mismatch',
          `The route requires audience ${audMissing.missing.join(' and ')}, but the token's ${config.audience_claim.join('.')} is ${claimValues(authzClaims, config.audience_claim)?.join(', ') || 'missing'}.`,
          FIX.audienceRequired,
        );
      }
      const groupMissing = missingRequired(claimValues(authzClaims, config.groups_claim), config.groups_required);
      if (groupMissing) {
        return verdict(
          'group_missing',
          `The route requires group ${groupMissing.missing.join(' and ')}, which the token's ${config.groups_claim.join('.')} claim does not list (it has: ${claimValues(authzClaims, config.groups_claim)?.join(', ') || 'no groups claim'}).`,
          FIX.group,
        );
      }
      const roleMissing = missingRequired(claimValues(authzClaims, config.roles_claim), config.roles_required);
      if (roleMissing) {
        return verdict(
          'role_missing',
          `The route requires role ${roleMissing.missing.join(' and ')}, which the token's ${config.roles_claim.join('.')} claim does not list.`,
          FIX.role,
        );
      }
      if (config.consumer_claim && config.consumer_claim.length > 0 && !config.consumer_optional) {
        const value = claimValues(authzClaims, config.consumer_claim)?.[0];
        return verdict(
          'consumer_not_found',
          `The route maps tokens to Kong consumers by ${config.consumer_claim.join('.')} (${value ?? 'missing in this token'}), and no consumer matched, so Kong answered 403.`,
          FIX.consumerConfig,
        );
      }
    }
    if (/consumer/i.test(input.gateway.body ?? '')) {
      return verdict('consumer_not_found', SUMMARY.consumer, FIX.consumer, 'likely');
    }
    if (bearer?.params.error === 'insufficient_scope') {
      return verdict(
        'scope_missing',
        `The gateway says the token lacks a required scope${bearer.params.scope ? ` (${bearer.params.scope})` : ''}.`,
        FIX.scopes,
        'likely',
      );
    }
    return verdict('unexplained', SUMMARY.unexplained403, FIX.unexplained403, 'possible');
  }

  return verdict(
    'unexplained',
    `The gateway answered ${status}, which is not an authentication decision.`,
    undefined,
    'possible',
  );
}
