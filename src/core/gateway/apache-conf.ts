/**
 * Reads an Apache httpd configuration using mod_auth_openidc as an OAuth 2.0
 * resource server (`AuthType oauth20`) into the gateway model. Directives that
 * mean what a Kong openid-connect field means are mapped onto it; behaviour
 * Kong has no word for is kept as Apache-specific findings. `${NAME}` is
 * expanded as httpd expands it (a `Define` above it, else the environment
 * given); one that neither defines is kept as written and reported, and secret
 * directives are never expanded.
 */
import { OidcError } from '../errors';
import type { BearerParamType, KongOidcConfig } from './kong-oidc-config';
import type { LintFinding } from './lint';
import type { ApacheRouteSettings, GatewayModel, GatewayRoute, GatewayService } from './model';
import { isRegexPath } from './model';

export interface ApacheDirective {
  name: string;
  args: string[];
  line: number;
}

export interface ApacheSection {
  /** Section type as written ("Location", "VirtualHost"); "" for the file itself. */
  type: string;
  args: string[];
  line: number;
  directives: ApacheDirective[];
  sections: ApacheSection[];
}

export interface ApacheConf {
  fileName: string;
  root: ApacheSection;
  warnings: string[];
  /** `${NAME}` that neither a `Define` above it nor the environment defines, with the line each stands on. */
  unresolved: Array<{ name: string; line: number }>;
  /** Line of a secret directive → line of the `Define` in this file that its `${NAME}` takes the secret from. */
  secretsDefinedInFile: Map<number, number>;
}

export interface ApacheReadOptions {
  /**
   * The environment httpd would start with (its envvars), for `${NAME}`; not
   * given, only `Define` resolves a name.
   */
  env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Directives whose value is a secret: a `${NAME}` in them stays as written, so
 * the model (and everything shown from it) never holds the secret itself.
 */
const SECRET_DIRECTIVES = new Set([
  'oidcoauthclientsecret',
  'oidcclientsecret',
  'oidccryptopassphrase',
  'oidcoauthintrospectionclientauthbearertoken',
  'oidcrediscachepassword',
  'oidcoauthverifysharedkeys',
  'oidcoauthintrospectionendpointkeypassword',
]);

const VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_.]*)\}/g;

/**
 * httpd's `${NAME}` expansion (server/util.c ap_resolve_env, server/core.c
 * Define/UnDefine in Apache httpd 2.4): a variable a `Define NAME value` above
 * sets, else the process environment; an undefined one stays as written (httpd
 * logs "Config variable ${NAME} is not defined"). `Define` is global wherever
 * it stands and applies from its line on.
 */
class ApacheVariables {
  private readonly defined = new Map<string, { value: string; line: number }>();
  readonly unresolved: Array<{ name: string; line: number }> = [];
  readonly secretsDefinedInFile = new Map<number, number>();

  constructor(private readonly env: Readonly<Record<string, string | undefined>>) {}

  expand(text: string, line: number, secret: boolean): string {
    return text.replace(VARIABLE, (whole, name: string) => {
      const define = this.defined.get(name);
      const value = define?.value ?? (Object.hasOwn(this.env, name) ? this.env[name] : undefined);
      if (value === undefined) this.unresolved.push({ name, line });
      // A secret taken from a Define is written in this file after all: the plain-text check must know.
      if (secret && define) this.secretsDefinedInFile.set(line, define.line);
      return value === undefined || secret ? whole : value;
    });
  }

  /** Define NAME [value] / UnDefine NAME, read after the line's own expansion as httpd does. */
  directive(name: string, args: string[], line: number): void {
    const lower = name.toLowerCase();
    // Define with no value only sets a parameter for <IfDefine>, not a ${NAME} variable.
    if (lower === 'define' && args.length >= 2) this.defined.set(args[0]!, { value: args[1]!, line });
    else if (lower === 'undefine' && args[0]) this.defined.delete(args[0]);
  }
}

/** Splits one logical line into words, honouring "double" and 'single' quotes. */
function words(text: string): string[] {
  const out: string[] = [];
  const pattern = /"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|(\S+)/g;
  for (const match of text.matchAll(pattern)) out.push(match[1] ?? match[2] ?? match[3] ?? '');
  return out;
}

