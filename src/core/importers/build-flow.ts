import { jwtInText } from '../jwt/token-patterns';
import { OidcError } from '../errors';
import { headerKey } from '../http/headers';
import { escapeSecretRefs } from '../flow/secret-ref';
import type {
  BasicAuth,
  CallStep,
  ClientAuthMethod,
  FlowFile,
  GrantType,
  HttpMethod,
  IdpConfig,
  IntrospectStep,
  RequestStep,
  RevokeStep,
  RouteConfig,
  StepDef,
  TokenStep,
  TokenTypeHint,
  ValueMap,
} from '../flow/file-format';
import { prepareEnvironments } from './build-environments';
import type { OAuthEndpointKind } from './oauth-requests';
import { decodeBasicCredential, formValue, issuerFromEndpointUrl, oauthEndpointOf, postedForm } from './oauth-requests';
import { readScript, isMeaningfulScript, redactCode, scriptNotCarried } from './script-chains';
import { isLiteralSecret, SecretNamer } from './secret-names';
import {
  environmentVariablesRead,
  escapeForeignReferences,
  referenceEmptySecrets,
  scrubLiteralSecrets,
} from './secret-scrub';
import { orderByDependencies } from './step-order';
import { envKey } from './source-template';
import { TemplateConverter } from './template-converter';
import type {
  NotCarried,
  OAuth2Settings,
  SecretUse,
  SourceAuth,
  SourceBody,
  SourceCollection,
  SourceRequest,
} from './types';

/**
 * Turns an export read into the neutral model into a flow file:
 * - one flow with a step per request, ordered so chained values exist;
 * - OAuth 2.0 auth → an `idps` entry (one per issuer or origin, client id
 *   and client authentication) and a `token` step before the first request
 *   that needs it;
 * - requests that post a grant to a token endpoint, or a token to an
 *   introspection or revocation endpoint → `token`, `introspect` and
 *   `revoke` steps on such an IdP (their Basic auth is the client's);
 * - requests that send a token → `call` steps on a route per base URL (the
 *   route says where the token goes); the others → `request` steps;
 * - secrets → `${env:NAME}` references, listed for the user.
 */

export interface BuildOutput {
  file: FlowFile;
  notCarried: NotCarried[];
  secrets: SecretUse[];
}

const HTTP_METHODS = new Set<HttpMethod>(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);
const GRANTS: Record<string, GrantType> = {
  client_credentials: 'client_credentials',
  authorization_code: 'authorization_code',
  password: 'password',
  refresh_token: 'refresh_token',
};
/** What an imported IdP request leaves to do by hand, in the words the import report uses. */
const BY_HAND = {
  authorizationRequest:
    'an authorization request is answered by a person signing in, in a browser; it is kept as a plain request, and a token step with grant authorization_code is what makes the flow sign in and get the code.',
  basicEmpty: 'basic auth without a user name or password; the request is sent without it.',
  authorizationCode:
    'the flow signs a person in and receives its own authorization code (and PKCE verifier); the code in the export is not used.',
  clientAssertion:
    'a client assertion made by hand (private_key_jwt or client_secret_jwt) is not carried; set clientAuth and privateKey (or clientSecret) on the IdP so the flow signs its own.',
  basicHeaderEmpty:
    'the Basic Authorization header holds no credentials; set clientId and clientSecret on the IdP (client_secret_basic).',
  basicHeaderTemplated:
    'the client id and secret inside this Basic Authorization header cannot be read apart; set clientId and clientSecret on the IdP (client_secret_basic).',
  refreshTokenMissing: 'a refresh_token grant needs a refresh token; set refreshToken on the token step.',
} as const;
/** `grant_type` values a token step can make, by their value on the wire. */
const GRANT_PARAMS: Record<string, GrantType> = {
  ...GRANTS,
  'urn:ietf:params:oauth:grant-type:device_code': 'device_code',
};
/** Grants a run can make without a person, best first; the others come after. */
const PREFERRED_GRANTS: GrantType[] = ['client_credentials', 'password', 'refresh_token'];
/** Variable names that hold an access token pasted by hand. */
const TOKEN_VARIABLE = /^(?:access_?token|bearer_?token|token)$/i;
const TOKEN_HINTS = new Set<string>(['access_token', 'refresh_token', 'id_token']);
/** Form fields a hand-made IdP request posts that the IdP's settings or the step's own fields carry. */
const CLIENT_FIELDS = new Set(['client_id', 'client_secret', 'client_assertion', 'client_assertion_type']);
const TOKEN_FIELDS = new Set([
  'grant_type',
  'scope',
  'audience',
  'resource',
  'username',
  'password',
  'refresh_token',
  'redirect_uri',
  'code',
  'code_verifier',
  'device_code',
]);
/** Headers an IdP step sets itself; any other header of a hand-made IdP request is reported. */
const IDP_STEP_HEADERS = new Set(['authorization', 'content-type', 'accept', 'cache-control', 'user-agent']);
/** What a token step's result holds of a token response, by the response field a request read. */
const TOKEN_RESULT_FIELDS = new Set(['access_token', 'id_token', 'refresh_token', 'token_type', 'scope']);
const JWT = jwtInText('g');

/** A step id: starts with a letter or `_`, then letters, digits, `_` and `-`. */
export function slug(text: string, fallback: string): string {
  const s = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .replace(/-+$/, '');
  if (s === '') return fallback;
  return /^[a-z_]/.test(s) ? s : `${fallback}-${s}`;
}

function unique(base: string, taken: Set<string>): string {
  let name = base;
  for (let n = 2; taken.has(name); n++) name = `${base}-${n}`;
  taken.add(name);
  return name;
}

