/**
 * A stand-in for Kong's Admin API and the Konnect API that answers with their
 * documented response shapes: `{data, next, offset}` pages, Konnect's
 * `{data, meta: {page}}` control-plane list, and their 401/403/404 bodies.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Handler, Running } from './loopback-servers';
import { httpServer, httpsServer } from './loopback-servers';
import type { PemPair } from '../../src/core/sandbox/certs';

export const ADMIN_TOKEN = 'rbac-token-123';
export const KONNECT_PAT = 'kpat_abcdefghijklmnopqrstuvwxyz0123456789';
export const CONTROL_PLANE_ID = '7f9fd312-a987-4628-b4c5-bb4f4fddd5f7';

const ISSUER = 'https://example.okta.com/oauth2/default';

/** Entities as the Admin API returns them: references by id. */
export const ENTITIES = {
  services: [
    { id: 's1', name: 'orders-api', protocol: 'http', host: 'orders.internal', port: 8080, path: '/v1' },
    { id: 's2', name: 'billing', protocol: 'https', host: 'billing.internal', port: 443, path: null },
    { id: 's3', name: 'health', protocol: 'http', host: 'health.internal', port: 80, path: null },
  ],
  routes: [
    {
      id: 'r1',
      name: 'orders',
      paths: ['/orders'],
      methods: ['GET'],
      hosts: null,
      protocols: ['http', 'https'],
      strip_path: true,
      service: { id: 's1' },
    },
    {
      id: 'r2',
      name: 'order-by-id',
      paths: ['~/orders/\\d+$'],
      methods: ['GET'],
      hosts: null,
      protocols: ['https'],
      strip_path: false,
      service: { id: 's1' },
    },
    {
      id: 'r3',
      name: 'invoices',
      paths: ['/invoices'],
      methods: null,
      hosts: ['api.example.com'],
      protocols: ['https'],
      strip_path: true,
      service: { id: 's2' },
    },
    {
      id: 'r4',
      name: 'status',
      paths: ['/status'],
      methods: null,
      hosts: null,
      protocols: ['http'],
      strip_path: true,
      service: { id: 's3' },
    },
    {
      id: 'r5',
      name: null,
      paths: ['/misc'],
      methods: null,
      hosts: null,
      protocols: ['http'],
      strip_path: true,
      service: null,
    },
  ],
  plugins: [
    {
      id: 'p1',
      name: 'openid-connect',
      instance_name: 'orders-oidc',
      enabled: true,
      route: null,
      service: { id: 's1' },
      consumer: null,
      protocols: ['http', 'https'],
      config: {
        issuer: ISSUER,
        auth_methods: ['introspection'],
        client_id: ['gw'],
        client_secret: ['plain-secret-value'],
        cache_introspection: false,
      },
    },
    {
      id: 'p2',
      name: 'openid-connect',
      instance_name: null,
      enabled: true,
      route: { id: 'r3' },
      service: null,
      consumer: null,
      protocols: ['https'],
      config: { issuer: ISSUER, auth_methods: ['bearer'], scopes_required: ['invoices:read'] },
    },
    {
      id: 'p3',
      name: 'key-auth',
      instance_name: null,
      enabled: true,
      route: { id: 'r4' },
      service: null,
      consumer: null,
      protocols: ['http'],
      config: { key_names: ['apikey'] },
    },
    {
      id: 'p4',
      name: 'openid-connect',
      instance_name: null,
      enabled: false,
      route: null,
      service: null,
      consumer: null,
      protocols: ['http'],
      config: { issuer: 'https://disabled.example' },
    },
  ],
  // As the Admin API lists them: username or custom_id may be null.
  consumers: [
    {
      id: 'c1',
      username: 'partner-app',
      custom_id: '0oa-partner',
      created_at: 1700000000,
      updated_at: 1700000000,
      tags: null,
    },
    {
      id: 'c2',
      username: null,
      custom_id: '0oa-billing',
      created_at: 1700000001,
      updated_at: 1700000001,
      tags: ['billing'],
    },
    {
      id: 'c3',
      username: 'alice@example.com',
      custom_id: null,
      created_at: 1700000002,
      updated_at: 1700000002,
      tags: null,
    },
  ],
};

export interface KongServer extends Running {
  /** Every request seen: method, path with query, and headers. */
  requests: Array<{ url: string; headers: IncomingMessage['headers'] }>;
}