/** Parses httpd.conf syntax: directives, nested `<Section>` blocks, comments, `\` continuations and `${NAME}`. */
export function parseApacheConf(text: string, fileName = 'httpd.conf', options: ApacheReadOptions = {}): ApacheConf {
  const root: ApacheSection = { type: '', args: [], line: 0, directives: [], sections: [] };
  const stack: ApacheSection[] = [root];
  const warnings: string[] = [];
  const variables = new ApacheVariables(options.env ?? {});
  const raw = text.split(/\r?\n/);
  for (let index = 0; index < raw.length; index += 1) {
    const line = index + 1;
    let logical = raw[index]!;
    while (/\\$/.test(logical) && index + 1 < raw.length) {
      index += 1;
      logical = logical.slice(0, -1) + raw[index]!;
    }
    const written = logical.trim();
    if (!written || written.startsWith('#')) continue;
    const secret = SECRET_DIRECTIVES.has((/^\S+/.exec(written)?.[0] ?? '').toLowerCase());
    const trimmed = variables.expand(written, line, secret);
    const close = /^<\/([A-Za-z]+)\s*>$/.exec(trimmed);
    if (close) {
      const open = stack[stack.length - 1]!;
      if (stack.length === 1 || open.type.toLowerCase() !== close[1]!.toLowerCase()) {
        throw new OidcError(
          'gateway.apache_syntax',
          `Apache config ${fileName} line ${line}: </${close[1]}> closes ${stack.length === 1 ? 'nothing' : `<${open.type}> opened on line ${open.line}`}.`,
          {
            where: `${fileName}:${line}`,
            hint: 'Balance the section tags (apachectl configtest reports the same).',
          },
        );
      }
      stack.pop();
      continue;
    }
    const open = /^<([A-Za-z]+)(\s[^>]*)?>$/.exec(trimmed);
    if (open) {
      const section: ApacheSection = { type: open[1]!, args: words(open[2] ?? ''), line, directives: [], sections: [] };
      stack[stack.length - 1]!.sections.push(section);
      stack.push(section);
      continue;
    }
    if (trimmed.startsWith('<')) {
      throw new OidcError(
        'gateway.apache_syntax',
        `Apache config ${fileName} line ${line}: "${trimmed.slice(0, 60)}" is not a complete section tag.`,
        {
          where: `${fileName}:${line}`,
          hint: 'Section tags look like <Location "/path"> and </Location>.',
        },
      );
    }
    const [name, ...args] = words(trimmed);
    variables.directive(name!, args, line);
    if (/^include(optional)?$/i.test(name!))
      warnings.push(
        `${fileName} line ${line}: ${name} ${args.join(' ')} was not followed; directives in that file are not shown.`,
      );
    stack[stack.length - 1]!.directives.push({ name: name!, args, line });
  }
  if (stack.length > 1) {
    const open = stack[stack.length - 1]!;
    throw new OidcError(
      'gateway.apache_syntax',
      `Apache config ${fileName}: <${open.type}> opened on line ${open.line} is never closed.`,
      {
        where: `${fileName}:${open.line}`,
        hint: `Add </${open.type}> where the section ends.`,
      },
    );
  }
  for (const { name, line } of variables.unresolved)
    warnings.push(
      `${fileName} line ${line}: \${${name}} is set by no Define above it${options.env ? ' nor in the environment' : ''}, so httpd keeps it as written ("Config variable \${${name}} is not defined"); define it, or export it in the environment httpd starts with (envvars).`,
    );
  return {
    fileName,
    root,
    warnings,
    unresolved: variables.unresolved,
    secretsDefinedInFile: variables.secretsDefinedInFile,
  };
}

/** Sections whose contents apply as if written in the enclosing scope. */
const TRANSPARENT = new Set([
  'ifmodule',
  'ifdefine',
  'ifversion',
  'ifdirective',
  'iffile',
  'requireall',
  'requireany',
  'requirenone',
]);

