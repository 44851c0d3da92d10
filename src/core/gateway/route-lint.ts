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
import { adaptFindingForApache, apacheFindings } from './apache-conf';
import { consumerContext, lintKongOidc } from './lint';
import type { LintContext, LintFinding } from './lint';
import type { GatewayModel, GatewayRoute } from './model';

export interface RouteLintResult {
  route: GatewayRoute;
  /** The issuer whose discovery document was used, if any. */
  issuer?: string;
  findings: LintFinding[];
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

/**
 * A route protected by plugins the lint does not read is "not checked", never
 * "no findings": silence would read as a clean bill of health.
 */
function notChecked(plugins: GatewayRoute['authPlugins']): LintFinding[] {
  return plugins.map((plugin) => ({
    rule: 'plugin-not-checked',
    severity: 'info',
    field: 'plugins',
    message: `${plugin.name} (${plugin.scope === 'route' ? '' : `${plugin.scope}-level, `}${plugin.origin}) protects this route, and this lint does not check its configuration: not checked.`,
    fix: 'Check that plugin by hand, or test the route with a real token (oidc-flow run).',
  }));
}

/** Lints one route with already-fetched metadata; no I/O. */
export function lintGatewayRoute(
  route: GatewayRoute,
  model: Pick<GatewayModel, 'fromFile'> &
    Partial<Pick<GatewayModel, 'source' | 'consumers' | 'consumersUnavailable' | 'gatewayVersion'>>,
  context: Omit<LintContext, 'fromFile'> = {},
): LintFinding[] {
  if (!route.oidc) {
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
  const { config } = route.oidc;
  if (route.apache) {
    const kong = lintKongOidc(config, { ...context, fromFile: false });
    return [
      ...kong.map((finding) => adaptFindingForApache(finding, route.apache)),
      ...apacheFindings(route, context.token),
      ...route.sourceFindings.filter((finding) => finding.rule === 'apache-unresolved-variable'),
    ];
  }
  const findings = lintKongOidc(config, {
    ...context,
    fromFile: model.fromFile,
    consumers: consumerContext(model),
    gatewayVersion: context.gatewayVersion ?? model.gatewayVersion,
  });
  for (const shadow of route.oidc.shadows) {
    findings.push({
      rule: 'plugin-shadowed',
      severity: 'info',
      field: 'plugins',
      message: `The ${shadow.scope}-level openid-connect plugin (${shadow.origin}) does not apply to this route: Kong runs only the most specific one, the ${route.oidc.scope}-level plugin (${route.oidc.origin}).`,
      fix: 'Keep the settings you rely on in the plugin that applies, or remove the one that never runs here.',
    });
  }
  return findings;
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

/** Lints every route (or the one named), fetching each distinct issuer's discovery document once. */
export async function lintGateway(
  http: HttpClient,
  model: GatewayModel,
  options: GatewayLintOptions = {},
): Promise<RouteLintResult[]> {
  const routes = options.route
    ? model.routes.filter((route) => route.name === options.route || route.id === options.route)
    : model.routes;
  const discovered = new Map<string, Promise<{ metadata: AuthorizationServerMetadata } | { failure: LintFinding }>>();
  const results: RouteLintResult[] = [];
  for (const route of routes) {
    const issuer = route.oidc ? issuerForRoute(route, options.issuer) : undefined;
    let metadata: AuthorizationServerMetadata | undefined;
    const extra: LintFinding[] = [];
    if (issuer) {
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
      if ('failure' in answer) extra.push(answer.failure);
      else metadata = answer.metadata;
    }
    const findings = lintGatewayRoute(route, model, {
      ...(metadata ? { metadata } : {}),
      ...(options.token ? { token: options.token } : {}),
      ...(options.revocationDelayThreshold !== undefined
        ? { revocationDelayThreshold: options.revocationDelayThreshold }
        : {}),
    });
    results.push({ route, ...(issuer ? { issuer } : {}), findings: [...extra, ...findings] });
  }
  return results;
}
