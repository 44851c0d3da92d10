/**
 * Lints the routes of a gateway model: each route's effective openid-connect
 * configuration against the IdP's discovery document (fetched once per
 * issuer) and, when given, a real token's claims. Apache routes get their
 * findings in mod_auth_openidc's own words.
 */
import { isOidcError } from '../errors';
import type { HttpClient } from '../http/types';
import { discover } from '../oauth/discovery';
import type { AuthorizationServerMetadata } from '../oauth/metadata';
import type * as ApacheConf from './apache-conf';
import { JwksCache } from '../jwt/jwks';
import type { KongOidcConfig } from './kong-oidc-config';
import { consumerContext, lintKongOidc } from './lint';
import type { LintContext, LintFinding } from './lint';
import type { EffectivePlugin, GatewayModel, GatewayRoute } from './model';
import { isAuthPlugin } from './model';
import {
  anonymousFindings,
  anonymousTerminated,
  lintCommunityOidc,
  lintKongJwt,
  lintKongOauth2,
  lintOauth2Introspection,
} from './plugin-lint';
import type { PluginLintContext } from './plugin-lint';

export interface RouteLintResult {
  route: GatewayRoute;
  /** The issuer whose discovery document was used, if any. */
  issuer?: string;
  findings: LintFinding[];
  /** Global plugins that apply to this route, whose findings are listed once under the gateway's global plugins. */
  globalPlugins?: EffectivePlugin[];
}

/** A global plugin, linted once for every route it applies to. */
export interface GlobalPluginLintResult {
  plugin: EffectivePlugin;
  issuer?: string;
  findings: LintFinding[];
  /** The routes (of those linted) it applies to. */
  routes: string[];
}

export interface GatewayLintReport {
  routes: RouteLintResult[];
  global: GlobalPluginLintResult[];
  /** Findings about the configuration as a whole (plugins Kong never runs as written). */
  gateway: LintFinding[];
}

export interface GatewayLintOptions {
  /** The IdP issuer (or discovery URL); default: each route's own configured issuer. */
  issuer?: string;
  /** A real token's claims, to check the route's requirements against. */
  token?: LintContext['token'];
  /** Only this route (by name or id). */
  route?: string;
  revocationDelayThreshold?: number;
}

type ModelView = Pick<GatewayModel, 'fromFile'> &
  Partial<
    Pick<GatewayModel, 'source' | 'consumers' | 'consumersUnavailable' | 'gatewayVersion' | 'jwtCredentialsRead'>
  >;

/** What lintPlugin gets besides the plugin: the metadata and keys fetched for it. */
type PluginContext = Omit<LintContext, 'fromFile'> & Pick<PluginLintContext, 'jwks'>;

/**
 * A route protected by plugins the lint does not read is "not checked", never
 * "no findings": silence would read as a clean bill of health.
 */
function notChecked(plugins: ReadonlyArray<Pick<EffectivePlugin, 'name' | 'scope' | 'origin'>>): LintFinding[] {
  return plugins.map((plugin) => ({
    rule: 'plugin-not-checked',
    severity: 'info',
    field: 'plugins',
    message: `${plugin.name} (${plugin.scope === 'route' ? '' : `${plugin.scope}-level, `}${plugin.origin}) protects this route, and this lint does not check its configuration: not checked.`,
    fix: 'Check that plugin by hand, or test the route with a real token (oidc-flow run).',
  }));
}

