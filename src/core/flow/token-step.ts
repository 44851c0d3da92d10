/** The token step: fetch (or reuse) a token, renew it before a call when it expired, and record it. */
import { OidcError } from '../errors';
import type { HttpClient } from '../http/types';
import { decodeJwt, normalizeToken } from '../jwt';
import {
  authorizationCode,
  clientCredentials,
  deviceAuthorization,
  passwordGrant,
  refreshToken,
  tokenExchange,
  withHttpOptions,
} from '../oauth';
import type { OAuthContext, TokenSet } from '../oauth';
import type { TokenStep } from './file-format';
import type { RunScope } from './run-scope';
import type { StepResult, StepTokenResult, TemplateContext } from './step-result';
import { renderTemplate } from './template';

export interface TokenStepOptions {
  /** The step's recording client. */
  http: HttpClient;
  /** Adds a note to the step (cache use, device codes). */
  note: (message: string) => void;
}

/** The claims of an access token with three parts, or undefined when it only looks like a JWT. */
function decodedClaims(accessToken: string): Record<string, unknown> | undefined {
  try {
    return decodeJwt(normalizeToken(accessToken)).payload;
  } catch {
    // An access token that only looks like a JWT is treated as opaque.
    return undefined;
  }
}

/**
 * Turns a lazy `claims` into the plain data property an eager decode made, in its place among
 * the keys. A result frozen before its claims were read keeps the getter (each read decodes).
 */
function settleClaims(target: object, claims: Record<string, unknown> | undefined): void {
  try {
    Object.defineProperty(target, 'claims', { value: claims, writable: true, enumerable: true, configurable: true });
  } catch {
    // Frozen: nothing to keep the value in.
  }
}

/**
 * A token result's `claims`: the access token decoded at the first read or write, which puts the
 * value in the getter's place. One that does not decode loses its `claims` then, as if it had
 * never had one. The getter reads the result's own `access_token` (nothing changes it).
 */
const LAZY_TOKEN_CLAIMS: PropertyDescriptor = {
  enumerable: true,
  configurable: true,
  get(this: StepTokenResult): Record<string, unknown> | undefined {
    const claims = decodedClaims(this.access_token);
    if (claims === undefined) {
      try {
        delete this.claims;
      } catch {
        // Frozen: it keeps reading undefined.
      }
    } else settleClaims(this, claims);
    return claims;
  },
  set(this: StepTokenResult, claims: Record<string, unknown> | undefined): void {
    settleClaims(this, claims);
  },
};

/** The step result's `claims`: its token's, read at the first read (an own key even when undefined, as before). */
const LAZY_STEP_CLAIMS: PropertyDescriptor = {
  enumerable: true,
  configurable: true,
  get(this: StepResult): Record<string, unknown> | undefined {
    const claims = this.token?.claims;
    settleClaims(this, claims);
    return claims;
  },
  set(this: StepResult, claims: Record<string, unknown> | undefined): void {
    settleClaims(this, claims);
  },
};

/** Three dot-separated parts, as a signed JWT has; normalizeToken strips nothing with a dot in it. */
function hasThreeParts(token: string): boolean {
  const first = token.indexOf('.');
  if (first === -1) return false;
  const second = token.indexOf('.', first + 1);
  return second !== -1 && token.indexOf('.', second + 1) === -1;
}

/**
 * What a step result says about a token set, claims decoded (unverified) when it is a JWT.
 *
 * The claims are decoded when first read. In a `repeat` each iteration's token is decoded and
 * nothing reads its claims unless an assertion, a template, a diagnosis, a report or a view asks:
 * the decode (base64, UTF-8, JSON, a depth walk) was a third of the token step's own time
 * (issue #14 point 1). `claims` stays an own enumerable property whenever the token has three
 * parts, so JSON, structuredClone, spreads, deep equality and masked copies read what an eager
 * decode gave; an access token that only looks like a JWT loses its `claims` at the first read
 * (before it, its key is listed with the value undefined, which JSON leaves out as before).
 */
export function tokenResult(set: TokenSet): StepTokenResult {
  const out: StepTokenResult = { access_token: set.accessToken, token_type: set.tokenType };
  if (set.idToken) out.id_token = set.idToken;
  if (set.refreshToken) out.refresh_token = set.refreshToken;
  if (set.expiresAt !== undefined) out.expires_at = Math.floor(set.expiresAt / 1000);
  if (set.scope) out.scope = set.scope.join(' ');
  // One defineProperty with a shared descriptor: hidden slots for the token and the value (a
  // defineProperties of three) cost twice as much per result.
  if (hasThreeParts(set.accessToken)) Object.defineProperty(out, 'claims', LAZY_TOKEN_CLAIMS);
  return out;
}