/** Guesses a short IdP name from its token URL. */
function idpNameFor(tokenUrl: string): string {
  const lower = tokenUrl.toLowerCase();
  // Okta's authorization servers answer under /oauth2[/<id>]/v1/, a shape no other IdP uses.
  if (/\/oauth2\/(?:[^/]+\/)?v1\//.test(lower)) return 'okta';
  for (const [needle, name] of [
    ['okta', 'okta'],
    ['auth0', 'auth0'],
    ['microsoftonline', 'entra'],
    ['keycloak', 'keycloak'],
    ['/realms/', 'keycloak'],
    ['ping', 'ping'],
  ] as const) {
    if (lower.includes(needle)) return name;
  }
  const host = /^[a-z]+:\/\/([^/:?#]+)/.exec(lower)?.[1];
  if (host && !host.includes('{')) {
    const labels = host
      .split('.')
      .filter(
        (l) => !['www', 'login', 'auth', 'id', 'sso', 'oauth', 'accounts', 'com', 'net', 'org', 'io'].includes(l),
      );
    if (labels[0]) return slug(labels[0], 'idp');
  }
  return 'idp';
}

/** Splits a URL into a base (origin, possibly templated with env values only) and the rest. */
function splitBase(url: string): { base: string; rest: string } | undefined {
  const match =
    /^((?:[a-z][a-z0-9+.-]*:\/\/(?:[^/?#{}\s]|\{\{env\.[A-Za-z0-9_-]+\}\})+)|\{\{env\.[A-Za-z0-9_-]+\}\})(.*)$/i.exec(
      url,
    );
  if (!match) return undefined;
  const rest = match[2] ?? '';
  if (rest !== '' && !/^[/?#]/.test(rest)) return undefined;
  return { base: match[1]!, rest };
}

function routeNameFor(base: string): string {
  const env = /^\{\{env\.([A-Za-z0-9_-]+)\}\}$/.exec(base);
  if (env) return env[1]!;
  const hostPort = base.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').replace(/\{\{env\.([A-Za-z0-9_-]+)\}\}/g, '$1');
  return slug(hostPort, 'route');
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

interface Draft {
  req: SourceRequest;
  ref: string;
  id: string;
  step: CallStep | RequestStep | TokenStep | IntrospectStep | RevokeStep;
  deps: Set<string>;
  tokenKey?: string;
}

interface TokenAuth {
  /** The token value or template sent with the request. */
  token: string;
  scheme: string;
  tokenKey?: string;
}

class Builder {
  readonly notCarried: NotCarried[] = [];
  readonly namer = new SecretNamer();
  private readonly stepIds = new Set<string>();
  private readonly idps = new Map<string, { name: string; config: IdpConfig }>();
  private readonly idpNames = new Set<string>();
  private readonly tokenSteps = new Map<string, TokenStep>();
  private readonly routes = new Map<string, { name: string; config: RouteConfig }>();
  private readonly routeNames = new Set<string>();
  private converter!: TemplateConverter;
  /** Variables set by carried script chains: their environment values are stale copies. */
  private readonly chained = new Set<string>();
  /** Variables added empty, reported once it is known which of them are secrets (those become references). */
  private readonly unfilled: Array<{ key: string; reason: string }> = [];
  /** Step ids of token steps made from hand-made token requests, whose responses other requests read. */
  private readonly tokenRequestIds = new Set<string>();
  /** Step ids of the requests that look like token requests, known before any is converted. */
  private readonly tokenCandidates = new Set<string>();

  constructor(private readonly source: SourceCollection) {
    this.notCarried.push(...source.notCarried);
  }

  private report(item: string, reason: string): void {
    this.notCarried.push({ item, reason });
  }

  private convert(text: string | undefined, label: string): string | undefined {
    if (text === undefined) return undefined;
    return this.converter.convert(text, label).text;
  }

  /** A converted secret-valued field: templates and references stay, literals become `${env:NAME}`. */
  private secret(value: string | undefined, name: string, where: string): string | undefined {
    if (value === undefined || value === '') return undefined;
    return isLiteralSecret(value) ? this.namer.reference(value, name, where) : value;
  }

  build(): BuildOutput {
    const { source } = this;
    const prepared = prepareEnvironments(source.environments, source.dialect, this.notCarried);
    const stepIdByRef = new Map<string, string>();
    const nameByRef = new Map<string, string>();
    for (const req of source.requests) {
      stepIdByRef.set(req.ref, unique(slug(req.name, 'request'), this.stepIds));
      nameByRef.set(req.ref, req.name);
    }
    this.converter = new TemplateConverter(source.dialect, stepIdByRef, nameByRef, prepared.dynamic, this.notCarried);

    const tokenUrls = new Set(
      source.requests.flatMap((r) => (r.auth?.type === 'oauth2' ? [r.auth.settings.accessTokenUrl?.trim() ?? ''] : [])),
    );
    const endpointKinds = new Map(source.requests.map((r) => [r.ref, oauthEndpointOf(r, tokenUrls)] as const));
    for (const [ref, kind] of endpointKinds) if (kind === 'token') this.tokenCandidates.add(stepIdByRef.get(ref)!);
    this.chainUnsetTokenVariables(prepared, endpointKinds, stepIdByRef);

    const drafts: Draft[] = [];
    for (const req of source.requests) {
      const id = stepIdByRef.get(req.ref)!;
      const kind = endpointKinds.get(req.ref);
      const draft = (kind && this.convertIdpRequest(req, id, kind)) || this.convertRequest(req, id);
      if (draft) drafts.push(draft);
    }
    if (drafts.length === 0) {
      throw new OidcError(
        'import.empty',
        `The ${source.format} export "${source.name}" holds no HTTP request that could be imported.`,
        {
          hint: 'Export the collection or workspace that holds your requests (not only environments), then import it again.',
        },
      );
    }
    const steps = this.orderSteps(drafts).map((s) => this.readTokenResults(s));
    const file: FlowFile = { version: 1 };
    const environments = this.buildEnvironments(prepared.environments);
    if (Object.keys(environments).length > 0) {
      file.environments = environments;
      const names = Object.keys(environments);
      if (names.length > 1 && !names.includes('default')) file.defaultEnvironment = names[0];
    }
    if (this.idps.size > 0) file.idps = Object.fromEntries([...this.idps.values()].map((i) => [i.name, i.config]));
    if (this.routes.size > 0)
      file.routes = Object.fromEntries([...this.routes.values()].map((r) => [r.name, r.config]));
    file.flows = {
      [slug(source.name, 'imported')]: {
        description: `Imported from the ${source.format} export "${source.name}".`,
        steps,
      },
    };
    const safe = escapeForeignReferences(file, this.namer);
    scrubLiteralSecrets(safe, this.namer);
    const referenced = referenceEmptySecrets(safe, this.namer);
    for (const { key, reason } of this.unfilled) if (!referenced.has(key)) this.report(`{{env.${key}}}`, reason);
    return { file: safe, notCarried: this.safeReports(), secrets: environmentVariablesRead(safe, this.namer) };
  }

  // ---- requests -------------------------------------------------------------

  private convertRequest(req: SourceRequest, id: string): Draft | undefined {
    const label = `request "${req.name}"`;
    this.converter.deps = new Set();
    const method = req.method as HttpMethod;
    if (!HTTP_METHODS.has(method)) {
      this.report(label, `the ${req.method} method is not one a flow step can send; the request was left out.`);
      return undefined;
    }
    const url = this.convert(req.url, `${label} > url`);
    if (!url) {
      this.report(label, 'it has no URL; the request was left out.');
      return undefined;
    }
    const query: ValueMap = {};
    const headers: ValueMap = {};
    for (const p of req.params)
      this.put(query, p.name, this.convert(p.value, `${label} > query.${p.name}`), `${label} > query.${p.name}`);
    for (const h of req.headers)
      this.put(headers, h.name, this.convert(h.value, `${label} > headers.${h.name}`), `${label} > headers.${h.name}`);
    const body = this.buildBody(req.body, label, headers);
    const auth: { basicAuth?: BasicAuth } = {};
    const token =
      this.applyAuth(req, id, headers, query, auth) ??
      (auth.basicAuth ? undefined : this.bearerHeaderFromTokenRequest(headers));

    if (isMeaningfulScript(req.preRequestScript))
      this.notCarried.push(scriptNotCarried(`${label} > pre-request script`, req.preRequestScript));
    const isAuthorization =
      method === 'GET' &&
      /\/(?:authorize|auth)$/i.test(url.split(/[?#]/)[0]!) &&
      (query.response_type !== undefined || /[?&]response_type=/.test(url));
    if (isAuthorization) this.report(label, BY_HAND.authorizationRequest);
    const deps = this.converter.deps;

    const split = token ? splitBase(url) : undefined;
    let step: CallStep | RequestStep;
    if (token && split) {
      const route = this.routeFor(split.base, token.scheme);
      const [pathPart, queryPart] = splitQuery(split.rest);
      const call: CallStep = { id, name: stepTitle(req), type: 'call', route: route.name, method };
      if (pathPart) call.path = pathPart;
      const fromUrl = parseQuery(queryPart);
      const allQuery = { ...fromUrl, ...query };
      if (Object.keys(allQuery).length > 0) call.query = allQuery;
      if (route.config.token?.scheme === token.scheme) call.token = token.token;
      else {
        call.token = false;
        headers.Authorization = `${token.scheme} ${token.token}`;
      }
      if (Object.keys(headers).length > 0) call.headers = headers;
      step = Object.assign(call, body);
    } else {
      if (token) headers.Authorization = token.scheme ? `${token.scheme} ${token.token}` : token.token;
      const request: RequestStep = { id, name: stepTitle(req), type: 'request', method, url };
      if (Object.keys(query).length > 0) request.query = query;
      if (Object.keys(headers).length > 0) request.headers = headers;
      if (auth.basicAuth) request.basicAuth = auth.basicAuth;
      step = Object.assign(request, body);
    }
    const draft: Draft = { req, ref: req.ref, id, step, deps, tokenKey: token?.tokenKey };
    this.readAfterResponse(req, id, label);
    return draft;
  }

  /**
   * A hand-written `Authorization: Bearer …` header that sends the token of a
   * token request is that request's token: the request becomes a call on a
   * route, like one with bearer auth.
   */
  private bearerHeaderFromTokenRequest(headers: ValueMap): TokenAuth | undefined {
    const name = headerKey(headers, 'authorization');
    const value = name === undefined ? undefined : headers[name];
    const match =
      typeof value === 'string' ? /^Bearer\s+(\{\{\s*steps\.([A-Za-z0-9_-]+)\.[^}]*\}\})$/.exec(value) : null;
    if (!match || !this.tokenCandidates.has(match[2]!)) return undefined;
    delete headers[name!];
    return { token: match[1]!, scheme: 'Bearer' };
  }

  private put(map: ValueMap, name: string, value: string | undefined, label: string): void {
    if (value === undefined) return;
    const existing = Object.keys(map).find((k) => k.toLowerCase() === name.toLowerCase());
    if (existing !== undefined) {
      this.report(label, `${name} is given twice; a flow step holds one value per name, so the first one is kept.`);
      return;
    }
    map[name] = value;
  }

  /** Scripts after the response: simple `set(name, response.json().path)` chains are carried. */
  private readAfterResponse(req: SourceRequest, id: string, label: string): void {
    const script = req.afterResponseScript;
    if (!isMeaningfulScript(script)) return;
    const reading = readScript(script);
    for (const chain of reading.chains) {
      this.chained.add(chain.variable);
      this.converter.dynamic.set(chain.variable, {
        kind: 'template',
        text: `{{steps.${id}.response.body.${chain.jsonPath}}}`,
        ref: req.ref,
      });
    }
    const kind = this.source.dialect === 'postman' ? 'test script' : 'after-response script';
    if (reading.leftover.length > 0) {
      const carried =
        reading.chains.length > 0
          ? ` beyond setting ${reading.chains.map((c) => c.variable).join(', ')} from the response (carried as step references)`
          : '';
      this.notCarried.push(scriptNotCarried(`${label} > ${kind}`, reading.leftover[0]!, carried));
    }
  }

  // ---- bodies ---------------------------------------------------------------

  private buildBody(
    body: SourceBody | undefined,
    label: string,
    headers: ValueMap,
  ): { body?: string; json?: unknown; form?: ValueMap } {
    if (!body) return {};
    const at = `${label} > body`;
    if (body.fileName !== undefined) {
      this.report(
        at,
        'the body is read from a file on the exporting machine, which a flow file cannot carry; it was left out.',
      );
      return {};
    }
    if (body.graphql) {
      let variables: unknown = {};
      try {
        variables = body.graphql.variables ? (JSON.parse(body.graphql.variables) as unknown) : {};
      } catch {
        this.report(`${at}.variables`, 'the GraphQL variables are not valid JSON; they were left out.');
      }
      return { json: this.convertJson({ query: body.graphql.query ?? '', variables }, at) };
    }
    const mime = (body.mimeType ?? '').toLowerCase();
    if (body.params !== undefined && (mime.includes('form') || body.text === undefined)) {
      const form: ValueMap = {};
      for (const p of body.params) {
        if (p.file) {
          this.report(`${at}.${p.name}`, 'a file field cannot be carried; it was left out.');
          continue;
        }
        this.put(form, p.name, this.convert(p.value, `${at}.${p.name}`), `${at}.${p.name}`);
      }
      if (mime.includes('multipart')) {
        this.report(
          at,
          'the multipart/form-data body is sent as an application/x-www-form-urlencoded form (flow files have no multipart bodies).',
        );
        const contentType = headerKey(headers, 'content-type');
        if (contentType !== undefined) delete headers[contentType];
      }
      return Object.keys(form).length > 0 ? { form } : {};
    }
    const text = body.text ?? '';
    if (text === '') return {};
    const jsonish = mime.includes('json') || mime.includes('graphql') || (mime === '' && /^\s*[[{]/.test(text));
    if (jsonish) {
      try {
        return { json: this.convertJson(JSON.parse(text) as unknown, at) };
      } catch {
        // Templates outside quotes make it invalid JSON; send it as text instead.
      }
    }
    const converted = this.convert(text, at);
    if (converted === undefined) return {};
    const contentType = body.mimeType || (jsonish ? 'application/json' : undefined);
    if (contentType && headerKey(headers, 'content-type') === undefined) headers['Content-Type'] = contentType;
    return { body: converted };
  }

  private convertJson(value: unknown, label: string): unknown {
    if (typeof value === 'string') return this.convert(value, label) ?? '';
    if (Array.isArray(value)) return value.map((v, i) => this.convertJson(v, `${label}[${i}]`));
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.convertJson(v, `${label}.${k}`)]));
    }
    return value;
  }

  // ---- auth -----------------------------------------------------------------

  /** Adds what the auth sends; returns the token for requests that send one. */
  private applyAuth(
    req: SourceRequest,
    id: string,
    headers: ValueMap,
    query: ValueMap,
    out: { basicAuth?: BasicAuth },
  ): TokenAuth | undefined {
    const auth: SourceAuth | undefined = req.auth;
    const at = req.authLabel;
    if (!auth || auth.type === 'none') return undefined;
    switch (auth.type) {
      case 'bearer': {
        const converted = this.convert(auth.token, `${at}.token`);
        if (!converted) {
          this.report(at, 'bearer auth without a token; the request is sent without one.');
          return undefined;
        }
        const token = this.secret(converted, `${id}_TOKEN`, `${at}.token`)!;
        return { token, scheme: escapeSecretRefs(auth.prefix?.trim() || 'Bearer') };
      }
      case 'apikey': {
        const key = this.convert(auth.key, `${at}.key`);
        const value = this.secret(this.convert(auth.value, `${at}.value`), `${id}_${key ?? 'API_KEY'}`, `${at}.value`);
        if (!key || value === undefined) {
          this.report(at, 'API key auth without a key name or value; it was left out.');
          return undefined;
        }
        if (auth.addTo === 'query') query[key] = value;
        else if (auth.addTo === 'cookie') headers.Cookie = `${key}=${value}`;
        else headers[key] = value;
        return undefined;
      }
      case 'oauth2':
        return this.oauth2(auth.settings, at);
      case 'basic': {
        // The step's basicAuth: the runner encodes it, so the password stays an ${env:} reference here.
        const username = this.convert(auth.username, `${at}.username`) ?? '';
        const password = this.secret(this.convert(auth.password, `${at}.password`), `${id}_PASSWORD`, `${at}.password`);
        if (!username && password === undefined) this.report(at, BY_HAND.basicEmpty);
        else out.basicAuth = { username, password: password ?? '' };
        return undefined;
      }
      case 'unsupported':
        this.report(
          at,
          `${auth.kind} auth is not carried; add the credential as a header holding a \${env:NAME} reference.`,
        );
        return undefined;
    }
  }

  private oauth2(s: OAuth2Settings, at: string): TokenAuth | undefined {
    const tokenUrl = this.convert(s.accessTokenUrl, `${at}.accessTokenUrl`);
    const grant = GRANTS[s.grantType];
    if (!grant) {
      this.report(
        `${at}.grantType`,
        s.grantType === 'implicit'
          ? 'the implicit grant is not supported (the OAuth 2.0 Security BCP retires it); use authorization_code with PKCE. No token step was made.'
          : `the ${s.grantType} grant is not supported; no token step was made.`,
      );
      return undefined;
    }
    if (!tokenUrl) {
      this.report(`${at}.accessTokenUrl`, 'OAuth 2.0 without a token URL cannot be carried; no token step was made.');
      return undefined;
    }
    const clientId = this.convert(s.clientId, `${at}.clientId`);
    const idp = this.idpFor(tokenUrl, clientId, s, at);
    const step: TokenStep = {
      id: '',
      name: `Token from ${idp.name} (${grant.replace(/_/g, ' ')})`,
      type: 'token',
      idp: idp.name,
      grant,
    };
    const scopes = this.convert(s.scope, `${at}.scope`)?.split(/\s+/).filter(Boolean);
    if (scopes && scopes.length > 0) step.scopes = scopes;
    const audience = this.convert(s.audience, `${at}.audience`);
    if (audience) step.audience = audience;
    const resource = this.convert(s.resource, `${at}.resource`);
    if (resource) step.resource = resource;
    if (grant === 'authorization_code') {
      step.pkce = s.usePkce === true;
      if (s.usePkce && s.pkceMethod && s.pkceMethod.toUpperCase() !== 'S256') {
        this.report(`${at}.pkceMethod`, `PKCE method ${s.pkceMethod} is not supported; the flow uses S256.`);
      }
      const redirect = this.convert(s.redirectUrl, `${at}.redirectUrl`);
      if (redirect) step.redirectUri = redirect;
    }
    if (grant === 'password') {
      const username = this.convert(s.username, `${at}.username`);
      if (username) step.username = username;
      const password = this.secret(
        this.convert(s.password, `${at}.password`),
        `${idp.name}_PASSWORD`,
        `${at}.password`,
      );
      if (password) step.password = password;
    }
    if (grant === 'refresh_token') {
      const refresh = this.secret(
        this.convert(s.refreshToken, `${at}.refreshToken`),
        `${idp.name}_REFRESH_TOKEN`,
        `${at}.refreshToken`,
      );
      if (refresh) step.refreshToken = refresh;
      else this.report(`${at}.refreshToken`, BY_HAND.refreshTokenMissing);
    }
    for (const key of Object.keys(s.extras)) this.report(`${at}.${key}`, extraReason(key));
    const { id: _unused, ...shape } = step;
    const key = JSON.stringify(shape);
    let existing = this.tokenSteps.get(key);
    if (!existing) {
      existing = { ...step, id: unique(`token-${idp.name}`, this.stepIds) };
      this.tokenSteps.set(key, existing);
    }
    return {
      token: `{{steps.${existing.id}.token.access_token}}`,
      scheme: escapeSecretRefs(s.tokenPrefix?.trim() || 'Bearer'),
      tokenKey: key,
    };
  }

  /** IdPs are shared by every flow, so they may only read environments; a chained value becomes one to fill in. */
  private envOnly(value: string | undefined, name: string, label: string): string | undefined {
    if (value === undefined || !/\{\{\s*steps\./.test(value)) return value;
    return this.converter.placeholder(
      name,
      `${label} reads another request's response, but IdP settings can only read environments`,
    );
  }

  private idpFor(
    rawTokenUrl: string,
    rawClientId: string | undefined,
    s: OAuth2Settings,
    at: string,
  ): { name: string; config: IdpConfig } {
    const secret = this.convert(s.clientSecret, `${at}.clientSecret`) || undefined;
    const entry = this.ensureIdp({
      kind: 'token',
      url: rawTokenUrl,
      clientId: rawClientId,
      secret,
      method: secret ? (s.credentialsInBody ? 'client_secret_post' : 'client_secret_basic') : 'none',
      at,
      urlAt: `${at}.accessTokenUrl`,
      clientIdAt: `${at}.clientId`,
      secretAt: `${at}.clientSecret`,
    });
    const authorization = this.envOnly(
      this.convert(s.authorizationUrl, `${at}.authorizationUrl`),
      'authorizationUrl',
      `${at}.authorizationUrl`,
    );
    if (authorization && (s.grantType === 'authorization_code' || s.grantType === 'implicit'))
      entry.config.endpoints!.authorization ??= authorization;
    return entry;
  }

  private routeFor(base: string, scheme: string): { name: string; config: RouteConfig } {
    const known = this.routes.get(base);
    if (known) return known;
    const entry = {
      name: unique(routeNameFor(base), this.routeNames),
      config: { baseUrl: base, token: { in: 'header', name: 'Authorization', scheme } } as RouteConfig,
    };
    this.routes.set(base, entry);
    return entry;
  }

  /**
   * Collections such as Okta's send `{{accessToken}}` that no request and no
   * environment sets (the user pastes a token by hand). When the export makes
   * tokens itself, those requests read the token of one of its token
   * requests instead, so the imported calls carry a token the runner knows
   * (and the diagnosis can follow). Non-interactive grants are preferred.
   */
  private chainUnsetTokenVariables(
    prepared: ReturnType<typeof prepareEnvironments>,
    kinds: Map<string, OAuthEndpointKind | undefined>,
    stepIdByRef: Map<string, string>,
  ): void {
    const grantOf = (req: SourceRequest) =>
      GRANT_PARAMS[formValue(postedForm(req.body) ?? [], 'grant_type')?.trim() ?? ''];
    const tokenRequests = this.source.requests.filter((r) => kinds.get(r.ref) === 'token' && grantOf(r));
    if (tokenRequests.length === 0) return;
    const rank = (req: SourceRequest) => PREFERRED_GRANTS.indexOf(grantOf(req)!) >>> 0;
    const chosen = tokenRequests.reduce((best, r) => (rank(r) < rank(best) ? r : best));
    const id = stepIdByRef.get(chosen.ref)!;
    const mentioned = new Set<string>();
    const pattern = /\{\{\s*(?:_\.)?([A-Za-z_]+)\s*\}\}/g;
    for (const req of this.source.requests) {
      if (req.ref === chosen.ref) continue;
      for (const m of JSON.stringify([req.url, req.headers, req.params, req.body, req.auth]).matchAll(pattern))
        if (TOKEN_VARIABLE.test(m[1]!)) mentioned.add(m[1]!);
    }
    for (const name of mentioned) {
      const set = prepared.environments.some((env) => {
        const value = env.values[envKey(name)] ?? env.values[name];
        return value !== undefined && value !== '';
      });
      if (set || prepared.dynamic.has(name)) continue;
      prepared.dynamic.set(name, { kind: 'template', text: `{{steps.${id}.token.access_token}}`, ref: chosen.ref });
      this.chained.add(name);
      this.report(
        `{{${name}}}`,
        `no request or environment of the export sets it; the requests that send it now send the token of step ${id} (${chosen.name}). Point their token at another token step if they need another.`,
      );
    }
  }

  // ---- requests made to the IdP by hand ----------------------------------------

  /**
   * A POST of a grant, or of a token to introspect or revoke, becomes the
   * flow step that does the same; undefined when it cannot (the caller then
   * keeps it as a plain request). Its Basic auth or posted client_id and
   * client_secret become the IdP's client.
   */
  private convertIdpRequest(req: SourceRequest, id: string, kind: OAuthEndpointKind): Draft | undefined {
    const label = `request "${req.name}"`;
    const form = postedForm(req.body) ?? [];
    const grant = kind === 'token' ? GRANT_PARAMS[formValue(form, 'grant_type')?.trim() ?? ''] : undefined;
    if (kind === 'token' && !grant) return undefined;
    this.converter.deps = new Set();
    const url = this.convert(req.url, `${label} > url`);
    if (!url) return undefined;
    const field = (name: string) => {
      const raw = formValue(form, name);
      return raw === undefined ? undefined : this.convert(raw, `${label} > body.${name}`) || undefined;
    };
    const client = this.clientOf(req, form, label);
    const idp = this.ensureIdp({ kind, url, ...client, at: label });
    const name = stepTitle(req);
    let step: TokenStep | IntrospectStep | RevokeStep;
    if (kind === 'token') {
      const token: TokenStep = { id, name, type: 'token', idp: idp.name, grant };
      const scopes = field('scope')?.split(/\s+/).filter(Boolean);
      if (scopes && scopes.length > 0) token.scopes = scopes;
      const audience = field('audience');
      if (audience) token.audience = audience;
      const resource = field('resource');
      if (resource) token.resource = resource;
      if (grant === 'password') {
        const username = field('username');
        if (username) token.username = username;
        const password = this.secret(field('password'), `${idp.name}_PASSWORD`, `${label} > body.password`);
        if (password) token.password = password;
      }
      if (grant === 'refresh_token') {
        const refresh = this.secret(
          field('refresh_token'),
          `${idp.name}_REFRESH_TOKEN`,
          `${label} > body.refresh_token`,
        );
        if (refresh) token.refreshToken = refresh;
        else this.report(`${label} > body.refresh_token`, BY_HAND.refreshTokenMissing);
      }
      if (grant === 'authorization_code') {
        token.pkce = formValue(form, 'code_verifier') !== undefined;
        const redirect = field('redirect_uri');
        if (redirect) token.redirectUri = redirect;
        if (formValue(form, 'code') !== undefined) this.report(`${label} > body.code`, BY_HAND.authorizationCode);
      }
      const extra: ValueMap = {};
      for (const p of form) {
        if (TOKEN_FIELDS.has(p.name) || CLIENT_FIELDS.has(p.name)) continue;
        const value = field(p.name);
        if (value !== undefined) extra[p.name] = value;
      }
      if (Object.keys(extra).length > 0) token.extra = extra;
      this.tokenRequestIds.add(id);
      step = token;
    } else {
      const token = field('token');
      if (!token) {
        this.report(`${label} > body.token`, `the ${kind} request names no token; set token on step ${id}.`);
      }
      const shape = {
        id,
        name,
        idp: idp.name,
        token: token ?? this.converter.placeholder(`${id}_token`, `${label} posts no token`),
      };
      const hint = formValue(form, 'token_type_hint')?.trim();
      const withHint = hint && TOKEN_HINTS.has(hint) ? { hint: hint as TokenTypeHint } : {};
      step =
        kind === 'introspection'
          ? { ...shape, type: 'introspect', ...withHint }
          : { ...shape, type: 'revoke', ...withHint };
      for (const p of form)
        if (!CLIENT_FIELDS.has(p.name) && p.name !== 'token' && p.name !== 'token_type_hint')
          this.report(
            `${label} > body.${p.name}`,
            `the ${step.type} step sends only the token, its hint and the client's credentials; this field is not sent.`,
          );
    }
    for (const h of req.headers)
      if (!IDP_STEP_HEADERS.has(h.name.toLowerCase()))
        this.report(
          `${label} > headers.${h.name}`,
          `a ${step.type} step sends the headers the protocol needs, not the export's; this header is not sent.`,
        );
    for (const p of req.params)
      this.report(
        `${label} > query.${p.name}`,
        `a ${step.type} step sends no query parameters of its own; this one is not sent.`,
      );
    if (isMeaningfulScript(req.preRequestScript))
      this.notCarried.push(scriptNotCarried(`${label} > pre-request script`, req.preRequestScript));
    const draft: Draft = { req, ref: req.ref, id, step, deps: this.converter.deps };
    this.readAfterResponse(req, id, label);
    return draft;
  }

  /** The client of a hand-made IdP request: Basic auth (or a literal Basic header), else the posted client_id and client_secret. */
  private clientOf(
    req: SourceRequest,
    form: Array<{ name: string; value: string }>,
    label: string,
  ): { clientId?: string; secret?: string; method: ClientAuthMethod } {
    const header = req.headers.find((h) => h.name.toLowerCase() === 'authorization')?.value.trim();
    if (req.auth?.type === 'basic') {
      const at = req.authLabel;
      const clientId = this.convert(req.auth.username, `${at}.username`) || undefined;
      const secret = this.convert(req.auth.password, `${at}.password`) || undefined;
      return { clientId, secret, method: secret ? 'client_secret_basic' : 'none' };
    }
    if (req.auth && req.auth.type !== 'none')
      this.report(
        req.authLabel,
        `${req.auth.type} auth on a request to the IdP is not carried; the IdP's client authentication is used instead.`,
      );
    if (header && /^basic\b/i.test(header)) {
      const credential = header.slice(5).trim();
      const decoded = decodeBasicCredential(credential);
      if (decoded) return { clientId: decoded.id, secret: decoded.secret, method: 'client_secret_basic' };
      this.report(
        `${label} > headers.Authorization`,
        credential === '' ? BY_HAND.basicHeaderEmpty : BY_HAND.basicHeaderTemplated,
      );
      return { clientId: this.formField(form, 'client_id', label), method: 'client_secret_basic' };
    }
    if (formValue(form, 'client_assertion') !== undefined)
      this.report(`${label} > body.client_assertion`, BY_HAND.clientAssertion);
    const clientId = this.formField(form, 'client_id', label);
    const secret = this.formField(form, 'client_secret', label);
    return { clientId, secret, method: secret ? 'client_secret_post' : 'none' };
  }

  private formField(form: Array<{ name: string; value: string }>, name: string, label: string): string | undefined {
    const raw = formValue(form, name);
    return raw === undefined ? undefined : this.convert(raw, `${label} > body.${name}`) || undefined;
  }

  /**
   * The IdP an endpoint belongs to: one per issuer (or origin when the URL's
   * shape names no issuer) and client id, so a token, an introspection and a
   * revocation by the same client share it. A client registration has one
   * authentication method: when requests disagree, the first one's is kept
   * and the disagreement reported.
   */
  private ensureIdp(input: {
    kind: OAuthEndpointKind;
    url: string;
    clientId?: string;
    secret?: string;
    method: ClientAuthMethod;
    at: string;
    /** Where the URL, client id and secret were, when not simply `at`. */
    urlAt?: string;
    clientIdAt?: string;
    secretAt?: string;
  }): { name: string; config: IdpConfig } {
    const url = this.envOnly(input.url, `${input.kind}Url`, input.urlAt ?? `${input.at} > url`)!;
    const clientId = this.envOnly(input.clientId, 'clientId', input.clientIdAt ?? `${input.at} > client id`);
    const issuer = issuerFromEndpointUrl(url);
    const key = `${issuer ?? splitBase(url)?.base ?? url}\u0000${clientId ?? ''}`;
    let entry = this.idps.get(key);
    if (!entry) {
      const name = unique(idpNameFor(url), this.idpNames);
      const config: IdpConfig = {};
      if (issuer) config.issuer = issuer;
      else config.discovery = false;
      config.endpoints = {};
      if (clientId) config.clientId = clientId;
      config.clientAuth = input.method;
      entry = { name, config };
      this.idps.set(key, entry);
    }
    const { config, name } = entry;
    config.endpoints ??= {};
    config.endpoints[input.kind] ??= url;
    if (config.clientAuth === 'none' && input.method !== 'none') config.clientAuth = input.method;
    else if (input.method !== 'none' && config.clientAuth !== input.method)
      this.report(
        input.at,
        `it authenticates the client with ${input.method}, another request of the same client with ${config.clientAuth}; IdP ${name} keeps ${config.clientAuth} (an app is registered with one method), change clientAuth there if needed.`,
      );
    if (config.clientSecret !== undefined && isLiteralSecret(input.secret)) {
      // Already set from another request; the literal still names the variable its copies in environments become.
      this.namer.reference(
        input.secret,
        `${name}_CLIENT_SECRET`,
        `${input.secretAt ?? input.at} (client of idps.${name})`,
      );
    } else if (input.method !== 'none' && config.clientSecret === undefined) {
      const secret = this.secret(
        this.envOnly(input.secret, 'clientSecret', input.secretAt ?? `${input.at} > client secret`),
        `${name}_CLIENT_SECRET`,
        `idps.${name}.clientSecret (from ${input.secretAt ?? input.at})`,
      );
      // A client that authenticates with a secret the export does not show (a templated Basic header):
      // the IdP still needs one, so it reads a variable the user is told to set.
      config.clientSecret =
        secret ??
        this.namer.reference(
          `\u0000secret of ${name}`,
          `${name}_CLIENT_SECRET`,
          `idps.${name}.clientSecret (not in the export: set it)`,
        );
    }
    return entry;
  }

  /**
   * Token steps made from token requests hold the token, not the response:
   * what other requests read of that response is read from the token result,
   * and anything else becomes a value to fill in (reported).
   */
  private readTokenResults(step: StepDef): StepDef {
    if (this.tokenRequestIds.size === 0) return step;
    const reads = /\{\{\s*steps\.([A-Za-z0-9_-]+)\.response((?:[.[][^}]*)?)\}\}/g;
    const walk = (v: unknown): unknown => {
      if (typeof v === 'string')
        return v.replace(reads, (whole, id: string, path: string) => {
          if (!this.tokenRequestIds.has(id)) return whole;
          const field = /^\.body\.(?:\$\.)?([A-Za-z_]+)\s*$/.exec(path)?.[1];
          if (field && TOKEN_RESULT_FIELDS.has(field)) return `{{steps.${id}.token.${field}}}`;
          return this.converter.placeholder(
            `${id}_value`,
            `a request reads response${path.trim()} of token request "${id}", which is now a token step whose result holds the token but not the response`,
          );
        });
      if (Array.isArray(v)) return v.map(walk);
      if (v !== null && typeof v === 'object')
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
      return v;
    };
    return walk(step) as StepDef;
  }

  // ---- order ----------------------------------------------------------------

  private orderSteps(drafts: Draft[]): StepDef[] {
    const { order, cycles } = orderByDependencies(drafts);
    const nameOf = new Map(drafts.map((d) => [d.ref, d.req.name]));
    const idOf = new Map(drafts.map((d) => [d.ref, d.id]));
    for (const cycle of cycles) {
      this.report(
        `requests ${cycle.map((ref) => `"${nameOf.get(ref) ?? ref}"`).join(' → ')}`,
        'their response tags read each other in a cycle, so no order can run them; the first request runs in export order and its reference to a later request was replaced by an environment value you fill in.',
      );
    }
    const steps: StepDef[] = [];
    const done = new Set<string>();
    const emittedTokens = new Set<string>();
    for (const draft of order) {
      for (const dep of draft.deps) {
        if (done.has(dep) || !idOf.has(dep)) continue;
        const depId = idOf.get(dep)!;
        const placeholder = this.converter.placeholder(
          `${depId}_value`,
          `request "${draft.req.name}" reads request "${nameOf.get(dep)}", which cannot run before it (cycle)`,
        );
        draft.step = replaceStepReferences(draft.step, depId, placeholder);
      }
      if (draft.tokenKey !== undefined && !emittedTokens.has(draft.tokenKey)) {
        emittedTokens.add(draft.tokenKey);
        steps.push(this.tokenSteps.get(draft.tokenKey)!);
      }
      steps.push(draft.step);
      done.add(draft.ref);
    }
    return steps;
  }

  // ---- environments ---------------------------------------------------------

  private buildEnvironments(prepared: Array<{ name: string; values: ValueMap }>): Record<string, ValueMap> {
    const taken = new Set<string>();
    const environments: Record<string, ValueMap> = {};
    for (const env of prepared) environments[unique(slug(env.name, 'env'), taken)] = { ...env.values };
    for (const name of this.chained) {
      const key = envKey(name);
      if (!this.converter.usedEnv.has(key)) for (const values of Object.values(environments)) delete values[key];
    }
    const needed = new Map<string, string | undefined>();
    for (const key of this.converter.usedEnv) needed.set(key, undefined);
    for (const [key, why] of this.converter.placeholders) needed.set(key, why);
    if (needed.size > 0 && Object.keys(environments).length === 0) environments.default = {};
    for (const [key, why] of needed) {
      const defined = Object.values(environments).some((values) => Object.hasOwn(values, key));
      if (defined && why === undefined) continue;
      for (const values of Object.values(environments)) if (!Object.hasOwn(values, key)) values[key] = '';
      const added = defined
        ? 'environments that lacked it got an empty value; check it'
        : 'it was added empty to every environment, fill it in';
      this.unfilled.push({
        key,
        reason:
          why === undefined ? `no environment in the export defines this variable; ${added}.` : `${why}; ${added}.`,
      });
    }
    return environments;
  }

  /** Reports without secrets: known values, JWTs and key-like literals masked; duplicates merged. */
  private safeReports(): NotCarried[] {
    const seen = new Set<string>();
    const out: NotCarried[] = [];
    for (const entry of this.notCarried) {
      const item = this.namer.redact(entry.item).replace(JWT, '***');
      const reason = redactCode(this.namer.redact(entry.reason));
      const key = `${item}\u0000${reason}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({ item, reason });
    }
    return out;
  }
}

/** Step names are rendered like every step field: a `${env:X}` in a request's name stays text. */
function stepTitle(req: SourceRequest): string {
  return escapeSecretRefs([...req.folders, req.name].join(' / '));
}

function splitQuery(rest: string): [string, string] {
  const withoutHash = rest.split('#')[0]!;
  const q = withoutHash.indexOf('?');
  return q < 0 ? [withoutHash, ''] : [withoutHash.slice(0, q), withoutHash.slice(q + 1)];
}

function parseQuery(query: string): ValueMap {
  const out: ValueMap = {};
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = decode(eq < 0 ? pair : pair.slice(0, eq));
    if (!Object.hasOwn(out, name)) out[name] = eq < 0 ? '' : decode(pair.slice(eq + 1));
  }
  return out;
}

function replaceStepReferences<T>(value: T, stepId: string, replacement: string): T {
  const pattern = new RegExp(`\\{\\{\\s*steps\\.${stepId.replace(/[-]/g, '\\-')}[.[][^}]*\\}\\}`, 'g');
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return v.replace(pattern, replacement);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return walk(value) as T;
}

function extraReason(key: string): string {
  if (/token/i.test(key))
    return 'a token fetched earlier is not carried (the value is not shown); the flow fetches a fresh one.';
  if (key === 'state') return 'the flow makes its own state for each authorization request.';
  if (key === 'code_verifier' || key === 'code')
    return 'the flow makes its own PKCE verifier and receives its own code.';
  if (key.endsWith('(other values)'))
    return 'a token step sends one value; the first of the export is carried, these others are not (add them under extra if the IdP needs them).';
  if (key === 'addTokenTo')
    return 'the token is sent in the Authorization header; change the route token placement to send it elsewhere.';
  return 'the flow file has no setting for it.';
}

/** Builds a flow file from an export read into the neutral model. */
export function buildFlowFile(source: SourceCollection): BuildOutput {
  return new Builder(source).build();
}
