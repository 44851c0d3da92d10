/**
 * Reads a Konnect control plane's services, routes, plugins and consumers through the
 * Konnect API (`/v2/control-planes/{id}/core-entities/...`) into the gateway model, as
 * Kong's published specifications say (Kong/developer.konghq.com
 * api-specs/konnect/control-planes/v2/openapi.yaml and control-planes-config/v2/openapi.yaml
 * @bc1cd742): the regions are the specs' servers; a control plane group
 * (config.cluster_type CLUSTER_TYPE_CONTROL_PLANE_GROUP) is read through its members
 * (group-memberships); the data plane nodes are paged with page[after].
 */
import type { Clock } from '../clock';
import { systemClock } from '../clock';
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
import { oldestKongVersion } from './kong-version';
import type { GatewayModel, KongConsumerEntity, KongPluginEntity, KongRouteEntity, KongServiceEntity } from './model';
import { buildGatewayModel, kongConsumers } from './model';

/** The regions the control-planes v2 and control-planes-config v2 specs list as servers. */
export const KONNECT_REGIONS = ['us', 'eu', 'au', 'me', 'in', 'sg'] as const;
export type KonnectRegion = (typeof KONNECT_REGIONS)[number];

/** A data plane pings every 30 s (Kong clustering); a record not heard from in this long is an old node's. */
const STALE_NODE_SECONDS = 3600;

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
  /** Tells which node records are stale (last_ping); default the system clock. */
  clock?: Clock;
}

