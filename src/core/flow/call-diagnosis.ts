/**
 * Why a gateway answered a call step as it did: the verdict (asking the
 * token's IdP when the gateway refused) and what the route's Kong config
 * lint says about this token.
 */
import { diagnose } from '../diagnosis/diagnose';
import type { DiagnosisInput, Verdict } from '../diagnosis/diagnose';
import { readGatewayLogFor, requestWindowOf } from '../diagnosis/gateway-log';
import type { LogEvidence } from '../diagnosis/gateway-log';
import { oktaRecord, recordSubject } from '../diagnosis/okta-record';
import { asOidcError, OidcError } from '../errors';
import type { KongOidcConfig } from '../gateway/kong-oidc-config';
import { lintKongOidc } from '../gateway/lint';
import type { LintContext, LintFinding } from '../gateway/lint';
import type { HttpClient, HttpResponse } from '../http/types';
import { classifyToken, decodeJwt, notATokenReason, verifyJwt } from '../jwt';
import type { DecodedJwt } from '../jwt';
import { introspect, withHttpOptions } from '../oauth';
import type { ConnectedIdp } from '../oauth';
import type { GatewayConfig, RouteLog, TokenPlacement } from './file-format';
import type { RunScope } from './run-scope';
import type { StepRun } from './runner';
import { callNeedsDiagnosis, routeHasFindings } from './diagnosis-needed';
import { resolvePlacement } from './token-placement';

export interface CallDiagnosisOptions {
  response: HttpResponse;
  /** The token the call sent, if any. */
  token?: string;
  /** Where the route puts the token. */
  placement?: TokenPlacement;
  gateway?: Pick<GatewayConfig, 'kind' | 'config' | 'plugin' | 'expected'>;
  /** The route's gateway log, read for a refused call; `where` names where it was given. */
  log?: RouteLog & { where: string };
  /** The step's recording client: diagnosis calls show on its timeline. */
  http: HttpClient;
  /** Receives the local JWT checks. */
  run: StepRun;
}

/**
 * Whether diagnoseCall has anything to say: the gateway refused (401/403), or let through a token
 * the run knows is inactive. The runner asks first, so a call that passed costs no async call.
 */
/** Explains a gateway's answer; for a 401/403 it asks the token's IdP about the token (a visible extra call). */
export async function diagnoseCall(options: CallDiagnosisOptions, scope: RunScope): Promise<Verdict | undefined> {
  const { response, token, gateway, http, run } = options;
  if (!callNeedsDiagnosis(response, token, scope)) return undefined;
  const placement = resolvePlacement(options.placement);
  const rejected = response.status === 401 || response.status === 403;
  const known = token ? scope.lastIntrospection.get(token) : undefined;
  const input: DiagnosisInput = {
    now: scope.clock.now(),
    gateway: { status: response.status, headers: response.headers, body: response.text.slice(0, 2000) },
    request: {
      tokenLocation: token ? placement.in : 'none',
      authorizationScheme: token && placement.in === 'header' ? placement.scheme : undefined,
    },
    // No gateway described: leave the kind open, so the answer's own headers (X-Kong-*) can pick the profile.
    gatewayKind: gateway?.kind,
    // plugin jwt: Kong's jwt plugin, or an Apache that verifies JWTs itself (OIDCOAuthVerifyJwksUri).
    ...(gateway?.plugin === 'jwt' && (gateway.kind === 'kong' || gateway.kind === 'apache')
      ? { gatewayProfile: gateway.kind === 'kong' ? ('kong-jwt' as const) : ('apache-jwt' as const) }
      : {}),
    ...(gateway?.expected ? { expected: gateway.expected } : {}),
    kongConfig: gateway?.kind === 'kong' ? (gateway.config as DiagnosisInput['kongConfig']) : undefined,
  };
  if (rejected && options.log) input.gatewayLog = await gatewayLogLines(options.log, response, run, scope);
  if (token) {
    const kind = classifyToken(token);
    const malformed = notATokenReason(token);
    input.token = { kind, ...(malformed ? { malformed } : {}) };
    let decoded: DecodedJwt | undefined;
    if (kind === 'jwt') {
      try {
        decoded = decodeJwt(token);
        input.token.header = decoded.header;
        input.token.payload = decoded.payload;
      } catch {
        input.token = { kind: 'opaque', ...(malformed ? { malformed } : {}) };
      }
    }
    const idpName = scope.tokenOrigin.get(token);
    if (idpName && rejected) {
      const idp = await scope.idp(idpName, http).catch(() => undefined);
      if (idp) {
        const diagHttp = withHttpOptions(http, idp.httpOptions);
        if (decoded && idp.jwks) {
          const verification = await verifyJwt(decoded, {
            keys: idp.jwks,
            issuer: idp.ctx.metadata.issuer,
            clock: scope.clock,
          }).catch(() => undefined);
          if (verification) {
            input.token.verification = verification;
            run.jwtChecks = verification.checks;
          }
        }
        if (idp.ctx.metadata.introspection_endpoint) {
          try {
            const answer = await introspect(
              {
                ...idp.ctx,
                http: { send: (r) => diagHttp.send({ ...r, label: `diagnosis: ${r.label ?? 'introspection'}` }) },
              },
              token,
              {},
            );
            input.introspection = { active: answer.active, claims: answer.claims };
            input.introspectedBy = { clientId: idp.ctx.client.clientId, issuer: idp.ctx.metadata.issuer };
            scope.lastIntrospection.set(token, { active: answer.active, claims: answer.claims });
          } catch (error) {
            const e = asOidcError(error);
            input.introspection = { error: { code: e.code, message: e.message } };
          }
        }
        await askOktaRecord(idp, diagHttp, input, run, scope);
      }
    } else if (known) {
      input.introspection = known;
    }
  }
  return diagnose(input);
}

