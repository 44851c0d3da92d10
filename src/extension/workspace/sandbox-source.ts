/**
 * The running sandbox as a flow source: the built-in demo's IdPs and
 * environment, and one route per sandbox gateway route. Plugin configs are
 * copied without the gateway's client secret. No vscode import.
 */
import type { FlowFile, RouteConfig } from '../../core/flow/file-format';
import type { ResolvedRoute } from '../../core/gateway/deck';
import type { FlowSource } from './source-model';
import { SANDBOX_SOURCE_ID } from './source-model';

const SECRET_CONFIG_KEYS = new Set(['client_secret', 'client_jwk', 'session_secret']);

export interface SandboxShape {
  env: Record<string, string>;
  gateway: { url: string; routes: ResolvedRoute[] };
}

/** The sandbox's routes as flow-file routes, pointing at its gateway. */
export function sandboxRoutes(gatewayUrl: string, routes: readonly ResolvedRoute[]): Record<string, RouteConfig> {
  const out: Record<string, RouteConfig> = {};
  for (const route of routes) {
    const config = Object.fromEntries(
      Object.entries(route.oidc?.config ?? {}).filter(([key]) => !SECRET_CONFIG_KEYS.has(key)),
    );
    out[route.route] = {
      description: `Sandbox gateway route ${route.paths[0] ?? '/'} (${route.service}).`,
      service: route.service,
      baseUrl: gatewayUrl,
      path: route.paths[0] ?? '/',
      method: (route.methods?.[0] as RouteConfig['method']) ?? 'GET',
      gateway: { kind: 'kong', plugin: 'openid-connect', config },
    };
  }
  return out;
}

/** The sandbox source built from the demo flow file and the running sandbox. */
export function sandboxSource(demo: FlowFile, sandbox: SandboxShape): FlowSource {
  const file: FlowFile = {
    version: 1,
    defaultEnvironment: demo.defaultEnvironment,
    environments: demo.environments,
    idps: demo.idps,
    routes: sandboxRoutes(sandbox.gateway.url, sandbox.gateway.routes),
    flows: {},
  };
  return { id: SANDBOX_SOURCE_ID, kind: 'sandbox', label: 'Sandbox', file, errorCount: 0, env: { ...sandbox.env } };
}