/**
 * A passed token step's result: the token, and its claims (read through the token's, when first
 * asked). `claims` is always an own key here, undefined for an opaque token, as it always was.
 */
export function tokenStepResult(token: StepTokenResult): StepResult {
  if (!Object.hasOwn(token, 'claims')) return { status: 'passed', token, claims: token.claims };
  const result: StepResult = { status: 'passed', token };
  Object.defineProperty(result, 'claims', LAZY_STEP_CLAIMS);
  return result;
}

/** No extra parameters: one frozen object for every step that has none, instead of a new one each time. */
const NO_EXTRA: Readonly<Record<string, string>> = Object.freeze({});

/** What a token step asks its grant for, rendered. */
interface GrantAsk {
  grant: NonNullable<TokenStep['grant']>;
  step: TokenStep;
  ctx: OAuthContext;
  scopes: string[] | undefined;
  audience: string | undefined;
  resource: string | undefined;
  extra: Record<string, string>;
  note: (message: string) => void;
  deps: RunScope['deps'];
}

/**
 * The grant's own promise (not async: an async wrapper is one more promise and hop a run). A module
 * function rather than a closure made per token step (issue #14 point 2).
 */
function fetchGrant(asked: GrantAsk): Promise<TokenSet> {
  const { grant, step, ctx, scopes, audience, resource, extra, note, deps } = asked;
  switch (grant) {
    case 'client_credentials':
      return clientCredentials(ctx, { scope: scopes, audience, resource, extra });
    case 'password':
      return passwordGrant(ctx, {
        username: step.username ?? '',
        password: step.password ?? '',
        scope: scopes,
        extra,
      });
    case 'refresh_token':
      return refreshToken(ctx, step.refreshToken ?? '', { scope: scopes, extra });
    case 'token_exchange':
      return tokenExchange(ctx, {
        subjectToken: step.subjectToken ?? '',
        subjectTokenType: step.subjectTokenType ?? 'access_token',
        actorToken: step.actorToken,
        actorTokenType: step.actorTokenType,
        requestedTokenType: step.requestedTokenType,
        audience,
        resource,
        scope: scopes,
        extra,
      });
    case 'device_code':
      return deviceAuthorization(ctx, {
        scope: scopes,
        extra,
        onUserCode: (info) => {
          note(`Open ${info.verificationUriComplete ?? info.verificationUri} and enter the code ${info.userCode}.`);
          deps.onDeviceCode?.(info);
        },
        signal: deps.signal,
      });
    case 'authorization_code': {
      const open = deps.openBrowser;
      if (!open)
        return Promise.reject(
          new OidcError(
            'flow.needs_browser',
            `Step ${step.id} signs a person in with the authorization-code grant, which needs a browser, and this run has none.`,
            { hint: 'Run it from VS Code or an interactive terminal.' },
          ),
        );
      return authorizationCode(ctx, { scope: scopes ?? ['openid'], openBrowser: open, extra });
    }
  }
}

/**
 * Runs a (rendered) token step: its grant, through the token store unless the step or grant forbids reuse.
 *
 * Not an async function when the run has connected to the IdP and the step fetches a new token:
 * the grant's own promise, its answer recorded in its `then` (the same turns as the await). An
 * async frame and its promise a token step were among the runner's largest own allocations
 * (sampling heap profile, issue #14 point 2). Anything thrown before the grant is sent rejects.
 */
export function runTokenStep(step: TokenStep, options: TokenStepOptions, scope: RunScope): Promise<StepResult> {
  try {
    // An IdP this run has connected to is at hand: no await (a promise and a turn) for it every iteration.
    const idp = scope.knownIdp(step.idp);
    return idp === undefined ? runTokenStepConnecting(step, options, scope) : tokenStepWith(idp, step, options, scope);
  } catch (error) {
    return Promise.reject(error);
  }
}

type ConnectedIdp = NonNullable<ReturnType<RunScope['knownIdp']>>;

/** runTokenStep when the run connects to the IdP first. */
async function runTokenStepConnecting(
  step: TokenStep,
  options: TokenStepOptions,
  scope: RunScope,
): Promise<StepResult> {
  const idp = await scope.idp(step.idp, options.http);
  return await tokenStepWith(idp, step, options, scope);
}

