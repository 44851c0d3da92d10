/**
 * Where a gateway source's credential may go. A workspace's settings can
 * name any URL for a source, so a stored token is bound to the origin it was
 * stored for, KONNECT_TOKEN from the environment only goes to Kong's own
 * Konnect API hosts, and no token crosses plain http to another machine.
 * Pure and without a vscode import, so every rule is unit-tested in Node.
 */
import { OidcError } from '../../core/errors';
import type { GatewaySourceConfig } from './gateway-settings';
import { GATEWAY_SETTING_FULL } from './gateway-settings';

/** Kong's Konnect API regions; KONNECT_TOKEN is sent to these hosts only. */
export const KONNECT_API_REGIONS = ['us', 'eu', 'au', 'me', 'in', 'sg', 'global'] as const;
const KONNECT_HOSTS: ReadonlySet<string> = new Set(KONNECT_API_REGIONS.map((region) => `${region}.api.konghq.com`));

/** Whether `origin` is https on one of Kong's Konnect API hosts. */
export function isOfficialKonnectOrigin(origin: string): boolean {
  const url = tryUrl(origin);
  return url !== undefined && url.protocol === 'https:' && url.port === '' && KONNECT_HOSTS.has(url.hostname);
}

/** Whether a host name is this machine (localhost, 127.0.0.0/8, ::1). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}

function tryUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

/**
 * The URL a source's token is sent to: the Admin API URL, the custom Konnect
 * URL, or the region's Konnect API. Undefined when the setting's URL does not
 * parse (the core then says so; no token is attached).
 */
export function gatewayTokenUrl(config: GatewaySourceConfig): URL | undefined {
  if (config.kind === 'admin-api') return config.adminUrl ? tryUrl(config.adminUrl) : undefined;
  if (config.kind !== 'konnect') return undefined;
  if (config.konnectUrl) return tryUrl(config.konnectUrl);
  const region = (config.region ?? 'us').trim().toLowerCase();
  return (KONNECT_API_REGIONS as readonly string[]).includes(region)
    ? new URL(`https://${region}.api.konghq.com`)
    : undefined;
}

/** The origin a token set now for `config` is bound to. */
export function gatewayTokenOrigin(config: GatewaySourceConfig): string | undefined {
  return gatewayTokenUrl(config)?.origin;
}

/** A token as kept in SecretStorage; `origin` is absent for tokens stored before binding existed. */
export interface StoredGatewayToken {
  token: string;
  origin?: string;
}

export interface TokenPolicyDeps {
  /** The token stored for the source, if any. */
  stored?: StoredGatewayToken;
  /** KONNECT_TOKEN from the environment VS Code started from. */
  envToken?: string;
  /**
   * Asked before an older, unbound token goes to an origin that is neither
   * Konnect nor loopback; true binds it there. Absent: such a token is refused.
   */
  confirmBind?(sourceName: string, origin: string): Promise<boolean>;
  /** Remembers the origin an older token was bound to on first use. */
  bind?(sourceName: string, token: string, origin: string): Promise<void>;
}

type Refusal = 'origin' | 'unbound' | 'insecure' | 'envCustomUrl';

// Long sentences live here, not in the code lines (CONTRIBUTING: tables for long sentences).
const MESSAGE: Record<Refusal, (name: string, stored: string, url: string) => string> = {
  origin: (name, stored, url) =>
    `The token of the gateway source ${name} was stored for ${stored}, but the source now points at ${url}; it was not sent.`,
  unbound: (name, _stored, url) =>
    `The token of the gateway source ${name} was stored before tokens were bound to a URL, and ${url} is neither Konnect nor this machine; it was not sent.`,
  insecure: (name, _stored, url) =>
    `The gateway source ${name} points at ${url} over plain http on another machine; its token was not sent, as anyone on the network path could read it.`,
  envCustomUrl: (name, _stored, url) =>
    `KONNECT_TOKEN is sent only to Kong's Konnect API (https://{region}.api.konghq.com), not to the custom konnectUrl ${url} of the gateway source ${name}.`,
};
const HINT: Record<Refusal, string> = {
  origin:
    'If you trust the new URL, run "OIDC Flow: Set Gateway Token" on the source to set the token again for it; otherwise fix the URL in oidcFlow.gateways.',
  unbound: 'If you trust this URL, run "OIDC Flow: Set Gateway Token" on the source to set the token again for it.',
  insecure: 'Use an https:// URL for the source (or reach the gateway through an SSH tunnel on localhost).',
  envCustomUrl: 'Run "OIDC Flow: Set Gateway Token" on the source to store a token for this URL.',
};

function refuse(reason: Refusal, config: GatewaySourceConfig, url: string, stored = ''): OidcError {
  return new OidcError(
    reason === 'insecure' ? 'gateway.settings.insecure_http' : 'gateway.settings.token_origin',
    MESSAGE[reason](config.name, stored, url),
    { where: `${GATEWAY_SETTING_FULL} ${config.name}`, hint: HINT[reason] },
  );
}

/**
 * The token a read of `config` may send, or undefined when there is none to
 * send; throws OidcError when a token exists but must not go where the
 * source points now.
 */
export async function tokenFor(config: GatewaySourceConfig, deps: TokenPolicyDeps): Promise<string | undefined> {
  const url = gatewayTokenUrl(config);
  const stored = deps.stored;
  const envToken = config.kind === 'konnect' ? deps.envToken?.trim() || undefined : undefined;
  if (!url || (!stored && !envToken)) return undefined;
  const shown = url.href.replace(/\/$/, '');
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) throw refuse('insecure', config, shown);
  if (stored) {
    if (stored.origin !== undefined) {
      if (stored.origin !== url.origin) throw refuse('origin', config, url.origin, stored.origin);
      return stored.token;
    }
    // Older tokens have no origin: bind them on first use where no one else can be listening, or after a yes.
    const safe = isOfficialKonnectOrigin(url.origin) || isLoopbackHost(url.hostname);
    if (!safe && !(await deps.confirmBind?.(config.name, url.origin))) throw refuse('unbound', config, url.origin);
    await deps.bind?.(config.name, stored.token, url.origin);
    return stored.token;
  }
  if (!isOfficialKonnectOrigin(url.origin)) throw refuse('envCustomUrl', config, shown);
  return envToken;
}
