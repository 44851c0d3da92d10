import { parseArgs } from 'node:util';
import { ROUTES_OPTIONS, SOURCE_OPTIONS } from '../command-options';
import { isOidcError } from '../../core/errors';
import type { OidcError } from '../../core/errors';
import type { KongOidcConfig } from '../../core/gateway/kong-oidc-config';
import type { GatewayModel, GatewayRoute } from '../../core/gateway/model';
import { isAuthPlugin, routeUrls } from '../../core/gateway/model';
import type { GatewaySource } from '../../core/gateway/source';
import { loadGatewayModel } from '../../core/gateway/source';
import type { HttpClient, HttpOptions, HttpRequest } from '../../core/http/types';
import type { CliIo } from '../io';
import { readCliTextFile } from '../read-input';
import { EXIT, styler, UsageError } from '../io';

export const SOURCE_USAGE = `(--admin-url URL [--admin-token-env NAME] [--workspace NAME]
        | --konnect-region us|eu|au|me|in|sg --control-plane NAME|ID [--konnect-token-env NAME]
        | --deck FILE | --apache-conf FILE)`;

export const SOURCE_HELP = `Gateway source (exactly one):
  --admin-url URL           Kong Admin API, e.g. http://localhost:8001 or https://kong:8444
  --admin-token-env NAME    env variable holding the RBAC token (sent as Kong-Admin-Token)
  --workspace NAME          Kong Enterprise workspace
  --konnect-region R        Konnect region: us, eu, au, me, in or sg
  --control-plane NAME|ID   Konnect control plane
  --konnect-token-env NAME  env variable holding the Konnect access token (default KONNECT_TOKEN)
  --konnect-url URL         Konnect API URL instead of the region's (private deployments)
  --deck FILE               decK declarative file (YAML or JSON, _format_version "3.0")
  --apache-conf FILE        Apache httpd config using mod_auth_openidc (AuthType oauth20)
Connection:
  --ca FILE                 trust this extra CA certificate (PEM) for the Admin API, Konnect and the IdP
  --timeout MS              deadline per request: connect, headers and whole body (milliseconds)
Tokens are read from environment variables only, never from flags.`;

export { SOURCE_OPTIONS };

export type SourceValues = { [K in keyof typeof SOURCE_OPTIONS]?: string };

export const routesHelp = `Usage: oidc-flow routes ${SOURCE_USAGE}
        [--proxy-url URL] [--json]

Lists the gateway's services and routes, the URL to call each route through
the proxy, and the authentication plugin that applies to it (route over
service over global), with where it was configured.

${SOURCE_HELP}
Output:
  --proxy-url URL           the gateway's proxy base URL, to print full route URLs
  --json                    print the model as JSON (client secrets redacted)
`;

function envSecret(io: CliIo, name: string, flag: string): string {
  const value = io.env[name];
  if (!value || !value.trim())
    throw new UsageError(`The environment variable ${name} (from ${flag}) is not set or empty.`);
  return value.trim();
}

/** Turns the source flags into a gateway source; tokens come from environment variables only. */
export function sourceFromValues(values: SourceValues, io: CliIo): GatewaySource {
  const chosen = (['admin-url', 'konnect-region', 'konnect-url', 'deck', 'apache-conf'] as const).filter(
    (key) => values[key] !== undefined,
  );
  const kinds = new Set(chosen.map((key) => (key.startsWith('konnect') ? 'konnect' : key)));
  if (kinds.size === 0)
    throw new UsageError(
      'Name a gateway source: --admin-url, --konnect-region with --control-plane, --deck or --apache-conf.',
    );
  if (kinds.size > 1)
    throw new UsageError(`Give only one gateway source, not ${chosen.map((key) => `--${key}`).join(' and ')}.`);
  if (values['admin-url'] !== undefined) {
    const token = values['admin-token-env'] ? envSecret(io, values['admin-token-env'], '--admin-token-env') : undefined;
    return {
      kind: 'admin-api',
      adminUrl: values['admin-url'],
      ...(token ? { token } : {}),
      ...(values.workspace ? { workspace: values.workspace } : {}),
    };
  }
  if (values.deck !== undefined) return { kind: 'deck', path: values.deck };
  if (values['apache-conf'] !== undefined) return { kind: 'apache', path: values['apache-conf'] };
  if (!values['control-plane']) throw new UsageError('Konnect needs --control-plane NAME|ID.');
  const token = envSecret(
    io,
    values['konnect-token-env'] ?? 'KONNECT_TOKEN',
    values['konnect-token-env'] ? '--konnect-token-env' : 'the default of --konnect-token-env',
  );
  return {
    kind: 'konnect',
    region: values['konnect-region'] ?? 'us',
    controlPlane: values['control-plane'],
    token,
    ...(values['konnect-url'] ? { baseUrl: values['konnect-url'] } : {}),
  };
}