/** Lints one effective auth plugin of a route (or a global one), with its shadows; no I/O. */
export function lintPlugin(plugin: EffectivePlugin, model: ModelView, context: PluginContext = {}): LintFinding[] {
  const consumers = consumerContext(model);
  const shared: PluginLintContext = {
    ...(context.metadata ? { metadata: context.metadata } : {}),
    ...(context.jwks ? { jwks: context.jwks } : {}),
    ...(context.token ? { token: context.token } : {}),
    ...(context.revocationDelayThreshold !== undefined
      ? { revocationDelayThreshold: context.revocationDelayThreshold }
      : {}),
    fromFile: model.fromFile,
    ...(consumers ? { consumers } : {}),
    // A decK file carries the consumers' jwt credentials; the APIs only when /jwts could be read.
    credentialsRead: model.jwtCredentialsRead ?? model.source?.kind === 'deck',
  };
  let findings: LintFinding[];
  switch (plugin.name) {
    case 'openid-connect':
      findings = [
        ...lintKongOidc(plugin.config as KongOidcConfig, {
          ...context,
          fromFile: model.fromFile,
          ...(consumers ? { consumers } : {}),
          ...((context.gatewayVersion ?? model.gatewayVersion)
            ? { gatewayVersion: context.gatewayVersion ?? model.gatewayVersion }
            : {}),
        }),
        ...anonymousFindings('openid-connect', plugin.config, shared),
      ];
      break;
    case 'jwt':
      findings = lintKongJwt(plugin.config, shared);
      break;
    case 'oauth2-introspection':
      findings = lintOauth2Introspection(plugin.config, shared);
      break;
    case 'oidc':
      findings = lintCommunityOidc(plugin.config, shared);
      break;
    case 'oauth2':
      findings = lintKongOauth2(plugin.config, shared);
      break;
    default:
      findings = notChecked([plugin]);
  }
  for (const shadow of plugin.shadows) {
    findings.push({
      rule: 'plugin-shadowed',
      severity: 'info',
      field: 'plugins',
      message: `The ${shadow.scope}-level ${plugin.name} plugin (${shadow.origin}) does not apply to this route: Kong runs only the most specific one, the ${plugin.scope}-level plugin (${plugin.origin}).`,
      fix: 'Keep the settings you rely on in the plugin that applies, or remove the one that never runs here.',
    });
  }
  return findings;
}

/**
 * The Apache reader's rules, required on the first Apache route: a route of a decK file or of Kong
 * never needs them, and `lint --deck` then neither reads nor evaluates that module (issue #14, CLI
 * start; a `require` in our source is a load on first use for the CLI's bundles, esbuild.config.mjs).
 */
function apacheConf(): typeof ApacheConf {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('./apache-conf') as typeof ApacheConf;
}

/** The auth plugins of a route as Kong runs them (one per name); a model built by hand may only carry `oidc`. */
function routeAuthPlugins(route: GatewayRoute): EffectivePlugin[] {
  if (route.plugins) return route.plugins.filter((plugin) => isAuthPlugin(plugin.name));
  return route.oidc ? [{ name: 'openid-connect', ...route.oidc, config: route.oidc.config }] : [];
}

/** Lints one route with already-fetched metadata (global plugins included); no I/O. */
export function lintGatewayRoute(
  route: GatewayRoute,
  model: ModelView,
  context: Omit<LintContext, 'fromFile'> = {},
  options: { skipGlobal?: boolean; jwks?: PluginLintContext['jwks'] } = {},
): LintFinding[] {
  if (route.apache && route.oidc) {
    const { adaptFindingForApache, apacheFindings } = apacheConf();
    const kong = lintKongOidc(route.oidc.config, { ...context, fromFile: false });
    return [
      ...kong.map((finding) => adaptFindingForApache(finding, route.apache)),
      ...apacheFindings(route, context.token),
      ...route.sourceFindings.filter((finding) => finding.rule === 'apache-unresolved-variable'),
    ];
  }
  // A relying-party Location logs browsers in: its findings (how it reaches the provider) were made when it was read.
  if (route.apache?.authType === 'openid-connect') return route.sourceFindings;
  const plugins = route.apache ? [] : routeAuthPlugins(route);
  if (plugins.length === 0) {
    if (route.authPlugins.length > 0) return [...route.sourceFindings, ...notChecked(route.authPlugins)];
    return [
      {
        rule: 'route-unprotected',
        severity: 'info',
        field: 'plugins',
        message: `No openid-connect plugin applies to route ${route.name} (not on the route, its service, nor globally), so it is not protected by OIDC.`,
        fix: 'Add an openid-connect plugin to the route, its service or globally if the route should require a token.',
      },
    ];
  }
  return plugins
    .filter((plugin) => !(options.skipGlobal && plugin.scope === 'global'))
    .flatMap((plugin) =>
      anonymousTerminated(
        lintPlugin(plugin, model, { ...context, ...(options.jwks ? { jwks: options.jwks } : {}) }),
        plugin.name,
        plugin.config.anonymous,
        route.consumerPlugins,
      ),
    );
}

