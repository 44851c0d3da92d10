/**
 * Reads a Konnect control plane's services, routes, plugins and consumers through the
 * Konnect API (`/v2/control-planes/{id}/core-entities/...`) into the gateway model.
 */
import { OidcError } from '../errors';
import type { HttpClient, HttpOptions } from '../http/types';
import type { KongApiDescriptor, KongApiTarget } from './kong-pages';
import { getKongJson, listKongCollection, listOptionalKongCollection } from './kong-pages';
import { oldestKongVersion } from './kong-version';
import type { GatewayModel, KongPluginEntity, KongRouteEntity, KongServiceEntity } from './model';
import { buildGatewayModel, kongConsumers } from './model';

export const KONNECT_REGIONS = ['us', 'eu', 'au', 'global'] as const;
export type KonnectRegion = (typeof KONNECT_REGIONS)[number];

export interface KonnectOptions {
  region: string;
  /** Control plane name or id. */
  controlPlane: string;
  /** Personal or system access token, sent as Bearer. */
  token: string;
  /** Overrides the region's API URL (tests, private deployments). */
  baseUrl?: string;
  httpOptions?: Partial<HttpOptions>;
  pageSize?: number;
}

export const KONNECT_API: KongApiDescriptor = {
  name: 'Konnect API',
  codePrefix: 'gateway.konnect',
  unauthorizedHint:
    'Check the personal access token (in the CLI from --konnect-token-env): it may be expired, revoked, or lack access to this control plane, and tokens only work in their own organization.',
  notFoundHint: 'Check the control plane id and the region: a control plane exists in one region only (us, eu, au).',
  unreachableHint:
    'The Konnect API could not be reached: check the region and the network path (proxy settings) to *.api.konghq.com.',
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The Konnect API URL of a region (us, eu, au, global). */
export function konnectBaseUrl(region: string): string {
  const wanted = region.trim().toLowerCase();
  if (!(KONNECT_REGIONS as readonly string[]).includes(wanted)) {
    throw new OidcError('gateway.konnect_region', `"${region}" is not a Konnect region.`, {
      hint: `Use one of: ${KONNECT_REGIONS.join(', ')}.`,
    });
  }
  return `https://${wanted}.api.konghq.com`;
}

interface ControlPlane {
  id: string;
  name?: string;
}

async function resolveControlPlane(
  http: HttpClient,
  target: KongApiTarget,
  controlPlane: string,
): Promise<ControlPlane> {
  if (UUID.test(controlPlane)) return { id: controlPlane };
  const url = new URL(`${target.baseUrl}/v2/control-planes`);
  url.searchParams.set('filter[name][eq]', controlPlane);
  const body = (await getKongJson(http, target, url.toString(), 'Konnect API /v2/control-planes')) as {
    data?: unknown;
  };
  if (!body || typeof body !== 'object' || !Array.isArray(body.data)) {
    throw new OidcError(
      'gateway.konnect_malformed',
      `The Konnect API answered ${url} without a "data" list of control planes.`,
      {
        where: url.toString(),
        hint: 'Check the Konnect API URL (https://{region}.api.konghq.com).',
      },
    );
  }
  const found = (body.data as ControlPlane[]).filter(
    (cp) => cp && typeof cp.id === 'string' && cp.name === controlPlane,
  );
  if (found.length === 0) {
    throw new OidcError(
      'gateway.konnect_control_plane_not_found',
      `No control plane named "${controlPlane}" in this organization at ${target.baseUrl}.`,
      {
        where: url.toString(),
        hint: 'Names are exact and case-sensitive: check the name in Konnect (Gateway Manager), the region, or pass the control plane id instead.',
      },
    );
  }
  if (found.length > 1) {
    throw new OidcError(
      'gateway.konnect_control_plane_ambiguous',
      `${found.length} control planes are named "${controlPlane}" (${found.map((cp) => cp.id).join(', ')}).`,
      {
        hint: 'Pass the control plane id instead of its name.',
      },
    );
  }
  return found[0]!;
}

/** Reads a Konnect control plane (by name or id) into the gateway model. */
export async function readKonnect(http: HttpClient, options: KonnectOptions): Promise<GatewayModel> {
  const base = (options.baseUrl ?? konnectBaseUrl(options.region)).replace(/\/+$/, '');
  if (!options.token) {
    throw new OidcError('gateway.konnect_unauthorized', 'No Konnect access token was given.', {
      hint: KONNECT_API.unauthorizedHint,
    });
  }
  const target: KongApiTarget = {
    api: KONNECT_API,
    baseUrl: base,
    headers: { authorization: `Bearer ${options.token}` },
    secrets: [options.token],
    ...(options.httpOptions ? { options: options.httpOptions } : {}),
    ...(options.pageSize ? { pageSize: options.pageSize } : {}),
  };
  const cp = await resolveControlPlane(http, target, options.controlPlane.trim());
  const entities: KongApiTarget = {
    ...target,
    baseUrl: `${base}/v2/control-planes/${encodeURIComponent(cp.id)}/core-entities`,
  };
  const services = await listKongCollection<KongServiceEntity>(http, entities, 'services');
  const routes = await listKongCollection<KongRouteEntity>(http, entities, 'routes');
  const plugins = await listKongCollection<KongPluginEntity>(http, entities, 'plugins');
  for (const plugin of plugins)
    plugin.origin = `plugin ${plugin.instance_name ?? plugin.id ?? plugin.name} (Konnect control plane ${cp.name ?? cp.id})`;
  const [consumers, gatewayVersion] = await Promise.all([
    listOptionalKongCollection<Record<string, unknown>>(http, entities, 'consumers'),
    oldestNodeVersion(http, target, `${base}/v2/control-planes/${encodeURIComponent(cp.id)}/nodes`),
  ]);
  const unavailable = 'unavailable' in consumers ? consumers.unavailable : undefined;
  return buildGatewayModel(
    { services, routes, plugins, consumers: 'items' in consumers ? kongConsumers(consumers.items) : [] },
    {
      kind: 'konnect',
      description: `Konnect control plane ${cp.name ? `${cp.name} (${cp.id})` : cp.id} in ${base}${gatewayVersion ? ` (oldest data plane: Kong ${gatewayVersion})` : ''}`,
    },
    {
      ...(unavailable
        ? {
            consumersUnavailable: unavailable,
            warnings: [
              `Consumers could not be read (${unavailable}), so checks that need them (consumer_claim mapping) cannot tell whether a consumer exists; a token whose role may read consumers fixes that.`,
            ],
          }
        : {}),
      ...(gatewayVersion ? { gatewayVersion } : {}),
    },
  );
}

/**
 * The oldest Kong version among the control plane's data plane nodes: the
 * config runs on all of them, so a default that changed matters on the
 * oldest. Undefined when the nodes cannot be read or none reports a version;
 * that only leaves the lint less sure, so it fails nothing.
 */
async function oldestNodeVersion(http: HttpClient, target: KongApiTarget, url: string): Promise<string | undefined> {
  try {
    const body = (await getKongJson(http, target, `${url}?page%5Bsize%5D=100`, 'Konnect data plane nodes')) as {
      items?: unknown;
      data?: unknown;
    } | null;
    const nodes = Array.isArray(body?.items) ? body.items : Array.isArray(body?.data) ? body.data : [];
    return oldestKongVersion(nodes.map((node: { version?: unknown } | null) => node?.version));
  } catch {
    return undefined;
  }
}
