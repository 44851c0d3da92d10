/**
 * Reads services, routes, plugins and consumers from a Kong Admin API (http
 * or https, optional Enterprise workspace and RBAC token) into the gateway model.
 */
import { OidcError } from '../errors';
import type { HttpClient, HttpOptions } from '../http/types';
import type { KongApiDescriptor, KongApiTarget } from './kong-pages';
import {
  getKongJson,
  listKongCollection,
  listOptionalKongCollection,
  readJwtCredentials,
  usesJwtPlugin,
} from './kong-pages';
import type { GatewayModel, KongPluginEntity, KongRouteEntity, KongServiceEntity } from './model';
import { buildGatewayModel, kongConsumers } from './model';

export interface KongAdminOptions {
  /** e.g. http://localhost:8001 or https://kong-admin:8444. */
  adminUrl: string;
  /** Enterprise RBAC token, sent as Kong-Admin-Token. */
  token?: string;
  /** Enterprise workspace; entities are then read under /{workspace}/. */
  workspace?: string;
  /** Per-request HTTP options: CA, client certificate, timeouts. */
  httpOptions?: Partial<HttpOptions>;
  pageSize?: number;
}

export const KONG_ADMIN_API: KongApiDescriptor = {
  name: 'Kong Admin API',
  codePrefix: 'gateway.admin',
  unauthorizedHint:
    'Set the RBAC token of an admin allowed to read services, routes and plugins (sent as Kong-Admin-Token; in the CLI via --admin-token-env), and check it belongs to this workspace.',
  notFoundHint:
    'Check the Admin API URL (port 8001, or 8444 for TLS; no extra path unless a proxy adds one) and the workspace name: Kong answers 404 for a workspace that does not exist.',
  unreachableHint:
    'The Kong Admin API could not be reached: check the Admin API URL and that admin_listen exposes it to this machine.',
};

/** The Admin API's root and, for a workspace, the base its entities are read under. */
function adminBase(options: KongAdminOptions): { root: string; base: string } {
  let url: URL;
  try {
    url = new URL(options.adminUrl);
  } catch {
    throw new OidcError('gateway.admin_url', `"${options.adminUrl}" is not an absolute URL for the Kong Admin API.`, {
      hint: 'Give the Admin API as http://host:8001 or https://host:8444.',
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new OidcError('gateway.admin_url', `The Kong Admin API URL must be http or https, got ${url.protocol}.`, {
      hint: 'Give the Admin API as http://host:8001 or https://host:8444.',
    });
  }
  const root = url.toString().replace(/\/+$/, '');
  return { root, base: options.workspace ? `${root}/${encodeURIComponent(options.workspace)}` : root };
}

/**
 * Kong's version from the Admin API root (GET /), or undefined when it
 * cannot be read: it only refines the lint (defaults that changed between
 * versions), so a refused or odd answer must not fail the whole read.
 */
async function readKongVersion(http: HttpClient, target: KongApiTarget, root: string): Promise<string | undefined> {
  try {
    const body = await getKongJson(http, target, `${root}/`, 'Kong version');
    const version = (body as { version?: unknown } | null)?.version;
    return typeof version === 'string' && version ? version : undefined;
  } catch {
    return undefined;
  }
}

/** Reads a Kong Admin API's services, routes, plugins and consumers (every page) into the gateway model; a refused /consumers only leaves them out. */
export async function readKongAdmin(http: HttpClient, options: KongAdminOptions): Promise<GatewayModel> {
  const { root, base: baseUrl } = adminBase(options);
  const target: KongApiTarget = {
    api: KONG_ADMIN_API,
    baseUrl,
    headers: options.token ? { 'Kong-Admin-Token': options.token } : {},
    secrets: options.token ? [options.token] : [],
    ...(options.httpOptions ? { options: options.httpOptions } : {}),
    ...(options.pageSize ? { pageSize: options.pageSize } : {}),
  };
  const services = await listKongCollection<KongServiceEntity>(http, target, 'services');
  const routes = await listKongCollection<KongRouteEntity>(http, target, 'routes');
  const plugins = await listKongCollection<KongPluginEntity>(http, target, 'plugins');
  for (const plugin of plugins)
    plugin.origin = `plugin ${plugin.instance_name ?? plugin.id ?? plugin.name} (${baseUrl}/plugins/${plugin.id ?? ''})`;
  // The version is a best-effort extra: asked alongside the consumers, so a slow GET / adds no wait of its own.
  const [consumers, gatewayVersion] = await Promise.all([
    listOptionalKongCollection<Record<string, unknown>>(http, target, 'consumers'),
    readKongVersion(http, target, root),
  ]);
  const unavailable = 'unavailable' in consumers ? consumers.unavailable : undefined;
  const consumerList = 'items' in consumers ? kongConsumers(consumers.items) : [];
  // Credentials only mean something against the consumers they belong to.
  const jwt =
    !unavailable && usesJwtPlugin(plugins)
      ? await readJwtCredentials(http, target, consumerList, baseUrl)
      : { read: false, warnings: [] };
  return buildGatewayModel(
    { services, routes, plugins, consumers: consumerList },
    { kind: 'admin-api', description: `Kong Admin API ${baseUrl}${gatewayVersion ? ` (Kong ${gatewayVersion})` : ''}` },
    {
      ...(unavailable
        ? {
            consumersUnavailable: unavailable,
            warnings: [
              `Consumers could not be read (${unavailable}), so checks that need them (consumer_claim mapping) cannot tell whether a consumer exists; an RBAC role allowed to read /consumers fixes that.`,
              ...jwt.warnings,
            ],
          }
        : { warnings: jwt.warnings }),
      ...(gatewayVersion ? { gatewayVersion } : {}),
      ...(jwt.read ? { jwtCredentialsRead: true } : {}),
    },
  );
}