function tokenStepWith(
  idp: ConnectedIdp,
  step: TokenStep,
  options: TokenStepOptions,
  scope: RunScope,
): Promise<StepResult> {
  const { http, note } = options;
  const { deps } = scope;
  const ctx: OAuthContext = { ...idp.ctx, http: withHttpOptions(http, idp.httpOptions) };
  const scopes = step.scopes ?? idp.config.scopes;
  const audience = step.audience ?? idp.config.audience;
  // The grants send one resource indicator; a list uses its first entry.
  const resourceValue = step.resource ?? idp.config.resource;
  const resource = Array.isArray(resourceValue) ? resourceValue[0] : resourceValue;
  const extra = (
    idp.config.extra === undefined && step.extra === undefined ? NO_EXTRA : { ...idp.config.extra, ...step.extra }
  ) as Record<string, string>;
  const grant = step.grant ?? 'client_credentials';
  const asked: GrantAsk = { grant, step, ctx, scopes, audience, resource, extra, note, deps };
  if (step.reuse === false || grant === 'authorization_code' || grant === 'device_code')
    return fetchGrant(asked).then((set) => tokenStepDone(set, step, scope));
  return tokenFromStore(asked, scope);
}

/** A token through the run's token store: cached, fetched or refreshed, with a note saying which. */
async function tokenFromStore(asked: GrantAsk, scope: RunScope): Promise<StepResult> {
  const { grant, step, ctx, scopes, audience, resource, extra, note } = asked;
  const key = JSON.stringify([step.idp, grant, scopes, audience, resource, extra]);
  const got = await scope.tokenStore.get(key, {
    fetch: () => fetchGrant(asked),
    refresh: grant === 'client_credentials' ? undefined : (rt) => refreshToken(ctx, rt, { scope: scopes }),
  });
  if (got.source === 'cache') note('Reused a cached token that is still valid.');
  if (got.source === 'refetched-after-expiry') note('The cached token had expired, so a new one was fetched.');
  if (got.source === 'refreshed') note('The cached token had expired and was refreshed.');
  return tokenStepDone(got.token, step, scope);
}

/** The step's result for the token it got; the run remembers which IdP issued it. */
function tokenStepDone(set: TokenSet, step: TokenStep, scope: RunScope): StepResult {
  scope.tokenOrigin.set(set.accessToken, step.idp);
  return tokenStepResult(tokenResult(set));
}

/**
 * Whether renewExpiredToken would fetch a new token for `def` at `now` (epoch ms): the runner asks
 * first, so a call whose token is still good does not pay for an async call and its await. The
 * runner gives the call step's start, read just before (a clock read per call less, issue #14
 * point 2); renewExpiredToken reads the clock itself.
 */
export function tokenNeedsRenewal(def: TokenStep, ctx: TemplateContext, now: number): boolean {
  if (def.refetchOnExpiry === false || def.grant === 'authorization_code' || def.grant === 'device_code') return false;
  const current = ctx.steps[def.id]?.token;
  return Boolean(current?.expires_at) && current!.expires_at! * 1000 - 30_000 <= now;
}

export interface RenewOptions extends TokenStepOptions {
  /** The latest token step of the run (unrendered), if any. */
  def: TokenStep | undefined;
  /** The run's template context; the renewed token replaces the step's result in it. */
  ctx: TemplateContext;
}

/**
 * A call that uses the flow's latest token renews it first when it has
 * expired (or will within 30 s), as long as the token step allows it and
 * needs no person (client credentials, password, refresh, exchange).
 */
export async function renewExpiredToken(options: RenewOptions, scope: RunScope): Promise<void> {
  const { def, ctx, note } = options;
  if (!def || !tokenNeedsRenewal(def, ctx, scope.clock.now())) return;
  // tokenNeedsRenewal held: the step has a token with an expiry.
  const expiresAt = ctx.steps[def.id]!.token!.expires_at!;
  const renewed = await runTokenStep(
    renderTemplate({ ...def, reuse: true }, ctx, { secrets: scope.deps.secrets, where: `step ${def.id}` }) as TokenStep,
    options,
    scope,
  );
  ctx.steps[def.id] = { ...ctx.steps[def.id], ...renewed, status: ctx.steps[def.id]?.status ?? 'passed' };
  note(
    `The token from step ${def.id} expired at ${new Date(expiresAt * 1000).toISOString()}; a new one was fetched before this call.`,
  );
}