/** Directives of a section, with those of transparent sub-sections (IfModule...) in file order. */
function flatten(section: ApacheSection): ApacheDirective[] {
  const out = [...section.directives];
  for (const sub of section.sections) if (TRANSPARENT.has(sub.type.toLowerCase())) out.push(...flatten(sub));
  return out.sort((a, b) => a.line - b.line);
}

/**
 * The last directive of each name (lower case) among `directives` (in file order): what httpd applies.
 * Made once per enclosing scope, not per lookup: a virtual host with thousands of locations was read
 * in quadratic time (4,000 took 22 s) when every lookup flattened and searched it again.
 */
function lastByName(directives: readonly ApacheDirective[]): Map<string, ApacheDirective> {
  const byName = new Map<string, ApacheDirective>();
  for (const directive of directives) byName.set(directive.name.toLowerCase(), directive);
  return byName;
}

function childSections(section: ApacheSection, type: string): ApacheSection[] {
  const out: ApacheSection[] = [];
  for (const sub of section.sections) {
    const kind = sub.type.toLowerCase();
    if (kind === type) out.push(sub);
    else if (TRANSPARENT.has(kind)) out.push(...childSections(sub, type));
  }
  return out;
}

/** Kong config field (as lint names it) → the mod_auth_openidc directive that plays its part. */
export const APACHE_FIELD_NAMES: Readonly<Record<string, string>> = {
  'config.introspection_endpoint': 'OIDCOAuthIntrospectionEndpoint',
  'config.introspection_endpoint_auth_method': 'OIDCOAuthIntrospectionEndpointAuth',
  'config.client_auth': 'OIDCOAuthIntrospectionEndpointAuth',
  'config.client_id': 'OIDCOAuthClientID',
  'config.client_secret[0]': 'OIDCOAuthClientSecret',
  'config.cache_introspection': 'OIDCOAuthTokenIntrospectionInterval',
  'config.bearer_token_param_type': 'OIDCOAuthAcceptTokenAs',
  // OIDCSSLValidateServer is the OpenID Connect client's (token and userinfo endpoints); the resource server's
  // introspection call has its own switch (auth_openidc.conf; cfg/oauth.c ssl_validate_server, default On).
  'config.ssl_verify': 'OIDCOAuthSSLValidateServer',
  'config.introspect_jwt_tokens': 'OIDCOAuthVerifyJwksUri',
  'config.scopes_required': 'Require claim',
  'config.scopes_claim': 'Require claim',
  'config.audience_required': 'Require claim',
};

const APACHE_FIXES: Readonly<Record<string, Partial<Pick<LintFinding, 'message' | 'fix'>>>> = {
  'ssl-verify-off': {
    message:
      'OIDCOAuthSSLValidateServer is Off, so mod_auth_openidc trusts any certificate presented by the token introspection endpoint.',
    fix: "Set OIDCOAuthSSLValidateServer On (the default) and point OIDCCABundlePath at the IdP's CA bundle.",
  },
  'token-in-query': { fix: 'Remove query from OIDCOAuthAcceptTokenAs (the default is header only).' },
  'introspection-cache-delays-revocation': {
    fix: 'Set OIDCOAuthTokenIntrospectionInterval to -1 (introspect on every request) or to a few seconds.',
  },
  'jwt-not-introspected': {
    fix: 'Remove OIDCOAuthVerifyJwksUri so every token is introspected, or keep token lifetimes short.',
  },
  'introspection-client-missing': {
    fix: 'Set OIDCOAuthClientID and OIDCOAuthClientSecret to an IdP client allowed to introspect.',
  },
  'introspection-endpoint-mismatch': { fix: "Set OIDCOAuthIntrospectionEndpoint to the IdP's introspection endpoint." },
  'introspection-auth-unsupported': { fix: 'Set OIDCOAuthIntrospectionEndpointAuth to a method the IdP supports.' },
  'okta-scopes-claim': {
    fix: 'Write the requirement against the claim the token carries, e.g. Require claim scp:orders:read for Okta JWTs.',
  },
};

