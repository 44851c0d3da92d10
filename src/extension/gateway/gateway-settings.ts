/**
 * The `oidcFlow.gateways` setting: which real gateways the Gateway Routes
 * view reads. Settings hold where to read, never credentials (those live in
 * SecretStorage, see gateway-tokens.ts). No vscode value import, so the
 * parsing is unit-tested in plain Node.
 */
import type * as vscode from 'vscode';
import type { GatewaySourceKind } from '../../core/gateway/model';

export const GATEWAY_SETTING = 'gateways';
export const GATEWAY_SETTING_FULL = `oidcFlow.${GATEWAY_SETTING}`;
export const GATEWAY_KINDS: readonly GatewaySourceKind[] = ['admin-api', 'konnect', 'deck', 'apache'];
export const GATEWAY_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/** One configured gateway source, as written in the setting. */
export interface GatewaySourceConfig {
  name: string;
  kind: GatewaySourceKind;
  adminUrl?: string;
  workspace?: string;
  region?: string;
  controlPlane?: string;
  konnectUrl?: string;
  /** decK file or Apache config: workspace-relative or absolute. */
  path?: string;
  /** The gateway's proxy base URL, to show full route URLs. */
  proxyUrl?: string;
}

const TEXT_FIELDS = ['adminUrl', 'workspace', 'region', 'controlPlane', 'konnectUrl', 'path', 'proxyUrl'] as const;

/** The tree and command id of a configured source. */
export function gatewaySourceId(name: string): string {
  return `gateway:${name}`;
}

/** A human name for a kind of source. */
export function gatewayKindLabel(kind: GatewaySourceKind): string {
  switch (kind) {
    case 'admin-api':
      return 'Kong Admin API';
    case 'konnect':
      return 'Konnect';
    case 'deck':
      return 'decK file';
    case 'apache':
      return 'Apache config';
  }
}

/** Valid entries of the setting, and a sentence for each entry left out. */
export function parseGatewaySettings(raw: unknown): { sources: GatewaySourceConfig[]; problems: string[] } {
  const sources: GatewaySourceConfig[] = [];
  const problems: string[] = [];
  if (raw === undefined || raw === null) return { sources, problems };
  if (!Array.isArray(raw)) return { sources, problems: [`${GATEWAY_SETTING_FULL} must be a list of gateway sources.`] };
  raw.forEach((entry: unknown, index) => {
    const at = `${GATEWAY_SETTING_FULL}[${index}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      problems.push(`${at} is not an object; it was left out.`);
      return;
    }
    const value = entry as Record<string, unknown>;
    const name = typeof value.name === 'string' ? value.name.trim() : '';
    if (!GATEWAY_NAME.test(name)) {
      problems.push(`${at} needs a "name" of letters, digits, ".", "-" and "_"; it was left out.`);
      return;
    }
    if (!(GATEWAY_KINDS as readonly unknown[]).includes(value.kind)) {
      problems.push(
        `${at} (${name}) has kind ${JSON.stringify(value.kind)}; use one of ${GATEWAY_KINDS.join(', ')}. It was left out.`,
      );
      return;
    }
    if (sources.some((source) => source.name === name)) {
      problems.push(`${at}: the name ${name} is used twice; the second one was left out.`);
      return;
    }
    const config: GatewaySourceConfig = { name, kind: value.kind as GatewaySourceKind };
    for (const field of TEXT_FIELDS) {
      const text = value[field];
      if (typeof text === 'string' && text.trim()) config[field] = text.trim();
    }
    sources.push(config);
  });
  return { sources, problems };
}

/** Reads the setting as VS Code resolves it (user, workspace, folder). */
export function readGatewaySettings(vs: typeof vscode): { sources: GatewaySourceConfig[]; problems: string[] } {
  return parseGatewaySettings(vs.workspace.getConfiguration('oidcFlow').get<unknown>(GATEWAY_SETTING));
}