export interface KongServerOptions {
  /** Entries per page the server hands out whatever `size` asks (to force paging). */
  pageSize?: number;
  /** Pages carry only `next` (no `offset`), as some gateways answer. */
  nextOnly?: boolean;
  /** Workspaces that exist ("default" always does). */
  workspaces?: string[];
  /** Serve over https with this certificate. */
  tls?: PemPair;
  /** 'slow': never answers; 'drop': closes the connection; 'html': answers a login page. */
  mode?: 'slow' | 'drop' | 'html';
  /** Refuse /consumers: 403 as RBAC does for a role without read access to consumers, 404, or fail with 500. */
  consumers?: 403 | 404 | 500;
  /** What GET / reports as Kong's version (default 3.9.1); null answers / with 404, as a proxy in front might. */
  version?: string | null;
  /** Konnect's data plane nodes' versions (default one node on 3.14.0.0 and one on 3.12.0.1); null answers /nodes with 403. */
  nodeVersions?: string[] | null;
  /** Konnect's node records as given (last_ping in epoch seconds), instead of nodeVersions' current ones. */
  nodes?: Array<{ version: string; last_ping: number }>;
  /** Node records per page (`page[size]` is honoured up to this; `page.next` carries `page[after]`). */
  nodePageSize?: number;
  /** GET /control-planes/{id}/group-member-status says is_member. */
  memberOfGroup?: boolean;
  /** A control plane group (CLUSTER_TYPE_CONTROL_PLANE_GROUP) whose members have their own entities. */
  group?: KonnectGroup;
  /** Collections that replace or add to ENTITIES (e.g. plugins with a jwt plugin, and jwts). */
  entities?: Record<string, unknown[]>;
}

/** A control plane group and its members, each with the Konnect entities of its own. */
export interface KonnectGroup {
  id: string;
  name: string;
  members: Array<{ id: string; name: string; entities: Partial<Record<keyof typeof ENTITIES, unknown[]>> }>;
}

/** A control plane as the control-planes v2 spec's ControlPlane schema has it. */
function controlPlane(id: string, name: string, clusterType: string) {
  return {
    id,
    name,
    description: '',
    labels: {},
    config: {
      control_plane_endpoint: `https://${id.slice(0, 8)}.us.cp.konghq.com`,
      telemetry_endpoint: `https://${id.slice(0, 8)}.us.tp0.konghq.com`,
      cluster_type: clusterType,
      auth_type: 'pinned_client_certs',
      cloud_gateway: false,
      proxy_urls: [],
    },
  };
}