/**
 * How long mod_auth_openidc reuses an introspection answer, in its own words
 * (auth_openidc.conf, OIDCOAuthTokenIntrospectionInterval, OpenIDC/mod_auth_openidc
 * @00d71d1c): not set or 0 caches until the token's `exp`, -1 introspects on
 * every request, N > 0 introspects again after N seconds (never past `exp`).
 */
function apacheCacheMessage(settings: ApacheRouteSettings, kongMessage: string): string {
  const interval = settings.introspectionInterval;
  const where = settings.lines.OIDCOAuthTokenIntrospectionInterval
    ? ` (${settings.lines.OIDCOAuthTokenIntrospectionInterval})`
    : '';
  // The Kong wording's duration ("up to 2 hours (the token's remaining lifetime)") is the one figure worth keeping.
  const upTo = /cached for up to (\S+ \S+)/.exec(kongMessage)?.[1];
  if (interval === undefined || interval === 0)
    return `OIDCOAuthTokenIntrospectionInterval is ${interval === undefined ? 'not set, so 0' : `0${where}`}: mod_auth_openidc caches an introspection answer until the token's exp, so a revoked token is still accepted until it expires${upTo && /remaining lifetime/.test(kongMessage) ? ` (up to ${upTo} for this token)` : ''}.`;
  return `OIDCOAuthTokenIntrospectionInterval is ${interval}${where}: mod_auth_openidc reuses a cached introspection answer for ${interval} s before introspecting the token again (never past its exp), so a revoked token is still accepted for up to ${upTo ?? `${interval} s`}.`;
}

/** Renames a Kong lint finding's field and fix to the mod_auth_openidc directives, and its words where Apache's differ. */
export function adaptFindingForApache(finding: LintFinding, settings?: ApacheRouteSettings): LintFinding {
  return {
    ...finding,
    field: APACHE_FIELD_NAMES[finding.field] ?? finding.field,
    ...(APACHE_FIXES[finding.rule] ?? {}),
    ...(settings && finding.rule === 'introspection-cache-delays-revocation'
      ? { message: apacheCacheMessage(settings, finding.message) }
      : {}),
  };
}

/** Apache-specific findings for a route; with a token's claims, the REMOTE_USER check becomes definite. */
export function apacheFindings(
  route: Pick<GatewayRoute, 'apache' | 'oidc'>,
  token?: { claims: Record<string, unknown> },
): LintFinding[] {
  const settings = route.apache;
  if (!settings || settings.authType !== 'oauth20') return [];
  const findings: LintFinding[] = [];
  const config = route.oidc?.config;
  const where = (directive: string) => (settings.lines[directive] ? ` (${settings.lines[directive]})` : '');
  if (config && !config.introspection_endpoint && !(config.auth_methods ?? []).includes('bearer')) {
    findings.push({
      rule: 'apache-no-token-validation',
      severity: 'error',
      field: 'OIDCOAuthIntrospectionEndpoint',
      message:
        'AuthType oauth20 is set, but neither OIDCOAuthIntrospectionEndpoint nor OIDCOAuthVerifyJwksUri is configured, so mod_auth_openidc has no way to validate a token.',
      fix: "Set OIDCOAuthIntrospectionEndpoint to the IdP's introspection endpoint (or OIDCOAuthVerifyJwksUri for local JWT validation).",
    });
  }
  const claim = settings.remoteUserClaim ?? 'sub';
  const has = token ? token.claims[claim] !== undefined && token.claims[claim] !== null : undefined;
  if (has === false) {
    findings.push({
      rule: 'apache-remote-user-claim',
      severity: 'error',
      field: 'OIDCOAuthRemoteUserClaim',
      message: `This token has no "${claim}" claim, so mod_auth_openidc cannot set REMOTE_USER and answers 401; only Apache's error log says why ("remote user could not be set").`,
      evidence: `the token's claims are ${Object.keys(token!.claims).join(', ') || 'empty'}`,
      fix: `Set OIDCOAuthRemoteUserClaim to a claim every token carries (client_id for client-credentials tokens)${settings.remoteUserClaim ? '' : '; it defaults to sub'}.`,
    });
  } else if (has === undefined && settings.remoteUserClaim === undefined) {
    findings.push({
      rule: 'apache-remote-user-claim',
      severity: 'warning',
      field: 'OIDCOAuthRemoteUserClaim',
      message:
        'OIDCOAuthRemoteUserClaim is not set, so mod_auth_openidc takes REMOTE_USER from "sub"; a client-credentials token whose introspection answer has no sub is refused with 401, and only the error log says why ("remote user could not be set").',
      fix: 'Set OIDCOAuthRemoteUserClaim client_id (present for every client-credentials token).',
    });
  }
  const secret = settings.clientSecret;
  if (secret && (!PLACEHOLDER.test(secret) || settings.clientSecretDefinedAt)) {
    findings.push({
      rule: 'apache-plaintext-client-secret',
      severity: 'warning',
      field: 'OIDCOAuthClientSecret',
      message: `The introspection client secret is written in plain text in the Apache configuration${settings.clientSecretDefinedAt ? ` (the Define on ${settings.clientSecretDefinedAt} that ${secret} takes it from)` : where('OIDCOAuthClientSecret')}.`,
      fix: 'Take it from the environment: OIDCOAuthClientSecret ${OIDC_CLIENT_SECRET} (exported in envvars or the service unit), and keep the file out of version control.',
    });
  }
  return findings;
}

