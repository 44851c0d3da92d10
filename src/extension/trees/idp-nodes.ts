import { ENDPOINT_METADATA_FIELDS } from '../../core/flow/file-format';
import type { IdpEntry } from '../workspace/source-model';
import type { TokenMeta } from '../secrets/token-vault';
import { formatTimeLeft, secondsLeft } from '../secrets/token-vault';
import type { NodeData } from './node';
import { CONTEXT_VALUES } from './node';

/** What discovery found for an IdP (endpoints only; no secrets). */
export type DiscoveryState =
  | { status: 'ok'; issuer: string; endpoints: Record<string, string>; at: number }
  | { status: 'failed'; code: string; message: string; at: number };

function discoveryText(state: DiscoveryState | undefined): string {
  if (!state) return 'not discovered';
  return state.status === 'ok' ? 'discovered' : `discovery failed (${state.code})`;
}

/** One node for each token fetched for an IdP, with its time to expiry. */
export function tokenNode(meta: TokenMeta, now: number): NodeData {
  const left = secondsLeft(meta, now);
  const expired = left !== undefined && left <= 0;
  return {
    id: `token:${meta.id}`,
    label: `${meta.kind === 'jwt' ? 'JWT' : 'Opaque'} access token`,
    description: `${meta.grant} · ${formatTimeLeft(left)}`,
    tooltip: [
      `Grant: ${meta.grant}`,
      meta.scope ? `Scope: ${meta.scope}` : undefined,
      meta.subject ? `Subject: ${meta.subject}` : undefined,
      `Fetched: ${new Date(meta.obtainedAt).toLocaleString()}`,
      meta.hasRefreshToken ? 'Has a refresh token' : undefined,
    ]
      .filter(Boolean)
      .join('\n'),
    contextValue: expired ? CONTEXT_VALUES.tokenExpired : CONTEXT_VALUES.token,
    icon: expired ? 'warning' : 'key',
    iconColor: expired ? 'list.warningForeground' : undefined,
    collapsible: 'none',
    ref: { kind: 'token', tokenId: meta.id, idpId: meta.idpId },
  };
}

/** The IdP node and its children: issuer, client, endpoints, tokens. */
export function idpNode(
  entry: IdpEntry,
  discovery: DiscoveryState | undefined,
  tokens: TokenMeta[],
  now: number,
): NodeData {
  const ref = { kind: 'idp' as const, sourceId: entry.sourceId, name: entry.name, idpId: entry.id };
  const sandbox = entry.sourceKind === 'sandbox';
  return {
    id: entry.id,
    label: entry.name,
    description: `${sandbox ? 'sandbox' : entry.sourceLabel} · ${discoveryText(discovery)}`,
    tooltip: [
      entry.description,
      entry.issuer ? `Issuer: ${entry.issuer}` : undefined,
      entry.issuerAsWritten ? `Written as: ${entry.issuerAsWritten}` : undefined,
      `From: ${entry.sourceLabel}`,
    ]
      .filter(Boolean)
      .join('\n'),
    contextValue: sandbox ? CONTEXT_VALUES.idpSandbox : CONTEXT_VALUES.idpFile,
    icon: discovery?.status === 'failed' ? 'error' : 'shield',
    iconColor: discovery?.status === 'failed' ? 'list.errorForeground' : undefined,
    collapsible: 'collapsed',
    ref,
    children: () => {
      const out: NodeData[] = [];
      const info = (
        key: string,
        label: string,
        description: string | undefined,
        icon: string,
        tooltip?: string,
      ): NodeData => ({
        id: `${entry.id}/${key}`,
        label,
        description,
        tooltip,
        contextValue: CONTEXT_VALUES.info,
        icon,
        collapsible: 'none',
        ref: { kind: 'info' },
      });
      out.push(
        info(
          'issuer',
          'Issuer',
          discovery?.status === 'ok' ? discovery.issuer : (entry.issuer ?? 'not set'),
          'globe',
          entry.issuerAsWritten ? `Written in the file as ${entry.issuerAsWritten}` : undefined,
        ),
      );
      if (discovery?.status === 'failed')
        out.push(info('discovery-error', 'Discovery failed', discovery.code, 'error', discovery.message));
      out.push(
        info(
          'client',
          'Client',
          entry.clientId ? `${entry.clientId} · ${entry.clientAuth ?? 'none'}` : 'no client id',
          'account',
          entry.secretKey ? `Client secret from the secret store: \${secret:${entry.secretKey}}` : undefined,
        ),
      );
      const endpoints: Record<string, string> = {};
      if (discovery?.status === 'ok') Object.assign(endpoints, discovery.endpoints);
      for (const [name, url] of Object.entries(entry.endpoints)) if (url) endpoints[name] = url;
      const endpointNodes = ENDPOINT_METADATA_FIELDS.filter(([name]) => endpoints[name]).map(([name]) =>
        info(`endpoint/${name}`, name, endpoints[name], 'link'),
      );
      out.push({
        id: `${entry.id}/endpoints`,
        label: 'Endpoints',
        description:
          endpointNodes.length > 0 ? `${endpointNodes.length}` : discovery ? 'none published' : 'run Discover',
        contextValue: CONTEXT_VALUES.group,
        icon: 'symbol-interface',
        collapsible: endpointNodes.length > 0 ? 'collapsed' : 'none',
        ref,
        children: () => endpointNodes,
      });
      out.push({
        id: `${entry.id}/tokens`,
        label: 'Tokens',
        description: tokens.length > 0 ? `${tokens.length}` : 'none fetched',
        contextValue: CONTEXT_VALUES.group,
        icon: 'key',
        collapsible: tokens.length > 0 ? 'expanded' : 'none',
        ref,
        children: () => tokens.map((t) => tokenNode(t, now)),
      });
      return out;
    },
  };
}

/** Endpoints from a discovery document, by short name. */
export function endpointsFromMetadata(metadata: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, field] of ENDPOINT_METADATA_FIELDS)
    if (typeof metadata[field] === 'string') out[name] = metadata[field] as string;
  return out;
}