/** Pages of a list the way the Konnect specs page with `page[after]`: `{items, page: {total_count, next}}` or `{data, meta}`. */
function afterPage(
  res: ServerResponse,
  url: URL,
  items: unknown[],
  pageSize: number,
  style: 'nodes' | 'memberships',
): void {
  const size = Math.min(Number(url.searchParams.get('page[size]') ?? 100), pageSize);
  const after = url.searchParams.get('page[after]');
  const start = after ? Number(Buffer.from(after, 'base64url').toString('utf8')) : 0;
  const slice = items.slice(start, start + size);
  const next =
    start + size < items.length
      ? `${url.pathname}?page[size]=${size}&page[after]=${Buffer.from(String(start + size)).toString('base64url')}`
      : undefined;
  if (style === 'nodes')
    json(res, 200, { items: slice, page: { total_count: items.length, ...(next ? { next } : {}) } });
  else json(res, 200, { meta: { page: { total: items.length, size, ...(next ? { next } : {}) } }, data: slice });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

function page(
  res: ServerResponse,
  url: URL,
  items: unknown[],
  pageSize: number,
  style: 'admin' | 'admin-next' | 'konnect',
): void {
  const size = Math.min(Number(url.searchParams.get('size') ?? 100), pageSize);
  const offsetParam = url.searchParams.get('offset');
  const start = offsetParam ? Number(Buffer.from(offsetParam, 'base64url').toString('utf8')) : 0;
  const data = items.slice(start, start + size);
  const more = start + size < items.length;
  const offset = more ? Buffer.from(String(start + size)).toString('base64url') : undefined;
  if (style === 'konnect') json(res, 200, { data, ...(offset ? { offset } : {}) });
  else if (style === 'admin-next')
    json(res, 200, { data, next: offset ? `${url.pathname}?offset=${offset}&size=${size}` : null });
  else
    json(res, 200, {
      data,
      next: offset ? `${url.pathname}?offset=${offset}&size=${size}` : null,
      ...(offset ? { offset } : {}),
    });
}

function serve(handler: Handler, options: KongServerOptions): Promise<Running> {
  return options.tls ? httpsServer(options.tls, handler) : httpServer(handler);
}

/** Starts the stand-in on 127.0.0.1 (port 0). */
export async function startKongServer(options: KongServerOptions = {}): Promise<KongServer> {
  const requests: KongServer['requests'] = [];
  const pageSize = options.pageSize ?? 2;
  const workspaces = new Set(['default', ...(options.workspaces ?? [])]);
  const collections: Record<string, unknown[]> = { ...ENTITIES, ...options.entities };
  const running = await serve((req, res) => {
    requests.push({ url: req.url ?? '', headers: req.headers });
    if (options.mode === 'slow') return;
    if (options.mode === 'drop') {
      req.socket.destroy();
      return;
    }
    if (options.mode === 'html') {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Sign in</body></html>');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const segments = url.pathname.split('/').filter(Boolean);

    if (segments[0] === 'v2') {
      if (req.headers.authorization !== `Bearer ${KONNECT_PAT}`) {
        json(res, 401, {
          status: 401,
          title: 'Unauthorized',
          instance: 'konnect:trace:1234',
          detail: 'Invalid credentials',
        });
        return;
      }
      const group = options.group;
      const all = [
        controlPlane(CONTROL_PLANE_ID, 'quickstart', 'CLUSTER_TYPE_CONTROL_PLANE'),
        ...(group
          ? [
              controlPlane(group.id, group.name, 'CLUSTER_TYPE_CONTROL_PLANE_GROUP'),
              ...group.members.map((m) => controlPlane(m.id, m.name, 'CLUSTER_TYPE_CONTROL_PLANE')),
            ]
          : []),
      ];
      if (segments.length === 2 && segments[1] === 'control-planes') {
        const name = url.searchParams.get('filter[name][eq]');
        const data = all.filter((cp) => name === null || cp.name === name);
        json(res, 200, { meta: { page: { number: 1, size: 10, total: data.length } }, data });
        return;
      }
      const [, cpSegment, cpId, coreEntities, collection] = segments;
      const known = all.find((cp) => cp.id === cpId);
      if (cpSegment === 'control-planes' && known && segments.length === 3) {
        json(res, 200, known);
        return;
      }
      if (cpSegment === 'control-planes' && known && coreEntities === 'group-member-status' && segments.length === 4) {
        json(res, 200, { is_member: options.memberOfGroup ?? group?.members.some((m) => m.id === cpId) ?? false });
        return;
      }
      if (group && cpId === group.id && coreEntities === 'group-memberships' && segments.length === 4) {
        afterPage(
          res,
          url,
          group.members.map((m) => all.find((cp) => cp.id === m.id)),
          1,
          'memberships',
        );
        return;
      }
      const member = group?.members.find((m) => m.id === cpId);
      if (member && coreEntities === 'core-entities' && collection && collection in ENTITIES) {
        page(res, url, member.entities[collection as keyof typeof ENTITIES] ?? [], pageSize, 'konnect');
        return;
      }
      if (group && cpId === group.id && coreEntities === 'nodes' && segments.length === 4) {
        afterPage(res, url, [], 100, 'nodes');
        return;
      }
      if (
        cpSegment === 'control-planes' &&
        cpId === CONTROL_PLANE_ID &&
        coreEntities === 'nodes' &&
        segments.length === 4
      ) {
        if (options.nodeVersions === null) {
          json(res, 403, {
            status: 403,
            title: 'Forbidden',
            instance: 'konnect:trace:3456',
            detail: 'You do not have permission to perform this action',
          });
          return;
        }
        // Pinged a few seconds ago: current nodes, unless the test gives its own records.
        const recent = Math.floor(Date.now() / 1000) - 5;
        const records =
          options.nodes ??
          (options.nodeVersions ?? ['3.14.0.0', '3.12.0.1']).map((version) => ({ version, last_ping: recent }));
        afterPage(
          res,
          url,
          records.map((record, i) => ({ id: `node-${i}`, hostname: `dp-${i}`, type: 'kong-proxy', ...record })),
          options.nodePageSize ?? 100,
          'nodes',
        );
        return;
      }
      if (collection === 'consumers' && options.consumers === 403) {
        json(res, 403, {
          status: 403,
          title: 'Forbidden',
          instance: 'konnect:trace:9012',
          detail: 'You do not have permission to perform this action',
        });
        return;
      }
      if (
        cpSegment === 'control-planes' &&
        cpId === CONTROL_PLANE_ID &&
        coreEntities === 'core-entities' &&
        collection &&
        collection in collections &&
        !(collection === 'consumers' && options.consumers === 404)
      ) {
        page(res, url, collections[collection]!, pageSize, 'konnect');
        return;
      }
      json(res, 404, { status: 404, title: 'Not Found', instance: 'konnect:trace:5678', detail: 'Not Found' });
      return;
    }

    if (req.headers['kong-admin-token'] !== ADMIN_TOKEN) {
      json(res, 401, { message: 'Invalid RBAC credentials. Token or User credentials required' });
      return;
    }
    if (segments.length === 0) {
      if (options.version === null) json(res, 404, { message: 'Not found' });
      else
        json(res, 200, {
          version: options.version ?? '3.9.1',
          edition: 'enterprise',
          tagline: 'Welcome to kong',
          hostname: 'kong-test',
          node_id: 'n1',
        });
      return;
    }
    const [first, second] = segments;
    const collection =
      first && first in collections
        ? first
        : second && workspaces.has(first ?? '') && second in collections
          ? second
          : undefined;
    if (
      !collection ||
      segments.length > (collection === first ? 1 : 2) ||
      (collection === 'consumers' && options.consumers === 404)
    ) {
      json(res, 404, { message: 'Not found' });
      return;
    }
    if (collection === 'consumers' && options.consumers === 403) {
      json(res, 403, { message: 'You do not have permissions to read this resource' });
      return;
    }
    if (collection === 'consumers' && options.consumers === 500) {
      json(res, 500, { message: 'An unexpected error occurred' });
      return;
    }
    page(res, url, collections[collection]!, pageSize, options.nextOnly ? 'admin-next' : 'admin');
  }, options);
  return { ...running, requests };
}