/** The issuer to discover for a route: the given one, the plugin's, or one guessed from the Apache config. */
export function issuerForRoute(route: GatewayRoute, issuer?: string): string | undefined {
  const configured = route.oidc?.config.issuer;
  return (
    issuer ??
    (typeof configured === 'string' && !configured.includes('{vault://') ? configured : undefined) ??
    route.apache?.issuerGuess
  );
}

/**
 * The issuer to discover for a plugin: the given one, else what the plugin
 * names (openid-connect's issuer, the community oidc plugin's discovery URL,
 * an Okta-shaped introspection_url, or a jwt credential key that is the
 * issuer when key_claim_name is iss).
 */
export function issuerForPlugin(
  plugin: EffectivePlugin,
  model: Pick<GatewayModel, 'consumers'>,
  issuer?: string,
): string | undefined {
  if (issuer) return issuer;
  const config = plugin.config;
  const usable = (value: unknown) =>
    typeof value === 'string' && /^https?:\/\/[^/]/.test(value) && !value.includes('{vault://') ? value : undefined;
  switch (plugin.name) {
    case 'openid-connect':
      return usable(config.issuer);
    case 'oidc':
      return usable(config.discovery);
    case 'oauth2-introspection': {
      // Okta's endpoints hang off the issuer: {issuer}/v1/introspect.
      const url = usable(config.introspection_url);
      return url && /\/v1\/introspect$/.test(url) ? url.replace(/\/v1\/introspect$/, '') : undefined;
    }
    case 'jwt':
      if ((config.key_claim_name ?? 'iss') !== 'iss') return undefined;
      for (const consumer of model.consumers ?? [])
        for (const credential of consumer.jwtSecrets ?? []) if (usable(credential.key)) return credential.key;
      return undefined;
    default:
      return undefined;
  }
}

/**
 * Discovers an issuer; when the document names a slightly different issuer
 * (trailing slash), reads it from the well-known URL anyway so the lint can
 * say exactly how the configured issuer differs instead of only "discovery failed".
 */
async function discoverLeniently(http: HttpClient, issuer: string) {
  try {
    return await discover(http, issuer);
  } catch (error) {
    if (!isOidcError(error) || error.code !== 'discovery.issuer_mismatch' || issuer.includes('/.well-known/'))
      throw error;
    return discover(http, `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`);
  }
}