function acceptTokenAs(values: string[]): { types: BearerParamType[]; cookie?: string } {
  const types: BearerParamType[] = [];
  let cookie: string | undefined;
  for (const value of values) {
    const lower = value.toLowerCase();
    if (lower === 'header' || lower === 'basic') types.push('header');
    else if (lower === 'post') types.push('body');
    else if (lower === 'query') types.push('query');
    else if (lower.startsWith('cookie')) {
      types.push('cookie');
      cookie = value.split(':')[1];
    }
  }
  return { types: [...new Set(types)], ...(cookie ? { cookie } : {}) };
}

function guessIssuer(metadataUrl: string | undefined, introspection: string | undefined): string | undefined {
  if (metadataUrl && !HOLDS_PLACEHOLDER.test(metadataUrl)) return metadataUrl;
  // Okta's endpoints hang off the issuer: {issuer}/v1/introspect.
  if (introspection && !HOLDS_PLACEHOLDER.test(introspection) && /\/v1\/introspect$/.test(introspection))
    return introspection.replace(/\/v1\/introspect$/, '');
  return undefined;
}

const VARIABLE_TEXT = /\$\{[A-Za-z_][A-Za-z0-9_.]*\}/;

/**
 * A whole value that is a placeholder filled in before httpd reads the file:
 * httpd's own `${NAME}`, or the `%NAME%` that deployment templates (OpenStack
 * devstack's apache_oidc.conf, sed-substituted at install) write instead.
 */
