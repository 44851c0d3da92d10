import { claimValues, missingRequired, withKongDefaults } from '../gateway/kong-oidc-config';
import type { EffectiveKongOidcConfig, KongOidcConfig } from '../gateway/kong-oidc-config';
import type { ErrorCode } from '../errors';
import { adaptFindingForApache } from '../gateway/apache-conf';
import { lintKongOidc } from '../gateway/lint';
import { selectProfile } from '../gateway/profiles';
import type { GatewayProfile, GatewayProfileId } from '../gateway/profiles';
import type { JwtErrorCode } from '../jwt/error-codes';
import { headerValue } from '../http/headers';
import { isOktaOrgIssuer } from '../oauth/okta';
import { logSignal } from './gateway-log';
import type { GatewayLogSignal, LogEvidence } from './gateway-log';
import { parseWwwAuthenticate } from './www-authenticate';
import type { AuthChallenge } from './www-authenticate';

/** What the API expects of a token, when the caller knows it (or the route's configuration says it). */
export interface Expectations {
  /** Any one of these audiences will do. */
  audience?: string[];
  /** All of these scopes are needed. */
  scopes?: string[];
  /** Claim name → the value it must have (or contain, for a list). */
  claims?: Record<string, string>;
}

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
    /** Why the string sent is not a token an IdP issued (notATokenReason), when it is not. */
    malformed?: string;
  };
  /** The IdP's answer about the token (our own introspection call), or why it failed. */
  introspection?:
    { active: boolean; claims?: Record<string, unknown> } | { error: { code: ErrorCode; message: string } };
  /** Who asked the IdP in our own introspection: the client id, and the authorization server (its issuer). */
  introspectedBy?: { clientId?: string; issuer?: string };
  /** Which gateway answered, as a profile; when left out it follows from gatewayKind and kongConfig. */
  gatewayProfile?: GatewayProfileId;
  /** Which gateway answered, when known. */
  gatewayKind?: 'kong' | 'apache' | 'other';
  /** The route's configuration, when known (Kong's field names; Apache routes are read into the same model). */
  kongConfig?: KongOidcConfig;
  /** What the API expects of the token; added to what the route's configuration requires. */
  expected?: Expectations;
  /**
   * The gateway's own error-log lines about this request (linesForRequest +
   * logEvidence), already masked. Undefined: no log was given; empty: a log
   * was read and the gateway wrote nothing about this request.
   */
  gatewayLog?: LogEvidence[];
  /** The IdP's own record of the token's application and user, when it was asked (Okta's management API). */
  idpRecord?: IdpRecord;
}

/**
 * What the IdP's management API says about the application a token was
 * issued to and its user: facts, not inferences. An error means asking
 * failed, and the verdict keeps what it inferred without it.
 */
export interface IdpRecord {
  source: 'okta-management-api';
  app?: { clientId: string; status: string; active: boolean; label?: string };
  user?: { id: string; status: string; active: boolean; login?: string };
  error?: { code: ErrorCode; message: string };
}

export type VerdictCode =
  | 'ok'
  | 'no_token'
  | 'not_a_token'
  | 'token_wrong_place'
  | 'redirected_to_login'
  | 'token_expired'
  | 'clock_skew'
  | 'token_not_yet_valid'
  | 'issuer_mismatch'
  | 'wrong_authorization_server'
  | 'audience_mismatch'
  | 'scope_missing'
  | 'scope_or_consumer'
  | 'scope_claim_mismatch'
  | 'claim_mismatch'
  | 'claim_forbidden'
  | 'group_missing'
  | 'role_missing'
  | 'token_inactive'
  | 'introspected_by_other_client'
  | 'client_deactivated'
  | 'user_inactive'
  | 'gateway_introspection_failed'
  | 'unknown_signing_key'
  | 'signature_invalid'
  | 'algorithm_not_allowed'
  | 'dpop_required'
  | 'consumer_not_found'
  | 'upstream_rejected'
  | 'accepted_inactive_token'
  | 'accepted_invalid_token'
  | 'accepted_as_anonymous'
  | 'unexplained';