/**
 * Okta's own record of the refused token's application and user, when the
 * token's IdP has a management API token: visible calls on the step's
 * timeline, the API token masked as every exchange's secret.
 */
async function askOktaRecord(
  idp: ConnectedIdp,
  http: HttpClient,
  input: DiagnosisInput,
  run: StepRun,
  scope: RunScope,
): Promise<void> {
  const access = idp.oktaApi;
  if (!access) return;
  if (access.state === 'unavailable') {
    run.notes.push(`Okta management API not asked: ${access.reason}`);
    return;
  }
  const intro = input.introspection && 'claims' in input.introspection ? input.introspection.claims : undefined;
  const claims = { ...intro, ...input.token?.payload };
  const labelled: HttpClient = {
    send: (r) => http.send({ ...r, label: `diagnosis: ${r.label ?? 'Okta management API'}` }),
  };
  const record = await oktaRecord(
    labelled,
    { orgUrl: access.orgUrl, apiToken: access.apiToken, clock: scope.clock },
    recordSubject(claims, idp.ctx.client.clientId),
  );
  if (record) input.idpRecord = record;
}

/**
 * The route's gateway log about this call. A log that cannot be read leaves
 * a note on the step rather than failing a call that was made: the verdict
 * is then given without it (gatewayLog undefined, as when none was named).
 */
async function gatewayLogLines(
  log: RouteLog & { where: string },
  response: HttpResponse,
  run: StepRun,
  scope: RunScope,
): Promise<LogEvidence[] | undefined> {
  try {
    const offset = log.utcOffsetMinutes === undefined ? undefined : Number(log.utcOffsetMinutes);
    if (offset !== undefined && (!Number.isInteger(offset) || Math.abs(offset) > 840))
      throw new OidcError(
        'config.gateway_log_unreadable',
        `${log.where}.utcOffsetMinutes is ${String(log.utcOffsetMinutes)}, not whole minutes between -840 and 840.`,
        { where: log.where, hint: 'Give minutes east of UTC, e.g. 60 for CET or -300 for EST.' },
      );
    const { evidence } = await readGatewayLogFor(log.file, requestWindowOf(response.exchange), {
      ...(scope.deps.readLog ? { read: scope.deps.readLog } : {}),
      clock: scope.clock,
      ...(scope.deps.sleep ? { sleep: scope.deps.sleep } : {}),
      ...(offset === undefined ? {} : { utcOffsetMinutes: offset }),
      secrets: response.exchange.secrets,
      where: log.where,
    });
    return evidence;
  } catch (error) {
    run.notes.push(`Gateway log not read: ${asOidcError(error).toUserMessage()}`);
    return undefined;
  }
}

/**
 * The route's Kong config linted against this token and, when the token's
 * IdP was already discovered, its metadata. No I/O of its own. The config
 * is a flow file's description, so what it leaves out is unknown (partial).
 */
export function routeFindings(
  gateway: Pick<GatewayConfig, 'kind' | 'config'> | undefined,
  token: string | undefined,
  scope: RunScope,
): LintFinding[] | undefined {
  if (!routeHasFindings(gateway) || !gateway?.config) return undefined;
  const config = gateway.config as KongOidcConfig;
  const idpName = token ? scope.tokenOrigin.get(token) : undefined;
  const idp = idpName ? scope.knownIdp(idpName) : undefined;
  const metadata = idp?.ctx.metadata.issuer ? idp.ctx.metadata : undefined;
  const introspected = token ? scope.lastIntrospection.get(token) : undefined;
  // The inputs by identity first: the same objects and token string lint the same (see lastLint).
  const last = lastLint.get(config);
  if (last && last.token === token && last.metadata === metadata && last.introspected === introspected)
    return copies(last.findings);
  const context: LintContext = { partial: true };
  if (token) {
    if (metadata) context.metadata = metadata;
    if (mayBeJwt(token) && classifyToken(token) === 'jwt') {
      try {
        context.token = { kind: 'jwt', claims: decodeJwt(token).payload };
      } catch {
        // An undecodable token has no claims to check requirements against.
      }
    } else if (introspected?.active) {
      context.token = { kind: classifyToken(token), claims: introspected.claims ?? {} };
    }
  }
  // A token the lint knows nothing about (opaque, not introspected) lints as the last one did when
  // the metadata is the same object: a run with `reuse: false` brings a new token string each run,
  // and the context does not depend on it (issue #14 point 2). The record then names this token.
  if (last && context.token === undefined && last.tokenless && last.linted === context.metadata) {
    last.token = token;
    last.metadata = metadata;
    last.introspected = introspected;
    return copies(last.findings);
  }
  const findings = lintMemo(config, context);
  lastLint.set(config, {
    token,
    metadata,
    introspected,
    tokenless: context.token === undefined,
    linted: context.metadata,
    findings,
  });
  return copies(findings);
}

