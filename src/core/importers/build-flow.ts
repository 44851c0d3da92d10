import { OidcError } from '../errors';
import { headerKey } from '../http/headers';
import { escapeSecretRefs } from '../flow/secret-ref';
import type {
  CallStep,
  FlowFile,
  GrantType,
  HttpMethod,
  IdpConfig,
  RequestStep,
  RouteConfig,
  StepDef,
  TokenStep,
  ValueMap,
} from '../flow/file-format';
import { prepareEnvironments } from './build-environments';
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
 * - OAuth 2.0 auth → an `idps` entry (one per token URL + client id) and a
 *   `token` step before the first request that needs it;
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
const JWT = /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g;

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

/**
 * Reads the issuer back out of a token URL shaped like Okta's (custom or org
 * authorization server), so discovery finds the rest; undefined for any
 * other URL. (oauth/okta.ts's oktaIssuer goes the other way: domain to issuer.)
 */
function issuerFromOktaTokenUrl(tokenUrl: string): string | undefined {
  const custom = /^(https:\/\/[^/]+\/oauth2\/[^/]+)\/v1\/token$/.exec(tokenUrl);
  if (custom && custom[1]!.split('/oauth2/')[1] !== 'v1') return custom[1];
  const org = /^(https:\/\/[^/]+)\/oauth2\/v1\/token$/.exec(tokenUrl);
  return org?.[1];
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
  step: CallStep | RequestStep;
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

    const drafts: Draft[] = [];
    for (const req of source.requests) {
      const draft = this.convertRequest(req, stepIdByRef.get(req.ref)!);
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
    const steps = this.orderSteps(drafts);
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
    const token = this.applyAuth(req, id, headers, query);

    if (isMeaningfulScript(req.preRequestScript))
      this.notCarried.push(scriptNotCarried(`${label} > pre-request script`, req.preRequestScript));
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
      step = Object.assign(request, body);
    }
    const draft: Draft = { req, ref: req.ref, id, step, deps, tokenKey: token?.tokenKey };
    this.readAfterResponse(req, id, label);
    return draft;
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
  private applyAuth(req: SourceRequest, id: string, headers: ValueMap, query: ValueMap): TokenAuth | undefined {
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
      else
        this.report(
          `${at}.refreshToken`,
          'a refresh_token grant needs a refresh token; set refreshToken on the token step.',
        );
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
    const tokenUrl = this.envOnly(rawTokenUrl, 'tokenUrl', `${at}.accessTokenUrl`)!;
    const clientId = this.envOnly(rawClientId, 'clientId', `${at}.clientId`);
    const key = `${tokenUrl}\u0000${clientId ?? ''}`;
    const known = this.idps.get(key);
    if (known) return known;
    const name = unique(idpNameFor(tokenUrl), this.idpNames);
    const config: IdpConfig = {};
    const issuer = issuerFromOktaTokenUrl(tokenUrl);
    if (issuer) config.issuer = issuer;
    else config.discovery = false;
    config.endpoints = { token: tokenUrl };
    const authorization = this.envOnly(
      this.convert(s.authorizationUrl, `${at}.authorizationUrl`),
      'authorizationUrl',
      `${at}.authorizationUrl`,
    );
    if (authorization && (s.grantType === 'authorization_code' || s.grantType === 'implicit'))
      config.endpoints.authorization = authorization;
    if (clientId) config.clientId = clientId;
    const secret = this.secret(
      this.envOnly(this.convert(s.clientSecret, `${at}.clientSecret`), 'clientSecret', `${at}.clientSecret`),
      `${name}_CLIENT_SECRET`,
      `idps.${name}.clientSecret (from ${at}.clientSecret)`,
    );
    if (secret) {
      config.clientAuth = s.credentialsInBody ? 'client_secret_post' : 'client_secret_basic';
      config.clientSecret = secret;
    } else {
      config.clientAuth = 'none';
    }
    const entry = { name, config };
    this.idps.set(key, entry);
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
  if (key === 'addTokenTo')
    return 'the token is sent in the Authorization header; change the route token placement to send it elsewhere.';
  return 'the flow file has no setting for it.';
}

/** Builds a flow file from an export read into the neutral model. */
export function buildFlowFile(source: SourceCollection): BuildOutput {
  return new Builder(source).build();
}