/**
 * HTTP client and per-request options from --ca and --timeout. The client
 * (and the HTTP layer's modules) is made at the first request: reading a decK
 * file or an Apache config sends none (issue #14, CLI start).
 */
export async function httpFromValues(
  values: SourceValues,
  io: CliIo,
): Promise<{ http: HttpClient & { close(): Promise<void> }; httpOptions: Partial<HttpOptions> }> {
  const httpOptions: Partial<HttpOptions> = {};
  // The CLI runtime (a module of its own bundle) is loaded only for --ca: a decK file or an
  // Apache config is read without it (issue #14, CLI start).
  if (values.ca) httpOptions.ca = await (await import('../runtime')).readCaFile(values.ca);
  if (values.timeout) {
    const ms = Number(values.timeout);
    if (!Number.isFinite(ms) || ms <= 0) throw new UsageError(`--timeout takes milliseconds, got "${values.timeout}".`);
    const { timeoutBudget } = await import('../../core/http/client');
    Object.assign(httpOptions, timeoutBudget(ms));
  }
  let client: Promise<HttpClient & { close(): Promise<void> }> | undefined;
  const made = () =>
    (client ??= import('../../core/http/client').then(({ createHttpClient }) =>
      createHttpClient({ ...httpOptions, env: io.env, surface: 'cli' }),
    ));
  const http = {
    send: async (request: HttpRequest) => (await made()).send(request),
    close: async () => {
      if (client) await (await client).close();
    },
  };
  return { http, httpOptions };
}

/** Prints a source failure and returns the usage exit code (bad source = bad input). */
export function reportSourceError(command: string, error: OidcError, io: CliIo): number {
  const s = styler(io.stderr, io.env);
  io.stderr.write(`${s.red(`oidc-flow ${command}`)}: ${error.toUserMessage()} [${error.code}]\n`);
  return EXIT.usage;
}

/** Loads the model, or prints why not; undefined means "exit 2". */
export async function loadModelForCli(
  command: string,
  source: GatewaySource,
  http: HttpClient,
  httpOptions: Partial<HttpOptions>,
  io: CliIo,
): Promise<GatewayModel | undefined> {
  try {
    return await loadGatewayModel(source, {
      http,
      httpOptions,
      readFile: readCliTextFile,
      // httpd expands ${NAME} from its environment: the shell that runs the CLI stands in for envvars.
      env: io.env,
    });
  } catch (error) {
    if (isOidcError(error)) {
      reportSourceError(command, error, io);
      return undefined;
    }
    throw error;
  }
}

const VAULT_REF = /^\{vault:\/\/[^}]+\}$|^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/;

/** The config with secret values masked; references ({vault://...}, ${VAR}) stay readable. */
export function redactConfig(config: KongOidcConfig): KongOidcConfig {
  const out: KongOidcConfig = { ...config };
  for (const key of Object.keys(out)) {
    if (!/secret|password|private_key|passphrase/i.test(key)) continue;
    const value = out[key];
    const mask = (item: unknown) => (typeof item === 'string' && !VAULT_REF.test(item) ? '<redacted>' : item);
    out[key] = Array.isArray(value) ? value.map(mask) : mask(value);
  }
  return out;
}

function list(values: readonly string[] | undefined): string {
  return values && values.length ? values.join(' ') : '';
}

/** One line saying what the route's openid-connect config asks for. */
export function oidcSummary(config: KongOidcConfig): string {
  const parts: string[] = [];
  parts.push(config.auth_methods ? `auth_methods ${list(config.auth_methods)}` : 'auth_methods: all nine (default)');
  if (config.issuer) parts.push(`issuer ${config.issuer}`);
  if (config.introspection_endpoint) parts.push(`introspection ${config.introspection_endpoint}`);
  if (config.scopes_required?.length)
    parts.push(
      `scopes ${config.scopes_required.map((s) => `"${s}"`).join(' or ')} in ${list(config.scopes_claim ?? ['scope'])}`,
    );
  if (config.audience_required?.length)
    parts.push(`audience ${config.audience_required.map((s) => `"${s}"`).join(' or ')}`);
  if (config.cache_introspection === false) parts.push('no introspection cache');
  else if (typeof config.cache_ttl_max === 'number') parts.push(`introspection cache ≤ ${config.cache_ttl_max} s`);
  return parts.join('; ');
}