/**
 * Whether a token can be a signed JWT: classifyToken says 'jwt' only for three dot-separated parts,
 * and normalising what was pasted around a token never adds a dot. Spares classifying (and
 * normalising) a new opaque token.
 */
function mayBeJwt(token: string): boolean {
  return token.includes('.');
}

/**
 * The last findings of each route config, with the inputs they came from, compared by identity: a
 * route's calls send the same token string, to the same config object (rendered once per run), with
 * the same metadata object and introspection entry (a new introspection makes a new entry), and
 * nothing changes those objects once made. Classifying the token, decoding it and the JSON keys of
 * lintMemo cost ~4 µs a call in bench/runner-overhead.ts (issue #14 point 2); the context is a
 * function of exactly these four, so equal identities lint the same. Held weakly by the config.
 */
const lastLint = new WeakMap<object, LastLint>();

interface LastLint {
  token: string | undefined;
  metadata: object | undefined;
  introspected: object | undefined;
  /** The lint context had no token in it (none, or one it knows no claims of). */
  tokenless: boolean;
  /** The metadata the lint context held (only with a token). */
  linted: object | undefined;
  findings: LintFinding[];
}

/**
 * Each run gets its own findings (flat records of strings): a shell that annotates one must not
 * change another run's. No findings, a new empty list as map gave, without the closure and the
 * builtin call: ~0.5 µs a call timed in place between a run's requests (issue #14 point 2).
 */
function copies(findings: LintFinding[]): LintFinding[] {
  if (findings.length === 0) return [];
  return findings.map((finding) => ({ ...finding }));
}

/**
 * lintKongOidc is pure, and a flow calls the same route with the same token many times: linting
 * anew for every call was the runner's largest cost per request in bench/runner-overhead.ts.
 * Keyed by the JSON of its inputs; bounded, and emptied whole when full (a run rarely has many).
 * The route's config and the IdP's metadata are the same objects on every call (a route without
 * templates is not copied when rendered; a connection keeps its metadata): their JSON is kept per
 * object, so a call stringifies only the token's claims. Neither object is changed once made.
 */
const LINT_MEMO_SIZE = 64;
/**
 * Findings by the config's JSON, then the metadata's, then the JSON of the rest of the context.
 * The first two are strings kept per object, so a lookup hashes each of them once, not every call.
 */
const lintCache = new Map<string, Map<string, Map<string, LintFinding[]>>>();
const jsonByObject = new WeakMap<object, string>();

function jsonOnce(value: object | undefined): string {
  if (value === undefined) return '';
  let json = jsonByObject.get(value);
  if (json === undefined) {
    json = JSON.stringify(value);
    jsonByObject.set(value, json);
  }
  return json;
}

/** The entry of `map` for `key`, made when missing; a full map is emptied whole first. */
function memoLevel<V>(map: Map<string, V>, key: string, make: () => V): V {
  let entry = map.get(key);
  if (entry === undefined) {
    if (map.size >= LINT_MEMO_SIZE) map.clear();
    entry = make();
    map.set(key, entry);
  }
  return entry;
}

const newMap = <V>(): Map<string, V> => new Map<string, V>();

function lintMemo(config: KongOidcConfig, context: LintContext): LintFinding[] {
  let keys: [string, string, string];
  try {
    const { metadata, token, ...rest } = context;
    keys = [jsonOnce(config), jsonOnce(metadata), `${JSON.stringify(token) ?? ''}\n${JSON.stringify(rest)}`];
  } catch {
    // Not JSON (a cycle, a BigInt): lint without the cache.
    return lintKongOidc(config, context);
  }
  const byMetadata = memoLevel(lintCache, keys[0], newMap<Map<string, LintFinding[]>>);
  const byRest = memoLevel(byMetadata, keys[1], newMap<LintFinding[]>);
  // The cached array itself: routeFindings hands out copies.
  return memoLevel(byRest, keys[2], () => lintKongOidc(config, context));
}