export interface Evidence {
  /**
   * Where it comes from; 'gateway-log' is the gateway's own words from its
   * error log, 'idp-record' the IdP's management API (a fact, not a guess).
   */
  source: 'gateway' | 'gateway-log' | 'token' | 'jwt-check' | 'introspection' | 'config' | 'request' | 'idp-record';
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

/** Apache's built-in 401 page, which only Apache itself sends. */
const APACHE_ERROR_PAGE = /This server could not verify that you\s+are authorized to access/;

/** True when the response was produced by the upstream service rather than the gateway itself. */
function fromUpstream(input: DiagnosisInput, profile: GatewayProfile, challenges: AuthChallenge[]): boolean {
  const h = input.gateway.headers;
  // The gateway's own log saying it accepted the token settles a 401: the refusal came from behind it.
  if (input.gateway.status === 401 && input.gatewayLog?.some((line) => line.signal === 'token_accepted')) return true;
  const by = profile.answeredBy(h);
  if (by !== undefined) return by === 'upstream';
  if (challenges.some((c) => /^(bearer|dpop)$/i.test(c.scheme))) return false;
  // Apache's own authorization refusal (a Require line) is a bare 401 too: its log or its error page says so.
  if (input.gatewayLog?.some((line) => line.signal === 'claim_rule_failed' || line.signal === 'authorization_failed'))
    return false;
  if (profile.language === 'apache' && APACHE_ERROR_PAGE.test(input.gateway.body ?? '')) return false;
  // mod_auth_openidc answers every 401 of its token check with a Bearer challenge: a bare 401 behind it is the upstream's.
  if (profile.language === 'apache' && input.gateway.status === 401) return true;
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

/** The client a token was issued to: RFC 9068 client_id, Okta's cid, or OIDC's azp. */
export function tokenClient(claims: Record<string, unknown>): string | undefined {
  for (const name of ['client_id', 'cid', 'azp']) if (typeof claims[name] === 'string') return claims[name];
  return undefined;
}

function customServerOf(issuer: string | undefined): string | undefined {
  return issuer && /\/oauth2\/[^/]+\/?$/.test(issuer.replace(/\/\.well-known\/.*$/, ''))
    ? issuer.replace(/\/\.well-known\/.*$/, '')
    : undefined;
}

/** Kong 3.14's consumer_claims (a list of claim paths) or the older consumer_claim (one path). */
function consumerClaimPaths(config: EffectiveKongOidcConfig): string[][] {
  const many = config.consumer_claims;
  if (Array.isArray(many) && many.length > 0)
    return many.map((path) => (Array.isArray(path) ? path.map(String) : String(path).split('.')));
  return config.consumer_claim && config.consumer_claim.length > 0 ? [config.consumer_claim] : [];
}

// The words of the verdicts live in these tables, so the decisions below read as decisions.
/** Verdict sentences that need no value from the case. */
const SUMMARY = {
  dpop: 'The gateway requires a DPoP-bound token and proof (WWW-Authenticate scheme DPoP), but the request sent a plain bearer token.',
  noToken: 'The request carried no token, so the gateway refused it.',
  noUsableToken:
    'The gateway found no usable token in the request (WWW-Authenticate has no error code, or invalid_request).',
  kongNoToken:
    'Kong found no token in the request: it answers error="invalid_token" also when there is none, and the request carried none it could read.',
  clientDeactivated:
    'The IdP no longer accepts the client application that obtained this token (our own introspection with its credentials got invalid_client): the application was deactivated or its credentials changed, and its tokens died with it.',
  signature:
    "The token's signature does not verify against the IdP's keys: it was altered, or signed by another issuer.",
  unexplained401: 'The gateway refused the token but gave no reason, and the token looks valid from here.',
  consumer: 'Kong found no consumer for this token ("kong consumer was not found"), so it answered 403.',
  unexplained403:
    'The gateway accepted the token but refused access (403); its authorization rules are not known here.',
  scopeOrConsumer:
    "Kong answered 403 insufficient_scope, which it sends both for a missing scope, audience, group or role and for a token that maps to no Kong consumer; without the route's configuration it cannot be told which.",
  emptyApacheLog:
    "Apache's error log has nothing about this request, which rules out a failed introspection call (mod_auth_openidc logs those as errors) and fits an inactive answer (it logs nothing for those at its default level): the IdP most likely told Apache the token is not active.",
} as const;

/** What to do, per verdict (and variant); gateway-specific advice comes from the profile's fix table. */
const FIX = {
  claimRule:
    "Get a token whose claims satisfy the route's rule (the IdP's claim mapping, the user's or client's attributes), or change the rule (Apache: its Require claim line).",
  upstream:
    'Look at the upstream service: it may want a different header (check upstream_access_token_header / upstream_headers_claims) or its own credentials.',
  upstreamNeutral:
    'Look at the upstream service: it may want the token in another header, another audience, or its own credentials.',
  sendBearer: 'Send the access token in the Authorization header: "Authorization: Bearer <token>".',
  useBearerScheme: 'Use "Authorization: Bearer <token>".',
  expired: 'Fetch a new token (or refresh it) before calling; the runner can re-fetch expired tokens for you.',
  inactive: 'Get a new token; if the client application was deactivated at the IdP, reactivate it first.',
  notAToken:
    'Send the access_token value from the IdP\'s token response (e.g. run "oidc-flow token" or the flow\'s token step and pass its output), not a placeholder or a cut-off copy.',
  clientDeactivated:
    'Reactivate the application at the IdP (Okta: Applications, the app, Activate) or fix its credentials, then get a new token.',
  unknownKid:
    'Fetch a new token; if it keeps failing, check that the gateway and the client use the same issuer, and that the gateway re-reads the JWKS (rediscovery).',
  algorithm: 'Have the IdP sign access tokens with an asymmetric algorithm such as RS256.',
  signature: 'Use an unmodified token from the issuer the gateway trusts.',
  issuer: 'Get the token from the authorization server the gateway trusts.',
  orgServer:
    "Get the token from the custom authorization server the gateway trusts (its token endpoint under /oauth2/<id>/v1/token, e.g. /oauth2/default): tokens of Okta's org authorization server are for Okta's own APIs only.",
  audienceRequest: 'Request the token for the audience the API expects (audience/resource parameter).',
  scpClaim: 'Set scopes_claim to ["scp"] on the plugin.',
  group: 'Add the user to the group at the IdP and make sure the authorization server puts groups in the token.',
  role: 'Give the user or client the role at the IdP.',
  consumerConfig: 'Create a Kong consumer for this client (username or custom_id), or set consumer_optional to true.',
  scopes: 'Request the token with the scopes the route requires.',
  claimForbidden: 'Get a token without that claim, or change claims_forbidden on the plugin.',
  scopeOrConsumer:
    'Load the route\'s plugin configuration (--kong-config, the Admin API or decK) or read Kong\'s error log: its [notice] line says "kong consumer was not found" or which scopes are missing.',
  unexplained403:
    "Load the route's plugin configuration (Kong Admin API, Konnect or decK) so the check can be explained.",
  redirect:
    'Send the access token ("Authorization: Bearer <token>"); to get a 401 instead of a login page for API calls, list only the methods the route needs in auth_methods (e.g. ["bearer"] or ["introspection"]).',
  redirectNeutral:
    'Send the access token ("Authorization: Bearer <token>"); for API calls, protect the route as a resource server (bearer tokens) rather than with a browser login.',
  anonymous:
    'Remove anonymous from the plugin if failed checks must be refused, or make the upstream refuse the anonymous consumer.',
  appInactive:
    'Reactivate the application in Okta (Applications, the app, Activate), then get a new token: the tokens issued before the deactivation stay inactive after it is reactivated.',
  userInactive:
    "Reactivate, unsuspend or unlock the user in Okta (Directory, People, the user), then get a new token for them: the user's old tokens stay inactive.",
  inactiveAppActive: 'Get a new token; the application is active, so there is nothing to reactivate.',
} as const;

type RecordApp = NonNullable<IdpRecord['app']>;
type RecordUser = NonNullable<IdpRecord['user']>;

/** Okta user states whose tokens Okta ends (a suspended or deactivated user's tokens are no longer active). */
const TOKEN_ENDING_USER_STATES = new Set(['SUSPENDED', 'DEPROVISIONED']);

// A label that only repeats the client id (the sandbox's, Okta's default for some apps) is said once.
const appName = (app: RecordApp) =>
  app.label && app.label !== app.clientId ? `${app.label} (client ${app.clientId})` : `with client id ${app.clientId}`;
const userName = (user: RecordUser) => (user.login ? `${user.login} (${user.id})` : user.id);

/** The sentences of what the IdP's management API confirmed, as opposed to what was inferred. */
const CONFIRMED = {
  appInactive: (app: RecordApp) =>
    `Okta confirms the application ${appName(app)} is ${app.status}: it was deactivated, and the tokens issued to it died with it, so the gateway refused this one.`,
  userInactive: (user: RecordUser) =>
    `Okta confirms the user ${userName(user)} is ${user.status}, not ACTIVE: Okta no longer vouches for the tokens of a user in that state, so the gateway refused this one.`,
  userNotActive: (user: RecordUser) =>
    `Okta confirms the user ${userName(user)} is ${user.status}, not ACTIVE, which most likely is why the gateway refused the token.`,
  appActive: (app: RecordApp) => `Okta confirms the application ${appName(app)} is ACTIVE, so it was not deactivated`,
  appEvidence: (app: RecordApp) => `Okta's management API: the application ${appName(app)} is ${app.status}.`,
  userEvidence: (user: RecordUser) => `Okta's management API: the user ${userName(user)} is ${user.status}.`,
  failedEvidence: (error: NonNullable<IdpRecord['error']>) =>
    `Asking Okta's management API failed [${error.code}]: ${error.message} The verdict below is inferred without it.`,
  credentialsNotApp: (app: RecordApp) =>
    `Okta confirms the application ${appName(app)} is ACTIVE, so the invalid_client answer to our own introspection means the credentials we introspected with are wrong (a changed secret, another auth method), not a deactivated application.`,
} as const;

/** Which evidence would settle an unexplained verdict, worded for this gateway. */
function missingEvidence(input: DiagnosisInput, profile: GatewayProfile): string | undefined {
  const needs: string[] = [];
  // A reason already in the body needs no display_errors; the log may still say more.
  if (input.gatewayLog === undefined && !profile.bodyReason(input.gateway.status, input.gateway.body))
    needs.push(profile.fix.moreEvidence);
  if (!input.kongConfig)
    needs.push(
      profile.language === 'apache'
        ? "give the route's Apache configuration (its <Location> with the OIDC directives and Require lines)"
        : profile.language === 'kong'
          ? "give the route's plugin configuration (--kong-config, or the flow file's gateway.config)"
          : "give the route's configuration",
    );
  if (!input.expected?.audience && !input.kongConfig?.audience_required)
    needs.push('give the audience the API expects (--audience)');
  return needs.length ? `To settle it, ${needs.join('; ')}.` : undefined;
}

/** Joins the gateway's answer, the token, the IdP's view and the route's config into one verdict. */
export function diagnose(input: DiagnosisInput): Verdict {
  const status = input.gateway.status;
  const challengeText = headerValue(input.gateway.headers, 'www-authenticate');
  const challenges = parseWwwAuthenticate(challengeText);
  const bearer = challenges.find((c) => /^(bearer|dpop)$/i.test(c.scheme));
  const profile = selectProfile({
    gatewayProfile: input.gatewayProfile,
    gatewayKind: input.gatewayKind,
    config: input.kongConfig,
    headers: input.gateway.headers,
  });
  const evidence: Evidence[] = [];
  evidence.push({
    source: 'gateway',
    text: `The gateway answered ${status}${challengeText ? ` with WWW-Authenticate: ${challengeText}` : ''}.`,
  });
  if (input.gateway.body && input.gateway.body.length < 300)
    evidence.push({ source: 'gateway', text: `Body: ${input.gateway.body.trim()}` });
  for (const line of input.gatewayLog ?? []) {
    evidence.push({ source: 'gateway-log', text: `${line.level ? `[${line.level}] ` : ''}${line.text}` });
  }
  // The gateway's own words: its log lines' signals, and the reason it put in the body (Kong's display_errors).
  const bodyReason = profile.bodyReason(status, input.gateway.body);
  const said = new Map<GatewayLogSignal, string>();
  for (const line of input.gatewayLog ?? [])
    if (line.signal && !said.has(line.signal)) said.set(line.signal, line.text);
  const bodySignal = bodyReason ? logSignal(bodyReason) : undefined;
  if (bodySignal && !said.has(bodySignal)) said.set(bodySignal, bodyReason!);
  const quote = (signal: GatewayLogSignal) => `"${said.get(signal)}"`;

  const config: EffectiveKongOidcConfig | undefined = input.kongConfig ? withKongDefaults(input.kongConfig) : undefined;
  const claims = { ...(input.token?.payload ?? {}) };
  const intro = introspectionOf(input);
  const verified = input.token?.verification?.valid;
  // Kong looks in the introspection result first, then the JWT; but only a gateway that
  // introspects this token has an introspection result to look in.
  const gatewayIntrospects = input.token
    ? profile.introspects({ kind: input.token.kind, verifiesLocally: verified }, input.kongConfig)
    : undefined;
  const authzClaims: Record<string, unknown> =
    gatewayIntrospects !== false && intro && 'active' in intro && intro.active
      ? { ...claims, ...intro.claims }
      : claims;
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
  const record = input.idpRecord;
  if (record?.app) evidence.push({ source: 'idp-record', text: CONFIRMED.appEvidence(record.app) });
  if (record?.user) evidence.push({ source: 'idp-record', text: CONFIRMED.userEvidence(record.user) });
  if (record?.error) evidence.push({ source: 'idp-record', text: CONFIRMED.failedEvidence(record.error) });
  const appConfirmedActive = record?.app?.active === true;
  if (appConfirmedActive && intro && 'error' in intro && intro.error.code === 'oauth.invalid_client')
    evidence.push({ source: 'idp-record', text: CONFIRMED.credentialsNotApp(record!.app!) });
  if (input.kongConfig && (profile.id === 'kong-openid-connect' || profile.language === 'apache')) {
    // The route's config lint, checked against this very token, is evidence too; the findings that
    // hold for any request (TLS verification, default auth methods, query tokens) would only be noise here.
    const generic = new Set(['ssl-verify-off', 'auth-methods-default', 'token-in-query']);
    const token = input.token?.payload ? { kind: input.token.kind, claims: input.token.payload } : undefined;
    // The config here is a description (a flow file, --kong-config): what it leaves out is unknown, not Kong's default.
    for (const finding of lintKongOidc(input.kongConfig, { token, partial: true })) {
      if (generic.has(finding.rule) || finding.severity === 'info') continue;
      // An Apache route's findings speak its directives, never Kong's fields.
      const worded = profile.language === 'apache' ? adaptFindingForApache(finding) : finding;
      evidence.push({ source: 'config', text: `${worded.field}: ${worded.message}` });
    }
  }

  const verdict = (
    code: VerdictCode,
    summary: string,
    fix: string | undefined,
    confidence: Verdict['confidence'] = 'certain',
    decidedBy: Verdict['decidedBy'] = 'gateway',
  ): Verdict => ({ code, summary, fix, decidedBy, confidence, evidence });

  const leeway = profile.leeway(input.kongConfig);
  const exp = typeof claims.exp === 'number' ? claims.exp : undefined;
  const nbf = typeof claims.nbf === 'number' ? claims.nbf : undefined;
  const expiredBeyondLeeway = exp !== undefined && exp * 1000 + leeway * 1000 <= input.now;
  const notYetValid = nbf !== undefined && nbf * 1000 - leeway * 1000 > input.now;
  const unexpiredJwt = input.token?.kind === 'jwt' && exp !== undefined && exp * 1000 > input.now;

  /** The first of the route's (and the caller's) requirements this token fails, as a verdict. */
  const requirementFailure = (): Verdict | undefined => {
    if (config) {
      const forbidden = Array.isArray(config.claims_forbidden) ? config.claims_forbidden.map(String) : [];
      const present = forbidden.find((name) => authzClaims[name] !== undefined);
      if (present)
        return verdict(
          'claim_forbidden',
          `The token carries the claim "${present}" (${JSON.stringify(authzClaims[present])}), which the route lists in claims_forbidden, so Kong answered 403.`,
          FIX.claimForbidden,
        );
      const scopeClaim = claimValues(authzClaims, config.scopes_claim);
      const scopeMissing = missingRequired(scopeClaim, config.scopes_required);
      if (scopeMissing) {
        if (scopeClaim === undefined && config.scopes_claim.join('.') === 'scope' && authzClaims.scp !== undefined) {
          const scp = claimValues(authzClaims, ['scp']) ?? [];
          return verdict(
            'scope_claim_mismatch',
            `The gateway looks for scopes in the "scope" claim, but this Okta token carries them in "scp" (${scp.join(' ')}), so it finds none.`,
            profile.language === 'apache'
              ? 'Write the requirement against the claim the token carries: Require claim scp:<scope>.'
              : FIX.scpClaim,
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
          profile.fix.audienceRequired,
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
    }
    // The caller's expectations, plus the claim rules the route's configuration holds (Apache's "Require claim").
    const configured = config?.required_claims;
    const expected: Expectations | undefined =
      configured && typeof configured === 'object'
        ? { ...input.expected, claims: { ...(configured as Record<string, string>), ...input.expected?.claims } }
        : input.expected;
    if (!expected) return undefined;
    if (expected.audience?.length) {
      const aud = claimValues(authzClaims, ['aud']);
      if (!aud?.some((value) => expected.audience!.includes(value)))
        return verdict(
          'audience_mismatch',
          `The API expects audience ${expected.audience.join(' or ')}, but the token's aud is ${aud?.join(', ') || 'missing'}.`,
          profile.fix.audienceRequired,
        );
    }
    if (expected.scopes?.length) {
      const have = claimValues(authzClaims, ['scope']) ?? claimValues(authzClaims, ['scp']) ?? [];
      const missing = expected.scopes.filter((scope) => !have.includes(scope));
      if (missing.length)
        return verdict(
          'scope_missing',
          `The API expects scope ${missing.join(' and ')}, which the token does not have (it has: ${have.join(' ') || 'none'}).`,
          `Request the token with scope "${expected.scopes.join(' ')}" and grant it to the client at the IdP.`,
        );
    }
    for (const [name, want] of Object.entries(expected.claims ?? {})) {
      const have = claimValues(authzClaims, name.split('.'));
      if (!have?.includes(want))
        return verdict(
          'claim_mismatch',
          `The API requires claim ${name} to be ${want}, but the token's ${name} is ${have === undefined ? 'missing' : JSON.stringify(authzClaims[name] ?? have.join(' '))}.`,
          `Get a token whose ${name} is ${want} (the IdP's claim mapping, the user's or client's attributes), or change the requirement.`,
        );
    }
    return undefined;
  };

  if (status >= 300 && status < 400) {
    const location = headerValue(input.gateway.headers, 'location') ?? '';
    if (/authorize|response_type=/.test(location))
      return verdict(
        'redirected_to_login',
        `The gateway did not accept the request: it redirected it (${status}) to the IdP's login at ${location.split('?')[0]}, ${profile.language === 'kong' ? 'as Kong does with the default auth_methods (authorization_code among them)' : 'a browser login flow'} when it finds no usable token.`,
        profile.language === 'kong' ? FIX.redirect : FIX.redirectNeutral,
      );
  }

  if (status < 400) {
    const failedCheck =
      (intro && 'active' in intro && !intro.active) ||
      verified === false ||
      (expiredBeyondLeeway && profile.checksExpiry(input.kongConfig));
    if (config?.anonymous && failedCheck) {
      return verdict(
        'accepted_as_anonymous',
        `The token fails the gateway's checks, but the route sets anonymous (${String(config.anonymous)}), so Kong proxied the request as that consumer instead of refusing it.`,
        FIX.anonymous,
        'likely',
        'none',
      );
    }
    if (intro && 'active' in intro && !intro.active) {
      const why: string[] = [];
      const remaining = exp !== undefined ? Math.max(0, exp - input.now / 1000) : undefined;
      let until =
        exp !== undefined
          ? ` It keeps working until ${timeText(exp, input.now)} at the latest, when the token expires.`
          : '';
      const kind = input.token?.kind ?? 'opaque';
      const introspectsIt = profile.introspects({ kind, verifiesLocally: verified }, input.kongConfig);
      const ttl = introspectsIt
        ? profile.introspectionCacheSeconds(input.kongConfig, { active: true, exp }, input.now)
        : 0;
      if (input.kongConfig && introspectsIt && ttl !== undefined && ttl > 0) {
        const rounded = Math.round(ttl);
        why.push(
          profile.language === 'apache'
            ? `OIDCOAuthTokenIntrospectionInterval lets Apache reuse its earlier "active" answer for up to ${rounded} s after it last asked the IdP`
            : `cache_introspection is on, so the gateway reuses its earlier "active" answer for up to ${rounded} s after it last asked the IdP`,
        );
        if (remaining === undefined || ttl < remaining)
          until = ` It will be refused once that cache entry expires (at most ${rounded} s after the gateway's last introspection).`;
      }
      if (input.kongConfig && kind === 'jwt' && introspectsIt === false) {
        why.push(
          profile.language === 'apache'
            ? 'OIDCOAuthVerifyJwksUri makes Apache verify JWTs locally, so it never asks the IdP'
            : profile.id === 'kong-jwt'
              ? 'the jwt plugin verifies JWTs locally and never asks the IdP'
              : 'auth_methods includes bearer with introspect_jwt_tokens off, so a JWT that verifies locally is never introspected',
        );
      }
      return verdict(
        'accepted_inactive_token',
        `The gateway let through a token the IdP says is no longer active${why.length ? `: ${why.join('; and ')}` : ' (it did not ask the IdP, or cached an earlier answer)'}.${until}`,
        profile.fix.revocationAtOnce,
        why.length ? 'certain' : 'likely',
        'none',
      );
    }
    const accepted: string[] = [];
    if (expiredBeyondLeeway && exp !== undefined)
      accepted.push(`it expired at ${timeText(exp, input.now)}${leeway ? ` (beyond the ${leeway} s leeway)` : ''}`);
    if (notYetValid && nbf !== undefined) accepted.push(`it is not valid before ${timeText(nbf, input.now)}`);
    if (input.expected?.audience?.length) {
      const aud = claimValues(claims, ['aud']);
      if (aud && !aud.some((value) => input.expected!.audience!.includes(value)))
        accepted.push(`its aud is ${aud.join(', ')}, not ${input.expected.audience.join(' or ')}`);
    }
    if (accepted.length > 0 && input.token?.kind === 'jwt') {
      return verdict(
        'accepted_invalid_token',
        `The gateway let through a token it should have refused: ${accepted.join('; and ')}.`,
        profile.fix.rejectInvalid,
        'certain',
        'none',
      );
    }
    return verdict('ok', `The gateway accepted the request (${status}).`, undefined, 'certain', 'none');
  }

  if ((status === 401 || status === 403) && fromUpstream(input, profile, challenges)) {
    const logged = input.gatewayLog?.find((line) => line.signal === 'token_accepted');
    return verdict(
      'upstream_rejected',
      `The ${status} came from the upstream service behind the gateway, not from the gateway's token check: the gateway let the request through${logged ? ` (its log says "${logged.text}")` : ''}.`,
      profile.language === 'kong' ? FIX.upstream : FIX.upstreamNeutral,
      logged ? 'certain' : 'likely',
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
    const sources = profile.tokenSources(input.kongConfig);
    if (location && !sources.some((source) => source.in === location)) {
      const where = sources.map((source) =>
        source.in === 'header'
          ? `the ${source.name} header`
          : source.in === 'cookie'
            ? `the ${source.name} cookie`
            : `the ${source.name} ${source.in === 'query' ? 'query parameter' : 'body field'}`,
      );
      return verdict(
        'token_wrong_place',
        `The token was sent in the ${location}, but ${profile.name} reads it only from ${where.join(', ') || 'nowhere this route allows'}${input.kongConfig?.bearer_token_param_type ? ' (bearer_token_param_type)' : ''}, so it found no token.`,
        profile.fix.tokenPlace,
        input.kongConfig || profile.id !== 'generic-rfc6750' ? 'certain' : 'likely',
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
    if (!input.token && location === undefined && profile.id === 'kong-openid-connect' && said.has('no_token')) {
      return verdict('no_token', SUMMARY.kongNoToken, FIX.sendBearer);
    }
    if (input.token?.malformed) {
      return verdict(
        'not_a_token',
        `What was sent is not a token an IdP issued: ${input.token.malformed}. There is nothing to revoke or reactivate; the gateway simply cannot read it.`,
        FIX.notAToken,
      );
    }

    // The gateway's own reason (its log, or Kong's body under display_errors) settles what it names.
    const introspectionFailure = (
      ['introspection_client_refused', 'introspection_tls_failed', 'introspection_unreachable'] as const
    ).find((signal) => said.has(signal));
    if (introspectionFailure) {
      const what = {
        introspection_client_refused: [
          'the IdP refused its client credentials',
          profile.fix.gatewayIntrospectionClient,
        ],
        introspection_tls_failed: ["it does not trust the IdP's TLS certificate", profile.fix.gatewayIntrospectionTls],
        introspection_unreachable: [
          'it could not reach the introspection endpoint, or got no usable answer from it',
          profile.fix.gatewayIntrospectionEndpoint,
        ],
      }[introspectionFailure];
      // A gateway that verifies JWTs itself calls the IdP only for its keys: the failed call was the JWKS fetch.
      const fetchedKeys = gatewayIntrospects === false || /jwks|\/keys\b/i.test(said.get(introspectionFailure) ?? '');
      return verdict(
        'gateway_introspection_failed',
        `The gateway failed to ${fetchedKeys ? "fetch the IdP's signing keys (JWKS)" : 'introspect the token'}: ${what[0]} (it says ${quote(introspectionFailure)}).`,
        what[1],
      );
    }
    // mod_auth_openidc names the claim rule that failed ("aud:https://api"): the gateway's own word.
    const claimRule = said.has('claim_rule_failed')
      ? /expression '([^':]+):([^']*)'/.exec(said.get('claim_rule_failed')!)
      : null;
    if (claimRule) {
      const [, name, want] = claimRule as unknown as [string, string, string];
      const have = claimValues(authzClaims, name.split('.'));
      return verdict(
        name === 'aud' ? 'audience_mismatch' : name === 'iss' ? 'issuer_mismatch' : 'claim_mismatch',
        `The gateway's claim rule refused the token: it requires ${name} ${want}, and the token's ${name} is ${have?.join(', ') ?? 'missing'} (it says ${quote('claim_rule_failed')}).`,
        name === 'aud' ? profile.fix.audienceRequired : name === 'iss' ? profile.fix.issuerConfig : FIX.claimRule,
      );
    }
    if (said.has('authorization_failed'))
      return verdict(
        'claim_mismatch',
        `The gateway accepted the token but its authorization rules refused it (it says ${quote('authorization_failed')}).`,
        FIX.claimRule,
        'likely',
      );
    const jwtReason = profile.id === 'kong-jwt' ? bodyReason : undefined;
    if (jwtReason && /^No credentials found for given/.test(jwtReason))
      return verdict(
        'consumer_not_found',
        `Kong's jwt plugin found no consumer credential for the token (it says "${jwtReason}"): no jwt credential has the token's ${/'([^']+)'/.exec(jwtReason)?.[1] ?? 'iss'} (${String(claims[/'([^']+)'/.exec(jwtReason)?.[1] ?? 'iss'] ?? '?')}) as its key.`,
        profile.fix.consumer,
      );
    if (jwtReason && /^Invalid signature|^Invalid key\/secret/.test(jwtReason))
      return verdict(
        'signature_invalid',
        `Kong's jwt plugin says "${jwtReason}": the token does not verify with the consumer credential's key (matched by its iss).`,
        "Give the consumer's jwt credential the IdP's current public key (rsa_public_key) and algorithm.",
      );
    if (jwtReason && /^Invalid algorithm/.test(jwtReason))
      return verdict(
        'algorithm_not_allowed',
        `Kong's jwt plugin says "${jwtReason}": the token's alg (${String(input.token?.header?.alg ?? '?')}) is not the credential's algorithm.`,
        "Set the consumer's jwt credential algorithm to the one the IdP signs with (e.g. RS256).",
      );
    if (jwtReason && /^nbf:/.test(jwtReason))
      return verdict(
        'token_not_yet_valid',
        `Kong's jwt plugin says "${jwtReason}": the token's nbf${nbf !== undefined ? ` (${timeText(nbf, input.now)})` : ''} is ahead of the gateway's clock.`,
        profile.fix.clock,
      );

    const checksExpiry = profile.checksExpiry(input.kongConfig);
    const gatewaySaysExpired = said.has('token_expired') || (jwtReason !== undefined && /^exp:/.test(jwtReason));
    if (gatewaySaysExpired && exp !== undefined && !expiredBeyondLeeway) {
      return verdict(
        'clock_skew',
        `The gateway says the token expired (${said.has('token_expired') ? quote('token_expired') : `"${jwtReason}"`}), but by this machine's clock it expires at ${timeText(exp, input.now)}: the gateway's clock is ahead.`,
        profile.fix.clock,
      );
    }
    const expired =
      gatewaySaysExpired || (checksExpiry && (verificationFailure(input, 'jwt.expired') || expiredBeyondLeeway));
    if (expired) {
      return verdict(
        'token_expired',
        exp !== undefined
          ? `The token expired at ${timeText(exp, input.now)}${leeway ? ` (gateway leeway ${leeway} s)` : ''}.`
          : `The gateway says the token expired: ${said.has('token_expired') ? quote('token_expired') : `"${jwtReason}"`}.`,
        FIX.expired,
      );
    }
    if (checksExpiry && (verificationFailure(input, 'jwt.not_yet_valid') || notYetValid)) {
      return verdict(
        'token_not_yet_valid',
        `The token is not valid before ${nbf !== undefined ? timeText(nbf, input.now) : 'its nbf time'}; the gateway's or the IdP's clock is ahead.`,
        profile.fix.clock,
      );
    }
    const iss = typeof claims.iss === 'string' ? claims.iss : undefined;
    // Okta's org authorization server issues tokens for Okta's own APIs; a custom server's introspection calls them inactive.
    const trusted = customServerOf(input.introspectedBy?.issuer) ?? customServerOf(config?.issuer);
    if (iss && isOktaOrgIssuer(iss) && trusted && new URL(trusted).host === new URL(iss).host) {
      return verdict(
        'wrong_authorization_server',
        `The token comes from Okta's org authorization server (iss ${iss}, no /oauth2/<id>), but the gateway trusts the custom authorization server ${trusted}${intro && 'active' in intro && !intro.active ? ", whose introspection therefore answers active: false: that is not a revocation, the token was never this server's" : ''}.`,
        FIX.orgServer,
      );
    }
    // What the IdP's own records confirm outweighs what its introspection answer lets us infer.
    if (record?.app && !record.app.active)
      return verdict('client_deactivated', CONFIRMED.appInactive(record.app), FIX.appInactive);
    if (record?.user && !record.user.active) {
      const ends =
        TOKEN_ENDING_USER_STATES.has(record.user.status) ||
        (intro && 'active' in intro && !intro.active) ||
        said.has('introspection_inactive');
      return ends
        ? verdict('user_inactive', CONFIRMED.userInactive(record.user), FIX.userInactive)
        : verdict('user_inactive', CONFIRMED.userNotActive(record.user), FIX.userInactive, 'likely');
    }
    const client = tokenClient(claims);
    const asker = input.introspectedBy?.clientId;
    if (
      intro &&
      'active' in intro &&
      !intro.active &&
      asker &&
      client &&
      asker !== client &&
      unexpiredJwt &&
      verified === true
    ) {
      return verdict(
        'introspected_by_other_client',
        `The IdP answered active: false, but we asked as client ${asker} about a token issued to client ${client}, and the token is unexpired and its signature checks: some IdPs answer inactive to a client asking about another client's token, so the answer may be about who asked, not about the token.`,
        `Introspect with the token's own client (--client-id ${client} with its secret) or one the IdP allows to introspect every token, then read the answer again.`,
        'likely',
      );
    }
    if ((intro && 'active' in intro && !intro.active) || said.has('introspection_inactive')) {
      const causes: string[] = [];
      if (!unexpiredJwt) causes.push('expired');
      causes.push('revoked');
      // A deactivation the IdP's records rule out is not offered as a cause.
      const userConfirmedActive = record?.user?.active === true;
      if (!appConfirmedActive)
        causes.push(
          userConfirmedActive ? 'its application was deactivated' : 'its application or user was deactivated',
        );
      else if (!userConfirmedActive) causes.push('its user was deactivated');
      if (verified !== true) causes.push('not issued by this authorization server');
      return verdict(
        'token_inactive',
        `The IdP says the token is no longer active (${causes.join(', ')}${causes.length > 1 ? ': these could not be ruled out' : ''}), so the gateway refused it${appConfirmedActive ? `; ${CONFIRMED.appActive(record!.app!)}` : ''}.`,
        appConfirmedActive ? FIX.inactiveAppActive : FIX.inactive,
      );
    }
    if (intro && 'error' in intro && intro.error.code === 'oauth.invalid_client' && !appConfirmedActive) {
      return verdict('client_deactivated', SUMMARY.clientDeactivated, FIX.clientDeactivated, 'likely');
    }
    if (verificationFailure(input, 'jwt.unknown_kid') || said.has('unknown_signing_key')) {
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
      profile.id === 'kong-openid-connect' &&
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
    const issMismatch = verificationFailure(input, 'jwt.issuer_mismatch');
    if (said.has('issuer_not_allowed')) {
      return verdict('issuer_mismatch', `The gateway says ${quote('issuer_not_allowed')}.`, profile.fix.issuerConfig);
    }
    if (iss && config?.issuer) {
      // Kong's later claim check requires iss to be in issuers_allowed when it is set (handler.lua:1853-1878).
      const allowed = (config.issuers_allowed?.length ? config.issuers_allowed : [config.issuer]).map((value) =>
        value.replace(/\/\.well-known\/.*$/, ''),
      );
      if (!allowed.some((value) => profile.issuerMatches(iss, value))) {
        const slash = allowed.some((value) => value.replace(/\/$/, '') === iss.replace(/\/$/, ''));
        return verdict(
          'issuer_mismatch',
          `The token's issuer is ${iss}, but the gateway expects ${allowed.join(' or ')}${slash ? ' (they differ only by a trailing slash)' : ''}.`,
          profile.fix.issuerConfig,
        );
      }
    } else if (
      iss &&
      profile.id === 'kong-openid-connect' &&
      bearer?.params.realm &&
      bearer.params.realm !== 'kong' &&
      /^https?:\/\//.test(iss) &&
      new URL(iss).host !== bearer.params.realm
    ) {
      // Kong's realm is the host of the issuer it trusts (or "kong" when it has none).
      return verdict(
        'issuer_mismatch',
        `Kong's realm is ${bearer.params.realm}, the host of the issuer it trusts, but the token's iss is ${iss}: the token comes from another authorization server.`,
        profile.fix.issuerConfig,
        'likely',
      );
    } else if (issMismatch) {
      return verdict('issuer_mismatch', issMismatch.message, FIX.issuer, 'likely');
    }
    const audMismatch = verificationFailure(input, 'jwt.audience_mismatch');
    if (audMismatch) return verdict('audience_mismatch', audMismatch.message, FIX.audienceRequest, 'likely');
    if (said.has('audience_mismatch'))
      return verdict('audience_mismatch', `The gateway says ${quote('audience_mismatch')}.`, FIX.audienceRequest);
    // A claim rule that refuses with no challenge (an audience or claim requirement) names no reason on the wire.
    if (!bearer) {
      const failed = requirementFailure();
      if (failed) return failed;
    }

    const emptyLogNoInactiveLines =
      input.gatewayLog !== undefined && input.gatewayLog.length === 0 && !profile.logsInactiveAnswers;
    const weAreToldActive = intro !== undefined && 'active' in intro && intro.active;
    // An empty log fits an inactive answer, but also an IdP that refuses the gateway's client with an
    // empty 401 (Glewlwyd does; mod_auth_openidc then logs nothing): when the IdP tells us the token is
    // active, the gateway's own call is what failed (docs/diagnosis.md, staged against both IdPs).
    if (emptyLogNoInactiveLines && gatewayIntrospects !== false && !weAreToldActive) {
      return verdict('token_inactive', SUMMARY.emptyApacheLog, FIX.inactive, 'likely');
    }
    if (intro && 'active' in intro && intro.active && gatewayIntrospects !== false && verified !== false) {
      const causes = [
        emptyLogNoInactiveLines
          ? 'its own client credentials are refused (an IdP that refuses with an empty body leaves no line in its log)'
          : 'its own client credentials are refused',
        config && profile.id === 'kong-openid-connect' && !config.ssl_verify
          ? undefined
          : "it does not trust the IdP's TLS certificate (its CA bundle)",
        'it calls the wrong introspection endpoint',
        config && profile.id === 'kong-openid-connect' && config.cache_introspection
          ? `or it still holds an earlier {"active":false} answer in its cache (Kong keeps those for cache_ttl, ${config.cache_ttl} s)`
          : undefined,
      ].filter((cause): cause is string => cause !== undefined);
      return verdict(
        'gateway_introspection_failed',
        `The IdP says the token is active${input.token?.kind === 'jwt' && verified ? ' and it verifies locally' : ''}, yet ${profile.name} refused it: the gateway failed to introspect it. Most likely first: ${causes.join('; ')}.`,
        profile.fix.gatewayIntrospection,
        'likely',
      );
    }
    if (bearer?.params.error_description) {
      return verdict(
        'unexplained',
        `The gateway says: ${bearer.params.error_description}.`,
        missingEvidence(input, profile),
        'possible',
      );
    }
    if (bodyReason) {
      return verdict('unexplained', `The gateway says: ${bodyReason}.`, missingEvidence(input, profile), 'possible');
    }
    return verdict('unexplained', SUMMARY.unexplained401, missingEvidence(input, profile), 'possible');
  }

  if (status === 403) {
    if (said.has('claim_forbidden'))
      return verdict('claim_forbidden', `The gateway says ${quote('claim_forbidden')}.`, FIX.claimForbidden);
    if (said.has('consumer_not_found')) return verdict('consumer_not_found', SUMMARY.consumer, profile.fix.consumer);
    const failed = requirementFailure();
    if (failed) return failed;
    if (said.has('required_claims_missing'))
      return verdict('scope_missing', `The gateway says ${quote('required_claims_missing')}.`, FIX.scopes);
    if (config && profile.id === 'kong-openid-connect') {
      const paths = consumerClaimPaths(config);
      if (paths.length > 0 && !config.consumer_optional) {
        const found = paths
          .map((path) => ({ path, value: claimValues(authzClaims, path)?.[0] }))
          .find((entry) => entry.value !== undefined);
        const by =
          Array.isArray(config.consumer_by) && config.consumer_by.length
            ? config.consumer_by.join(' or ')
            : 'custom_id or username';
        return verdict(
          'consumer_not_found',
          found
            ? `The route maps tokens to Kong consumers by ${found.path.join('.')} (${found.value}), and no consumer's ${by} matched, so Kong answered 403.`
            : `The route maps tokens to Kong consumers by ${paths.map((p) => p.join('.')).join(' or ')} (missing in this token), so no consumer can match and Kong answered 403.`,
          FIX.consumerConfig,
        );
      }
    }
    if (/consumer/i.test(input.gateway.body ?? '')) {
      return verdict('consumer_not_found', SUMMARY.consumer, profile.fix.consumer, 'likely');
    }
    if (bearer?.params.error === 'insufficient_scope') {
      // A description that names neither a requirement nor a consumer mapping cannot tell them apart either.
      const describes =
        config &&
        [config.scopes_required, config.audience_required, config.groups_required, config.roles_required].some(
          (list) => Array.isArray(list) && list.length > 0,
        );
      if (profile.id === 'kong-openid-connect' && !describes)
        return verdict('scope_or_consumer', SUMMARY.scopeOrConsumer, FIX.scopeOrConsumer, 'possible');
      return verdict(
        'scope_missing',
        `The gateway says the token lacks a required scope${bearer.params.scope ? ` (${bearer.params.scope})` : ''}.`,
        FIX.scopes,
        'likely',
      );
    }
    return verdict(
      'unexplained',
      SUMMARY.unexplained403,
      missingEvidence(input, profile) ?? FIX.unexplained403,
      'possible',
    );
  }

  return verdict(
    'unexplained',
    `The gateway answered ${status}, which is not an authentication decision.`,
    undefined,
    'possible',
  );
}