function routeJson(route: GatewayRoute, proxyUrl: string | undefined) {
  return {
    ...(route.id ? { id: route.id } : {}),
    name: route.name,
    service: route.service,
    paths: route.paths,
    regexPaths: route.regexPaths,
    ...(route.methods ? { methods: route.methods } : {}),
    ...(route.hosts ? { hosts: route.hosts } : {}),
    ...(route.expression ? { expression: route.expression } : {}),
    urls: routeUrls(route, proxyUrl),
    auth: route.authPlugins,
    ...(route.requirements ? { requirements: route.requirements } : {}),
    ...(route.oidc
      ? {
          oidc: {
            scope: route.oidc.scope,
            origin: route.oidc.origin,
            shadows: route.oidc.shadows,
            config: redactConfig(route.oidc.config),
          },
        }
      : {}),
  };
}

/** The model as JSON for --json, with secrets redacted. */
export function modelJson(model: GatewayModel, proxyUrl: string | undefined) {
  return {
    source: model.source,
    warnings: model.warnings,
    services: model.services,
    routes: model.routes.map((route) => routeJson(route, proxyUrl)),
  };
}

/** Text lines for one route: match, URLs, auth. */
export function describeRoute(
  route: GatewayRoute,
  proxyUrl: string | undefined,
  s: ReturnType<typeof styler>,
): string[] {
  const lines: string[] = [];
  // An expression route matches by its expression alone: no paths does not mean any path.
  const match = (
    route.expression
      ? [`expression ${route.expression}`]
      : [
          route.methods?.length ? route.methods.join(',') : 'ANY',
          route.paths.length ? route.paths.join(' ') : '(any path)',
          route.hosts?.length ? `host ${route.hosts.join(',')}` : '',
        ]
  )
    .filter(Boolean)
    .join('  ');
  lines.push(`  ${s.bold(route.name)}  ${match}`);
  for (const url of routeUrls(route, proxyUrl))
    lines.push(`      ${s.cyan(url)}${route.hosts?.length ? `  (Host: ${route.hosts[0]})` : ''}`);
  for (const path of route.regexPaths)
    lines.push(
      `      ${s.yellow('regex path')} ${path}: Kong matches it as a regular expression, so there is no single URL to call`,
    );
  if (route.oidc) {
    lines.push(
      `      openid-connect (${route.oidc.scope}-level, ${route.oidc.origin}): ${oidcSummary(route.oidc.config)}`,
    );
  }
  for (const plugin of route.authPlugins.filter(
    (p) => p.name !== 'openid-connect' && !(route.oidc && p.name.startsWith('mod_auth_openidc')),
  )) {
    lines.push(`      ${plugin.name} (${plugin.scope}-level, ${plugin.origin})`);
  }
  for (const requirement of route.requirements ?? []) lines.push(`      ${requirement}`);
  if (route.authPlugins.length === 0) lines.push(`      ${s.yellow('no authentication plugin')}`);
  return lines;
}

/** oidc-flow routes */
export async function routesCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: ROUTES_OPTIONS,
  });
  const source = sourceFromValues(values, io);
  const { http, httpOptions } = await httpFromValues(values, io);
  try {
    const model = await loadModelForCli('routes', source, http, httpOptions, io);
    if (!model) return EXIT.usage;
    const proxyUrl = values['proxy-url'];
    if (values.json) {
      io.stdout.write(`${JSON.stringify(modelJson(model, proxyUrl), null, 2)}\n`);
      return EXIT.ok;
    }
    const s = styler(io.stdout, io.env);
    io.stdout.write(
      `${s.bold(model.source.description)}: ${model.services.length} service(s), ${model.routes.length} route(s)\n`,
    );
    for (const warning of model.warnings) io.stdout.write(`${s.yellow('warning')}: ${warning}\n`);
    const groups = new Map<string, GatewayRoute[]>();
    for (const route of model.routes) groups.set(route.service, [...(groups.get(route.service) ?? []), route]);
    for (const [service, routes] of groups) {
      const upstream = model.services.find((entry) => entry.name === service)?.upstreamUrl;
      io.stdout.write(
        `\n${service ? `service ${s.bold(service)}${upstream && upstream !== service ? ` → ${upstream}` : ''}` : 'routes without a service'}\n`,
      );
      for (const route of routes) io.stdout.write(`${describeRoute(route, proxyUrl, s).join('\n')}\n`);
    }
    const unused = model.services.filter((service) => !groups.has(service.name));
    if (unused.length)
      io.stdout.write(`\nservices without routes: ${unused.map((service) => service.name).join(', ')}\n`);
    // With no route to show them on, global auth plugins would vanish from the listing; they apply to any route added.
    const globals = model.routes.length
      ? []
      : (model.globalPlugins ?? []).filter((plugin) => isAuthPlugin(plugin.name));
    for (const plugin of globals)
      io.stdout.write(`\nglobal plugin ${s.bold(plugin.name)} (${plugin.origin}): applies to every route, none yet\n`);
    return EXIT.ok;
  } finally {
    await http.close();
  }
}