export const KONNECT_API: KongApiDescriptor = {
  name: 'Konnect API',
  codePrefix: 'gateway.konnect',
  unauthorizedHint:
    'Check the personal access token (in the CLI from --konnect-token-env): it may be expired, revoked, or lack access to this control plane, and tokens only work in their own organization.',
  notFoundHint: `Check the control plane id and the region: a control plane exists in one region only (${KONNECT_REGIONS.join(', ')}).`,
  unreachableHint:
    'The Konnect API could not be reached: check the region and the network path (proxy settings) to *.api.konghq.com.',
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The Konnect API URL of a region (us, eu, au, me, in, sg). */
export function konnectBaseUrl(region: string): string {
  const wanted = region.trim().toLowerCase();
  if (wanted === 'global') {
    throw new OidcError(
      'gateway.konnect_region',
      '"global" serves Konnect\'s identity API (users, teams, system accounts), not control planes.',
      { hint: `Use the region your organization's control planes are in: one of ${KONNECT_REGIONS.join(', ')}.` },
    );
  }
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
  config?: { cluster_type?: string };
}

const GROUP = 'CLUSTER_TYPE_CONTROL_PLANE_GROUP';

function isControlPlane(value: unknown): value is ControlPlane {
  return !!value && typeof value === 'object' && typeof (value as ControlPlane).id === 'string';
}

function cpName(cp: ControlPlane): string {
  return cp.name ? `${cp.name} (${cp.id})` : cp.id;
}

async function resolveControlPlane(
  http: HttpClient,
  target: KongApiTarget,
  controlPlane: string,
): Promise<ControlPlane> {
  if (UUID.test(controlPlane)) {
    // Only the control plane itself says whether it is a group.
    const url = `${target.baseUrl}/v2/control-planes/${encodeURIComponent(controlPlane)}`;
    const body = await getKongJson(http, target, url, 'Konnect API /v2/control-planes/{id}');
    return isControlPlane(body) ? body : { id: controlPlane };
  }
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
  const cpUrl = (id: string) => `${base}/v2/control-planes/${encodeURIComponent(id)}`;
  const group = cp.config?.cluster_type === GROUP;
  // A group holds no entities of its own: its data planes run the merge of its members' configurations.
  const members = group ? await listGroupMembers(http, target, cpUrl(cp.id)) : [cp];
  const warnings: string[] = [];
  if (group && members.length === 0)
    warnings.push(`Control plane group ${cpName(cp)} has no members, so there is no configuration to read.`);
  if (!group && (await isGroupMember(http, target, cpUrl(cp.id))))
    warnings.push(
      `Control plane ${cpName(cp)} is a member of a control plane group: its data planes run the group's merged configuration, where the other members' global plugins apply to these routes too. Name the group to read the whole of it.`,
    );
  const entities = { services: [], routes: [], plugins: [], consumers: [] } as {
    services: KongServiceEntity[];
    routes: KongRouteEntity[];
    plugins: KongPluginEntity[];
    consumers: KongConsumerEntity[];
  };
  let unavailable: string | undefined;
  const memberConsumers: Array<{ member: ControlPlane; target: KongApiTarget; list: KongConsumerEntity[] }> = [];
  for (const member of members) {
    const memberTarget: KongApiTarget = { ...target, baseUrl: `${cpUrl(member.id)}/core-entities` };
    entities.services.push(...(await listKongCollection<KongServiceEntity>(http, memberTarget, 'services')));
    entities.routes.push(...(await listKongCollection<KongRouteEntity>(http, memberTarget, 'routes')));
    const plugins = await listKongCollection<KongPluginEntity>(http, memberTarget, 'plugins');
    for (const plugin of plugins)
      plugin.origin = `plugin ${plugin.instance_name ?? plugin.id ?? plugin.name} (Konnect control plane ${member.name ?? member.id}${group ? `, member of group ${cp.name ?? cp.id}` : ''})`;
    entities.plugins.push(...plugins);
    const consumers = await listOptionalKongCollection<Record<string, unknown>>(http, memberTarget, 'consumers');
    if ('items' in consumers) {
      const list = kongConsumers(consumers.items);
      memberConsumers.push({ member, target: memberTarget, list });
      entities.consumers.push(...list);
    } else unavailable ??= consumers.unavailable;
  }
  // A jwt plugin of one member runs on every member's routes, so every member's credentials count.
  let jwtRead = !unavailable && members.length > 0 && usesJwtPlugin(entities.plugins);
  const jwtWarnings: string[] = [];
  if (jwtRead)
    for (const { member, target: memberTarget, list } of memberConsumers) {
      const jwt = await readJwtCredentials(
        http,
        memberTarget,
        list,
        `Konnect control plane ${member.name ?? member.id}`,
      );
      jwtRead &&= jwt.read;
      jwtWarnings.push(...jwt.warnings);
    }
  const gatewayVersion = await oldestNodeVersion(http, target, `${cpUrl(cp.id)}/nodes`, options.clock ?? systemClock);
  const what = group
    ? `Konnect control plane group ${cpName(cp)}, the merged configuration of its members ${members.map((m) => m.name ?? m.id).join(', ') || '(none)'},`
    : `Konnect control plane ${cpName(cp)}`;
  return buildGatewayModel(
    entities,
    {
      kind: 'konnect',
      description: `${what} in ${base}${gatewayVersion ? ` (oldest data plane: Kong ${gatewayVersion})` : ''}`,
    },
    {
      ...(unavailable
        ? {
            consumersUnavailable: unavailable,
            warnings: [
              ...warnings,
              ...jwtWarnings,
              `Consumers could not be read (${unavailable}), so checks that need them (consumer_claim mapping) cannot tell whether a consumer exists; a token whose role may read consumers fixes that.`,
            ],
          }
        : { warnings: [...warnings, ...jwtWarnings] }),
      ...(gatewayVersion ? { gatewayVersion } : {}),
      ...(jwtRead ? { jwtCredentialsRead: true } : {}),
    },
  );
}

/** Reads a Konnect list paged with `page[after]` (the specs' PageAfter), following `next` to the end. */
async function listAfterPages(http: HttpClient, target: KongApiTarget, url: string, label: string): Promise<unknown[]> {
  const items: unknown[] = [];
  let after: string | undefined;
  for (let pages = 0; pages < MAX_NODE_PAGES; pages += 1) {
    const pageUrl = new URL(url);
    pageUrl.searchParams.set('page[size]', '100');
    if (after) pageUrl.searchParams.set('page[after]', after);
    const body = (await getKongJson(http, target, pageUrl.toString(), label)) as {
      items?: unknown;
      data?: unknown;
      page?: { next?: unknown };
      meta?: { page?: { next?: unknown } };
    } | null;
    const page = Array.isArray(body?.items) ? body.items : Array.isArray(body?.data) ? body.data : [];
    items.push(...page);
    const next = body?.page?.next ?? body?.meta?.page?.next;
    // `next` is a link carrying page[after] (as in the group-memberships example) or the cursor itself.
    const cursor =
      typeof next === 'string' && next
        ? /[?&]page(?:\[|%5B)after(?:\]|%5D)=/i.test(next)
          ? (new URL(next, 'http://x').searchParams.get('page[after]') ?? undefined)
          : next
        : undefined;
    if (!cursor || cursor === after || page.length === 0) break;
    after = cursor;
  }
  return items;
}

/** Stops a server that keeps handing out cursors from looping forever. */
const MAX_NODE_PAGES = 1000;

async function listGroupMembers(http: HttpClient, target: KongApiTarget, groupUrl: string): Promise<ControlPlane[]> {
  const members = await listAfterPages(
    http,
    target,
    `${groupUrl}/group-memberships`,
    'Konnect API /v2/control-planes/{id}/group-memberships',
  );
  return members.filter(isControlPlane);
}

/** Whether a control plane is in a group (group-member-status); unknown counts as no, since it only adds a warning. */
async function isGroupMember(http: HttpClient, target: KongApiTarget, cpUrl: string): Promise<boolean> {
  try {
    const body = (await getKongJson(http, target, `${cpUrl}/group-member-status`, 'Konnect group member status')) as {
      is_member?: unknown;
    } | null;
    return body?.is_member === true;
  } catch {
    return false;
  }
}

/**
 * The oldest Kong version among the control plane's data plane nodes: the
 * config runs on all of them, so a default that changed matters on the
 * oldest. Every page is read; a record whose last_ping is older than
 * STALE_NODE_SECONDS is a node that left (Konnect keeps such records for
 * days) and does not count. Undefined when the nodes cannot be read or none
 * current reports a version; that only leaves the lint less sure, so it fails nothing.
 */
async function oldestNodeVersion(
  http: HttpClient,
  target: KongApiTarget,
  url: string,
  clock: Clock,
): Promise<string | undefined> {
  try {
    const nodes = await listAfterPages(http, target, url, 'Konnect data plane nodes');
    const now = clock.now() / 1000;
    const current = nodes.filter((node) => {
      const ping = (node as { last_ping?: unknown } | null)?.last_ping;
      return typeof ping !== 'number' || now - ping <= STALE_NODE_SECONDS;
    });
    return oldestKongVersion(current.map((node) => (node as { version?: unknown } | null)?.version));
  } catch {
    return undefined;
  }
}