/** Lints every route (or the one named) and each global plugin once, fetching each issuer's discovery document and JWKS once. */
export async function lintGateway(
  http: HttpClient,
  model: GatewayModel,
  options: GatewayLintOptions = {},
): Promise<GatewayLintReport> {
  const routes = options.route
    ? model.routes.filter((route) => route.name === options.route || route.id === options.route)
    : model.routes;
  const discovered = new Map<string, Promise<{ metadata: AuthorizationServerMetadata } | { failure: LintFinding }>>();
  const keySets = new Map<string, Promise<NonNullable<PluginLintContext['jwks']>>>();
  const metadataFor = async (issuer: string | undefined) => {
    if (!issuer) return {};
    if (!discovered.has(issuer)) {
      discovered.set(
        issuer,
        discoverLeniently(http, issuer).then(
          (result) => ({ metadata: result.metadata }),
          (error: unknown) => ({
            failure: {
              rule: 'discovery-failed',
              // An issuer the person named is what everything is checked against: not reaching it is an error.
              severity: options.issuer ? 'error' : 'warning',
              field: options.issuer ? '--issuer' : 'config.issuer',
              message: `The IdP's discovery document for ${issuer} could not be fetched, so the issuer and introspection checks were skipped: ${isOidcError(error) ? error.message : String(error)}`,
              ...(isOidcError(error) ? { evidence: `[${error.code}]` } : {}),
              fix:
                isOidcError(error) && error.hint
                  ? error.hint
                  : 'Check the issuer URL; the gateway fetches the same document.',
            } satisfies LintFinding,
          }),
        ),
      );
    }
    const answer = await discovered.get(issuer)!;
    return 'failure' in answer ? { failure: answer.failure } : { metadata: answer.metadata };
  };
  // Only the jwt plugin compares keys of its own with the IdP's.
  const jwksFor = async (plugin: EffectivePlugin, metadata: AuthorizationServerMetadata | undefined) => {
    const uri = plugin.name === 'jwt' ? metadata?.jwks_uri : undefined;
    if (!uri) return undefined;
    if (!keySets.has(uri))
      keySets.set(
        uri,
        new JwksCache({ http, jwksUri: uri }).getKeySet().then(
          (set) => ({ uri, keys: set.keys }),
          (error: unknown) => ({ uri, failure: isOidcError(error) ? error.message : String(error) }),
        ),
      );
    return keySets.get(uri)!;
  };
  const lintOne = async (plugin: EffectivePlugin) => {
    const issuer = issuerForPlugin(plugin, model, options.issuer);
    const { metadata, failure } = await metadataFor(issuer);
    const jwks = await jwksFor(plugin, metadata);
    const findings = lintPlugin(plugin, model, {
      ...(metadata ? { metadata } : {}),
      ...(jwks ? { jwks } : {}),
      ...(options.token ? { token: options.token } : {}),
      ...(options.revocationDelayThreshold !== undefined
        ? { revocationDelayThreshold: options.revocationDelayThreshold }
        : {}),
    });
    const keysFailed: LintFinding[] =
      jwks && 'failure' in jwks
        ? [
            {
              rule: 'jwks-failed',
              severity: 'warning',
              field: 'jwt_secrets[].rsa_public_key',
              message: `The IdP's signing keys at ${jwks.uri} could not be fetched, so the credentials' public keys were not compared with them: ${jwks.failure}`,
              fix: 'Check that the IdP publishes its keys there (jwks_uri in its discovery document).',
            },
          ]
        : [];
    return { ...(issuer ? { issuer } : {}), findings: [...(failure ? [failure] : []), ...keysFailed, ...findings] };
  };

  const results: RouteLintResult[] = [];
  for (const route of routes) {
    if (route.apache || !route.plugins) {
      // Apache locations (and models built by hand) have one plugin: lint it as before.
      const issuer = route.oidc ? issuerForRoute(route, options.issuer) : undefined;
      const { metadata, failure } = await metadataFor(issuer);
      const findings = lintGatewayRoute(route, model, {
        ...(metadata ? { metadata } : {}),
        ...(options.token ? { token: options.token } : {}),
        ...(options.revocationDelayThreshold !== undefined
          ? { revocationDelayThreshold: options.revocationDelayThreshold }
          : {}),
      });
      results.push({ route, ...(issuer ? { issuer } : {}), findings: [...(failure ? [failure] : []), ...findings] });
      continue;
    }
    const plugins = routeAuthPlugins(route);
    const globalPlugins = plugins.filter((plugin) => plugin.scope === 'global');
    const own = plugins.filter((plugin) => plugin.scope !== 'global');
    const findings: LintFinding[] = [];
    let issuer: string | undefined;
    for (const plugin of own) {
      const result = await lintOne(plugin);
      issuer ??= result.issuer;
      findings.push(
        ...anonymousTerminated(result.findings, plugin.name, plugin.config.anonymous, route.consumerPlugins),
      );
    }
    if (plugins.length === 0) findings.push(...lintGatewayRoute(route, model));
    results.push({
      route,
      ...(issuer ? { issuer } : {}),
      findings,
      ...(globalPlugins.length ? { globalPlugins } : {}),
    });
  }
  const global: GlobalPluginLintResult[] = [];
  for (const plugin of (model.globalPlugins ?? []).filter((p) => isAuthPlugin(p.name))) {
    const applies = results
      .filter((result) => result.globalPlugins?.some((p) => p.origin === plugin.origin))
      .map((result) => result.route.name);
    // With --route, a global plugin that does not reach that route is not part of the answer.
    if (options.route && applies.length === 0) continue;
    global.push({ plugin, ...(await lintOne(plugin)), routes: applies });
  }
  const gateway: LintFinding[] = (model.unusablePlugins ?? []).map((plugin) => ({
    rule: 'plugin-never-runs',
    severity: 'warning',
    field: 'plugins',
    message: `The ${plugin.name} plugin (${plugin.origin}) never runs as written: ${plugin.reason}.`,
    fix: 'Put the plugin on a route, a service or globally, and map tokens to consumers with its own consumer settings.',
  }));
  return { routes: results, global, gateway };
}
