/**
 * Reads a configured gateway source with the core's loadGatewayModel: fills
 * in the stored token, resolves workspace-relative paths, and builds an HTTP
 * client only for the sources that need one. The core is imported when a
 * source is first read, never at activation. No vscode import.
 */
import { isAbsolute, join } from 'node:path';
import type { GatewayModel } from '../../core/gateway/model';
import type { GatewaySource } from '../../core/gateway/source';
import type { HttpClient } from '../../core/http/types';
import type { GatewaySourceConfig } from './gateway-settings';
import { GATEWAY_SETTING_FULL, gatewayKindLabel } from './gateway-settings';
import type { StoredGatewayToken } from './gateway-token-policy';

export interface GatewayLoaderDeps {
  /** The token stored for a source (SecretStorage), with the origin it was stored for. */
  token(sourceName: string): Promise<StoredGatewayToken | undefined>;
  /** Binds an older token (no origin) to the origin it is first sent to. */
  bindToken?(sourceName: string, token: string, origin: string): Promise<void>;
  /** Asks before an older token first goes to a host that is neither Konnect nor loopback. */
  confirmBind?(sourceName: string, origin: string): Promise<boolean>;
  /**
   * Whether the workspace is trusted. An untrusted workspace's settings chose
   * the URLs and paths, so nothing is read for it (Restricted Mode).
   */
  trusted(): boolean;
  /** The folder workspace-relative paths are read from. */
  workspaceRoot(): string | undefined;
  /** Where KONNECT_TOKEN is looked up when no token is stored. */
  env: Readonly<Record<string, string | undefined>>;
  /** An HTTP client for the Admin API and Konnect (built per read, closed after). */
  createHttp(): Promise<HttpClient & { close(): Promise<void> }>;
  readFile(path: string): Promise<string>;
}

async function missing(config: GatewaySourceConfig, field: string, example: string) {
  const { OidcError } = await import('../../core/errors');
  return new OidcError(
    'gateway.settings.field_missing',
    `The gateway source ${config.name} (${gatewayKindLabel(config.kind)}) has no "${field}" in ${GATEWAY_SETTING_FULL}.`,
    {
      where: `${GATEWAY_SETTING_FULL} ${config.name}`,
      hint: `Add "${field}" to the entry, e.g. ${example}.`,
    },
  );
}

async function resolvePath(config: GatewaySourceConfig, deps: GatewayLoaderDeps): Promise<string> {
  const path = config.path;
  if (!path) throw await missing(config, 'path', config.kind === 'deck' ? '"kong/kong.yaml"' : '"apache/oidc.conf"');
  if (isAbsolute(path)) return path;
  const root = deps.workspaceRoot();
  if (!root) {
    const { OidcError } = await import('../../core/errors');
    throw new OidcError(
      'gateway.settings.no_workspace',
      `The gateway source ${config.name} names the relative path ${path}, but no folder is open to read it from.`,
      {
        where: `${GATEWAY_SETTING_FULL} ${config.name}`,
        hint: 'Open the folder that holds the file, or give an absolute path.',
      },
    );
  }
  return join(root, path);
}

/** The core's source description of a configured source, with its token; throws OidcError when a field or token is missing. */
export async function toGatewaySource(config: GatewaySourceConfig, deps: GatewayLoaderDeps): Promise<GatewaySource> {
  const readToken = async () => {
    const { tokenFor } = await import('./gateway-token-policy');
    return tokenFor(config, {
      stored: await deps.token(config.name),
      envToken: deps.env.KONNECT_TOKEN,
      confirmBind: deps.confirmBind,
      bind: deps.bindToken,
    });
  };
  switch (config.kind) {
    case 'admin-api': {
      if (!config.adminUrl) throw await missing(config, 'adminUrl', '"http://localhost:8001"');
      const token = await readToken();
      return {
        kind: 'admin-api',
        adminUrl: config.adminUrl,
        ...(token ? { token } : {}),
        ...(config.workspace ? { workspace: config.workspace } : {}),
      };
    }
    case 'konnect': {
      if (!config.controlPlane) throw await missing(config, 'controlPlane', '"default" or the control plane id');
      const token = await readToken();
      if (!token) {
        const { OidcError } = await import('../../core/errors');
        throw new OidcError(
          'gateway.settings.token_missing',
          `No Konnect access token for the gateway source ${config.name}.`,
          {
            where: `${GATEWAY_SETTING_FULL} ${config.name}`,
            // KONNECT_TOKEN is never sent to a custom konnectUrl (gateway-token-policy.ts), so it is offered only without one.
            hint: config.konnectUrl
              ? 'Run "OIDC Flow: Set Gateway Token" on the source (kept in VS Code\'s secret storage).'
              : 'Run "OIDC Flow: Set Gateway Token" on the source (kept in VS Code\'s secret storage), or set KONNECT_TOKEN in the environment VS Code starts from.',
          },
        );
      }
      return {
        kind: 'konnect',
        region: config.region ?? 'us',
        controlPlane: config.controlPlane,
        token,
        ...(config.konnectUrl ? { baseUrl: config.konnectUrl } : {}),
      };
    }
    case 'deck':
    case 'apache':
      return { kind: config.kind, path: await resolvePath(config, deps) };
  }
}

const NO_HTTP: HttpClient = {
  send: () => Promise.reject(new Error('file sources make no HTTP requests')),
};

/** A loader for the GatewaySourceStore: one read of one configured source. */
export function gatewayLoader(deps: GatewayLoaderDeps): (config: GatewaySourceConfig) => Promise<GatewayModel> {
  return async (config) => {
    if (!deps.trusted()) {
      const { untrustedWorkspaceError } = await import('../services/workspace-trust');
      throw untrustedWorkspaceError(`The gateway source ${config.name} was not read`);
    }
    const source = await toGatewaySource(config, deps);
    const { loadGatewayModel } = await import('../../core/gateway/source');
    if (source.kind === 'deck' || source.kind === 'apache')
      return loadGatewayModel(source, { http: NO_HTTP, readFile: deps.readFile });
    const http = await deps.createHttp();
    try {
      return await loadGatewayModel(source, { http, readFile: deps.readFile });
    } finally {
      await http.close();
    }
  };
}
