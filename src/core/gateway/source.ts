/**
 * One entry point for every gateway source the CLI and the extension offer:
 * a Kong Admin API, a Konnect control plane, a decK file or an Apache config.
 */
import { OidcError } from '../errors';
import type { HttpClient, HttpOptions } from '../http/types';
import type { GatewayModel } from './model';

export type GatewaySource =
  | { kind: 'admin-api'; adminUrl: string; token?: string; workspace?: string }
  | { kind: 'konnect'; region: string; controlPlane: string; token: string; baseUrl?: string }
  | { kind: 'deck'; path: string }
  | { kind: 'apache'; path: string };

export interface GatewaySourceDeps {
  http: HttpClient;
  readFile(path: string): Promise<string>;
  /** Per-request options for the Admin API and Konnect (CA, timeouts). */
  httpOptions?: Partial<HttpOptions>;
  /** The environment an Apache config's `${NAME}` is expanded from (after its own Define lines). */
  env?: Readonly<Record<string, string | undefined>>;
}

function basename(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

async function read(deps: GatewaySourceDeps, path: string, what: string): Promise<string> {
  try {
    return await deps.readFile(path);
  } catch (cause) {
    const code = (cause as { code?: string }).code;
    throw new OidcError('gateway.file_unreadable', `Cannot read the ${what} ${path}${code ? ` (${code})` : ''}.`, {
      where: path,
      cause,
      hint: 'Check the path and that the file is readable.',
    });
  }
}

/**
 * Reads a gateway source into the model. Each reader is imported when its
 * source is read: `routes --apache-conf` then evaluates neither yaml (the
 * decK reader) nor the Admin API and Konnect pagers (issue #14, CLI start).
 */
export async function loadGatewayModel(source: GatewaySource, deps: GatewaySourceDeps): Promise<GatewayModel> {
  const httpOptions = deps.httpOptions ? { httpOptions: deps.httpOptions } : {};
  switch (source.kind) {
    case 'admin-api': {
      const { readKongAdmin } = await import('./admin-api');
      return readKongAdmin(deps.http, {
        adminUrl: source.adminUrl,
        ...(source.token ? { token: source.token } : {}),
        ...(source.workspace ? { workspace: source.workspace } : {}),
        ...httpOptions,
      });
    }
    case 'konnect': {
      const { readKonnect } = await import('./konnect');
      return readKonnect(deps.http, {
        region: source.region,
        controlPlane: source.controlPlane,
        token: source.token,
        ...(source.baseUrl ? { baseUrl: source.baseUrl } : {}),
        ...httpOptions,
      });
    }
    case 'deck': {
      const { readDeckFile } = await import('./deck-file');
      return readDeckFile(await read(deps, source.path, 'decK file'), basename(source.path));
    }
    case 'apache': {
      const { readApacheConf } = await import('./apache-conf');
      return readApacheConf(
        await read(deps, source.path, 'Apache config'),
        basename(source.path),
        deps.env ? { env: deps.env } : {},
      );
    }
  }
}