const PLACEHOLDER = /^(\$\{[A-Za-z_][A-Za-z0-9_]*\}|%[A-Za-z_][A-Za-z0-9_]*%)$/;
/** A value that still holds either kind of placeholder, so it names no real URL. */
const HOLDS_PLACEHOLDER = /\$\{|%[A-Za-z_][A-Za-z0-9_]*%/;

/**
 * The findings of a relying-party `<Location>` (AuthType openid-connect):
 * mod_auth_openidc logs the browser in at the provider and keeps a session
 * cookie, so it is a login route, not an API a bearer token is sent to; what
 * the lint can say of it is how it reaches the provider.
 */
function relyingPartyFindings(settings: ApacheRouteSettings, metadataUrl: string | undefined): LintFinding[] {
  const where = (directive: string) => (settings.lines[directive] ? ` (${settings.lines[directive]})` : '');
  const findings: LintFinding[] = [
    {
      rule: 'apache-relying-party',
      severity: 'info',
      field: 'AuthType',
      message: `AuthType openid-connect${where('AuthType')} makes this a relying-party (login) route: mod_auth_openidc sends a browser without a session to the provider${metadataUrl ? ` named by OIDCProviderMetadataURL ${metadataUrl}` : ''} and keeps the login in a session cookie, so it is not a bearer-token API and a token sent to it is not what it checks.`,
      fix: 'Test it with a browser login (authorization code flow); lint the bearer-token APIs, AuthType oauth20, on their own Locations.',
    },
  ];
  if (!settings.sslValidateServer)
    findings.push({
      rule: 'ssl-verify-off',
      severity: 'warning',
      field: 'OIDCSSLValidateServer',
      message: `OIDCSSLValidateServer is Off${where('OIDCSSLValidateServer')}, so mod_auth_openidc trusts any certificate presented by the provider's discovery, token and userinfo endpoints on this login route.`,
      fix: "Set OIDCSSLValidateServer On (the default) and point OIDCCABundlePath at the provider's CA bundle.",
    });
  return findings;
}

const UNRESOLVED_BY_LINE = new WeakMap<ApacheConf, Map<number, string[]>>();

/** The names of `conf.unresolved` by line, made once per configuration (it is asked once per location). */
function unresolvedByLine(conf: ApacheConf): Map<number, string[]> {
  let byLine = UNRESOLVED_BY_LINE.get(conf);
  if (!byLine) {
    byLine = new Map();
    for (const { line, name } of conf.unresolved) {
      const names = byLine.get(line);
      if (names) names.push(name);
      else byLine.set(line, [name]);
    }
    UNRESOLVED_BY_LINE.set(conf, byLine);
  }
  return byLine;
}

/** One finding per directive of this location (or the section tag) still holding a `${NAME}` httpd cannot expand. */
function unresolvedFindings(
  conf: ApacheConf,
  location: ApacheSection,
  lookup: (name: string) => ApacheDirective | undefined,
  names: readonly string[],
): LintFinding[] {
  const lines = unresolvedByLine(conf);
  const found: Array<{ field: string; line: number; text: string }> = [];
  if (lines.has(location.line))
    found.push({ field: `<${location.type}>`, line: location.line, text: location.args.join(' ') });
  for (const name of names) {
    const directive = lookup(name);
    if (directive && lines.has(directive.line))
      found.push({ field: directive.name, line: directive.line, text: directive.args.join(' ') });
  }
  return found.map(({ field, line, text }) => {
    const variables = (lines.get(line) ?? []).map((name) => `\${${name}}`);
    const auth = field.toLowerCase() === 'authtype';
    return {
      rule: 'apache-unresolved-variable',
      severity: auth ? 'error' : 'warning',
      field,
      message: `${field} on ${conf.fileName} line ${line} uses ${[...new Set(variables)].join(', ')}, which no Define above it nor the environment given sets, so httpd takes it as written${auth ? ': how this location authenticates cannot be told, so it was not checked' : field.startsWith('<') || SECRET_DIRECTIVES.has(field.toLowerCase()) ? '' : ` ("${text}")`}.`,
      fix: `Define it (Define NAME value) before line ${line}, or give the environment httpd starts with (envvars) to the reader.`,
    } satisfies LintFinding;
  });
}

/** Maps one `<Location>` with its inherited directives onto a route. */
function locationRoute(
  conf: ApacheConf,
  scopes: ApacheSection[],
  inherited: ReadonlyArray<Map<string, ApacheDirective>>,
  location: ApacheSection,
  services: GatewayService[],
): GatewayRoute {
  const local = flatten(location);
  const own = lastByName(local);
  const lookup = (name: string): ApacheDirective | undefined => {
    const key = name.toLowerCase();
    for (const scope of [own, ...inherited]) {
      const found = scope.get(key);
      if (found) return found;
    }
    return undefined;
  };
  const arg = (name: string) => lookup(name)?.args[0];
  const lines: Record<string, string> = {};
  const names = [
    'OIDCOAuthIntrospectionEndpoint',
    'OIDCOAuthClientID',
    'OIDCOAuthClientSecret',
    'OIDCOAuthIntrospectionEndpointAuth',
    'OIDCOAuthTokenIntrospectionInterval',
    'OIDCOAuthRemoteUserClaim',
    'OIDCOAuthVerifyJwksUri',
    'OIDCCABundlePath',
    'OIDCOAuthSSLValidateServer',
    'OIDCOAuthAcceptTokenAs',
    'OIDCOAuthServerMetadataURL',
    'OIDCProviderMetadataURL',
    'OIDCSSLValidateServer',
    'AuthType',
  ];
  for (const name of names) {
    const found = lookup(name);
    if (found) lines[name] = `${conf.fileName} line ${found.line}`;
  }

  const isMatch = location.type.toLowerCase() === 'locationmatch' || location.args[0] === '~';
  const pathArg = location.args[0] === '~' ? (location.args[1] ?? '') : (location.args[0] ?? '/');
  const path = isMatch ? `~${pathArg}` : pathArg;
  const proxyPass = local.find((d) => d.name.toLowerCase() === 'proxypass');
  const upstream = proxyPass?.args[0];
  if (upstream && !services.some((s) => s.name === upstream)) services.push({ name: upstream, upstreamUrl: upstream });
  const serverName = scopes.length > 1 ? arg('ServerName') : undefined;

  const authTypeWritten = local.find((d) => d.name.toLowerCase() === 'authtype')?.args[0] ?? '';
  const authType = authTypeWritten.toLowerCase();
  const requires = local.filter((d) => d.name.toLowerCase() === 'require').map((d) => `Require ${d.args.join(' ')}`);
  const route: GatewayRoute = {
    name: serverName ? `${serverName}${pathArg}` : pathArg,
    service: upstream ?? '',
    paths: [path],
    regexPaths: isRegexPath(path) ? [path] : [],
    ...(serverName ? { hosts: [serverName] } : {}),
    stripPath: false,
    authPlugins: [],
    sourceFindings: unresolvedFindings(conf, location, lookup, names),
    ...(requires.length ? { requirements: requires } : {}),
  };
  if (authType === 'openid-connect') {
    const metadataUrl = arg('OIDCProviderMetadataURL');
    const issuerGuess = guessIssuer(metadataUrl, undefined);
    const settings: ApacheRouteSettings = {
      authType,
      // The OpenID Connect client's own switch (the resource server's is OIDCOAuthSSLValidateServer).
      sslValidateServer: (arg('OIDCSSLValidateServer') ?? 'On').toLowerCase() !== 'off',
      acceptTokenAs: [],
      ...(issuerGuess ? { issuerGuess } : {}),
      lines,
    };
    route.apache = settings;
    route.authPlugins.push({
      name: `mod_auth_openidc relying party (AuthType openid-connect, login via ${metadataUrl ? `OIDCProviderMetadataURL ${metadataUrl}` : 'a provider not named by OIDCProviderMetadataURL'})`,
      scope: 'route',
      origin: lines.AuthType ?? conf.fileName,
    });
    route.sourceFindings = [...relyingPartyFindings(settings, metadataUrl), ...route.sourceFindings];
    return route;
  }
  if (authType !== 'oauth20') {
    if (authType)
      route.authPlugins.push({
        // An AuthType still holding ${NAME} is unknown, which is not the same as no authentication.
        name: VARIABLE_TEXT.test(authTypeWritten)
          ? `AuthType ${authTypeWritten} (unresolved)`
          : `mod_auth_openidc (AuthType ${authType})`,
        scope: 'route',
        origin: lines.AuthType ?? conf.fileName,
      });
    return route;
  }

  const interval = arg('OIDCOAuthTokenIntrospectionInterval');
  const seconds = interval === undefined ? undefined : Number(interval);
  const accept = acceptTokenAs(lookup('OIDCOAuthAcceptTokenAs')?.args ?? ['header']);
  const validate = (arg('OIDCOAuthSSLValidateServer') ?? 'On').toLowerCase() !== 'off';
  const config: KongOidcConfig = {
    // mod_auth_openidc validates locally when a JWKS URI is set, and introspects otherwise.
    auth_methods: arg('OIDCOAuthVerifyJwksUri') ? ['bearer'] : ['introspection'],
    introspect_jwt_tokens: false,
    ssl_verify: validate,
    bearer_token_param_type: accept.types.length ? accept.types : ['header'],
    ...(accept.cookie ? { bearer_token_cookie_name: accept.cookie } : {}),
  };
  const endpoint = arg('OIDCOAuthIntrospectionEndpoint');
  if (endpoint) config.introspection_endpoint = endpoint;
  const clientId = arg('OIDCOAuthClientID');
  if (clientId) config.client_id = [clientId];
  const secret = arg('OIDCOAuthClientSecret');
  if (secret) config.client_secret = [secret];
  const secretLine = lookup('OIDCOAuthClientSecret')?.line;
  const secretDefine = secretLine === undefined ? undefined : conf.secretsDefinedInFile.get(secretLine);
  config.introspection_endpoint_auth_method = arg('OIDCOAuthIntrospectionEndpointAuth') ?? 'client_secret_basic';
  if (seconds !== undefined && Number.isFinite(seconds) && seconds < 0) config.cache_introspection = false;
  else {
    config.cache_introspection = true;
    if (seconds !== undefined && seconds > 0) {
      config.cache_ttl = seconds;
      config.cache_ttl_max = seconds;
    }
  }
  for (const line of requires) {
    const claim = /^Require claim ([^:\s]+):(.+)$/.exec(line);
    if (!claim) continue;
    const [, name, value] = claim;
    if (name === 'scope' || name === 'scp') {
      config.scopes_claim = config.scopes_claim ?? [name];
      config.scopes_required = [...(config.scopes_required ?? []), value!];
    } else if (name === 'aud') {
      config.audience_required = [...(config.audience_required ?? []), value!];
    } else {
      // Any other claim rule: the diagnosis names the claim and the value the token has.
      config.required_claims = { ...(config.required_claims as Record<string, string> | undefined), [name!]: value! };
    }
  }
  const remoteUserClaim = arg('OIDCOAuthRemoteUserClaim');
  const caBundlePath = arg('OIDCCABundlePath');
  const issuerGuess = guessIssuer(arg('OIDCOAuthServerMetadataURL'), endpoint);
  const settings: ApacheRouteSettings = {
    authType,
    ...(remoteUserClaim ? { remoteUserClaim } : {}),
    ...(secret ? { clientSecret: secret } : {}),
    ...(secretDefine !== undefined ? { clientSecretDefinedAt: `${conf.fileName} line ${secretDefine}` } : {}),
    sslValidateServer: validate,
    ...(caBundlePath ? { caBundlePath } : {}),
    ...(seconds !== undefined && Number.isFinite(seconds) ? { introspectionInterval: seconds } : {}),
    acceptTokenAs: lookup('OIDCOAuthAcceptTokenAs')?.args ?? ['header'],
    ...(issuerGuess ? { issuerGuess } : {}),
    lines,
  };
  route.apache = settings;
  route.oidc = {
    config,
    scope: 'route',
    origin: `${conf.fileName} line ${location.line} (<${location.type} ${location.args.join(' ')}>)`,
    shadows: [],
  };
  route.authPlugins.push({ name: 'mod_auth_openidc (AuthType oauth20)', scope: 'route', origin: route.oidc.origin });
  route.sourceFindings = [...apacheFindings(route), ...route.sourceFindings];
  return route;
}

/** Reads an Apache mod_auth_openidc configuration's text into the gateway model. */
export function readApacheConf(text: string, fileName = 'httpd.conf', options: ApacheReadOptions = {}): GatewayModel {
  const conf = parseApacheConf(text, fileName, options);
  const services: GatewayService[] = [];
  const routes: GatewayRoute[] = [];
  const visit = (scopes: ApacheSection[], section: ApacheSection) => {
    const inherited = scopes.map((scope) => lastByName(flatten(scope)));
    for (const location of [...childSections(section, 'location'), ...childSections(section, 'locationmatch')].sort(
      (a, b) => a.line - b.line,
    )) {
      routes.push(locationRoute(conf, scopes, inherited, location, services));
    }
  };
  visit([conf.root], conf.root);
  for (const vhost of childSections(conf.root, 'virtualhost')) visit([vhost, conf.root], vhost);
  return {
    source: { kind: 'apache', description: `Apache mod_auth_openidc config ${fileName}` },
    services,
    routes,
    consumers: [],
    fromFile: true,
    warnings: conf.warnings,
  };
}
