import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../clock';
import { systemClock } from '../clock';
import type { SandboxAdmin } from '../flow/runner';
import type { DeckFile } from '../gateway/deck';
import { parseDeckFile } from '../gateway/deck-file';
import { OidcError } from '../errors';
import type { EffectiveKongOidcConfig, KongOidcConfig } from '../gateway/kong-oidc-config';
import type { HttpClient } from '../http/types';
import { DEFAULT_ALLOWED_ALGORITHMS, JwksCache, verifyJwt } from '../jwt';
import { discover, DiscoveryCache, introspect } from '../oauth';
import type { AuthorizationServerMetadata, ClientAuthMethod } from '../oauth';
import { startEchoUpstream } from './echo-upstream';
import type { EchoUpstream } from './echo-upstream';
import { startSandboxGateway } from './gateway';
import { kongIssuerError, kongSignatureReason, kongTimeClaimError, SIGNATURE_CHECK_CODES } from './kong-jwt-reasons';
import type { GatewayEvent, GatewayTokenChecks, SandboxGateway } from './gateway';
import { startSandboxIdp } from './sandbox-idp';
import type { SandboxIdp } from './sandbox-idp';

/**
 * The whole sandbox: an Okta-like IdP, a Kong-like gateway in front of an
 * echo upstream, wired together on loopback. This is the built-in default
 * the demo and the walkthrough run against.
 */
export interface Sandbox {
  idp: SandboxIdp;
  gateway: SandboxGateway;
  upstream: EchoUpstream;
  deck: DeckFile;
  /** The CA certificate written to a file, for clients that take a path. */
  caFile: string;
  /** Values flow files read through ${env:NAME}: SANDBOX_ISSUER, SANDBOX_CLIENT_ID, ... */
  env: Record<string, string>;
  /** Admin actions for `admin` steps. */
  admin: SandboxAdmin;
  close(): Promise<void>;
}

export interface SandboxOptions {
  /** A decK file (text) to configure the gateway with instead of the built-in routes. */
  deckText?: string;
  deckFileName?: string;
  /** Extra DECK_* values for ${{ env "DECK_..." }} references in deckText (the sandbox adds its own). */
  deckEnv?: Record<string, string | undefined>;
  /** Makes the HTTP client the gateway uses to reach the IdP (trusting the sandbox CA). */
  createHttpClient: (options: { ca: string }) => HttpClient & { close?: () => Promise<void> };
  idpPort?: number;
  gatewayPort?: number;
  clock?: Clock;
  onDecision?: (event: GatewayEvent) => void;
  /** Appends the gateway's Kong error-log lines to this file. */
  errorLogPath?: string;
  /** The IdP's access token lifetime in seconds (default an hour). */
  accessTokenSeconds?: number;
}

/** The sandbox's gateway configuration: one route per behaviour worth seeing. */
export function sandboxDeck(options: {
  issuer: string;
  upstream: string;
  gatewayClientId: string;
  gatewayClientSecret: string;
}): DeckFile {
  const base: KongOidcConfig = {
    issuer: options.issuer,
    client_id: [options.gatewayClientId],
    client_secret: [options.gatewayClientSecret],
    client_auth: ['client_secret_basic'],
    bearer_token_param_type: ['header'],
    ssl_verify: true,
  };
  const route = (name: string, path: string, config: KongOidcConfig) => ({
    name,
    paths: [path],
    strip_path: true,
    plugins: [{ name: 'openid-connect', config: { ...base, ...config } }],
  });
  return {
    _format_version: '3.0',
    services: [
      {
        name: 'orders-service',
        url: `${options.upstream}/orders`,
        routes: [
          // The introspection scenario: ask the IdP on every call, no cache.
          route('orders', '/orders', {
            auth_methods: ['introspection'],
            cache_introspection: false,
            scopes_required: ['orders:read'],
          }),
          // The cached variant: a revoked token is accepted until the cache entry expires.
          route('orders-cached', '/cached/orders', {
            auth_methods: ['introspection'],
            cache_introspection: true,
            cache_ttl_max: 20,
          }),
          // Local JWT verification only: revocation is invisible until exp.
          route('orders-jwt', '/jwt/orders', {
            auth_methods: ['bearer'],
            scopes_claim: ['scp'],
            scopes_required: ['orders:read'],
          }),
          // Access control by Okta groups (tokens from the authorization-code grant).
          route('orders-admin', '/admin/orders', {
            auth_methods: ['bearer'],
            scopes_claim: ['scp'],
            groups_required: ['orders-admins'],
          }),
          // A classic misconfiguration: scopes read from `scope`, Okta JWTs carry `scp`.
          route('orders-scope-claim', '/scope-claim/orders', {
            auth_methods: ['bearer'],
            scopes_required: ['orders:read'],
          }),
        ],
      },
    ],
  };
}

/**
 * Reads a user's decK file for the sandbox gateway, filling in decK's
 * ${{ env "DECK_NAME" }} references as decK itself would.
 */
export function userDeck(text: string, fileName: string, env: Record<string, string | undefined>): DeckFile {
  const filled = text.replace(/\$\{\{\s*env\s+"([A-Za-z0-9_]+)"\s*\}\}/g, (_whole, name: string) => {
    const value = env[name];
    if (value === undefined) {
      throw new OidcError('sandbox.deck_env', `${fileName} refers to \${{ env "${name}" }}, which is not set.`, {
        hint: name.startsWith('DECK_')
          ? `Set ${name} in the environment, or use one the sandbox provides: DECK_SANDBOX_ISSUER, DECK_SANDBOX_UPSTREAM, DECK_SANDBOX_GATEWAY_CLIENT_ID, DECK_SANDBOX_GATEWAY_CLIENT_SECRET.`
          : 'decK only reads variables whose names start with DECK_.',
      });
    }
    return value;
  });
  return parseDeckFile(filled, fileName).deck;
}

function tokenChecks(http: HttpClient, clock: Clock): GatewayTokenChecks {
  const discovery = new DiscoveryCache({ clock });
  const jwksByUri = new Map<string, JwksCache>();
  const metadataFor = async (config: EffectiveKongOidcConfig): Promise<AuthorizationServerMetadata> => {
    if (!config.issuer) throw new Error('the plugin has no issuer');
    const { metadata } = await discover(http, config.issuer, { cache: discovery });
    return config.introspection_endpoint
      ? { ...metadata, introspection_endpoint: config.introspection_endpoint }
      : metadata;
  };
  return {
    async metadata(config) {
      return metadataFor(config);
    },
    async verifyJwt(token, config) {
      const metadata = await metadataFor(config);
      if (!metadata.jwks_uri) return { ok: false, code: 'jwks.missing' };
      let keys = jwksByUri.get(metadata.jwks_uri);
      if (!keys) {
        keys = new JwksCache({ http, jwksUri: metadata.jwks_uri, clock, label: 'gateway: JWKS endpoint' });
        jwksByUri.set(metadata.jwks_uri, keys);
      }
      const allowed = config.enable_hs_signatures
        ? [...DEFAULT_ALLOWED_ALGORITHMS, 'HS256', 'HS384', 'HS512']
        : [...DEFAULT_ALLOWED_ALGORITHMS];
      // Only the signature side comes from the core; the claims are checked as token.lua does.
      let result;
      try {
        result = await verifyJwt(token, {
          keys,
          leewaySeconds: config.leeway,
          clock,
          allowedAlgorithms: allowed,
          profile: 'generic',
        });
      } catch {
        // A token that does not decode: jws.lua's decode errors, which the handler turns into "invalid jwt token".
        return { ok: false, code: 'jwt.decode' };
      }
      const failed = result.checks.find((check) => !check.ok && SIGNATURE_CHECK_CODES.has(check.code ?? ''));
      if (failed)
        return {
          ok: false,
          code: failed.code ?? 'jwt.invalid',
          reason: kongSignatureReason(failed.code, result.header),
        };
      const claimError =
        kongIssuerError(result.payload, metadata.issuer ?? config.issuer, config.issuers_allowed) ??
        kongTimeClaimError(result.payload, Math.floor(clock.now() / 1000), config.leeway);
      if (claimError) return { ok: false, code: 'jwt.claims', reason: claimError };
      return { ok: true, header: result.header, payload: result.payload };
    },
    async userinfo(token, config) {
      const metadata = await metadataFor(config);
      // kong/openid-connect/init.lua:116, 204, 225.
      if (!metadata.userinfo_endpoint) throw new Error('userinfo endpoint was not specified');
      const answer = await http.send({
        method: 'GET',
        url: metadata.userinfo_endpoint,
        headers: { authorization: `Bearer ${token}` },
        label: 'gateway: userinfo endpoint',
      });
      if (answer.status !== 200)
        throw new Error(`invalid status code received from the userinfo endpoint (${answer.status})`);
      try {
        return answer.json<Record<string, unknown>>();
      } catch {
        throw new Error('invalid userinfo endpoint response received from the userinfo endpoint');
      }
    },
    async introspect(token, config) {
      const metadata = await metadataFor(config);
      const authMethod = (config.introspection_endpoint_auth_method ??
        config.client_auth?.[0] ??
        'client_secret_basic') as ClientAuthMethod;
      try {
        const answer = await introspect(
          {
            http: { send: (r) => http.send({ ...r, label: `gateway: ${r.label ?? 'introspection endpoint'}` }) },
            metadata,
            clock,
            client: { clientId: config.client_id?.[0] ?? '', clientSecret: config.client_secret?.[0], authMethod },
          },
          token,
          { tokenTypeHint: config.introspection_hint },
        );
        return { active: answer.active, claims: answer.claims };
      } catch (error) {
        // kong/openid-connect/token.lua:1554 words a refused call by its status.
        const status = error instanceof OidcError ? error.status : undefined;
        if (status !== undefined && status !== 200)
          throw new Error(`invalid status code received from the introspection endpoint (${status})`);
        throw error;
      }
    },
  };
}

/** Starts the IdP, the echo upstream and the gateway on 127.0.0.1. */
export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const clock = options.clock ?? systemClock;
  const idp = await startSandboxIdp({ port: options.idpPort, accessTokenSeconds: options.accessTokenSeconds });
  const cleanups: Array<() => Promise<void> | void> = [() => idp.close()];
  try {
    const upstream = await startEchoUpstream();
    cleanups.push(() => upstream.close());
    const http = options.createHttpClient({ ca: idp.caPem });
    cleanups.push(() => http.close?.());
    const gatewayClient = idp.clients.gateway;
    const deck = options.deckText
      ? userDeck(options.deckText, options.deckFileName ?? 'kong.yaml', {
          ...options.deckEnv,
          DECK_SANDBOX_ISSUER: idp.issuer,
          DECK_SANDBOX_UPSTREAM: upstream.url,
          DECK_SANDBOX_GATEWAY_CLIENT_ID: gatewayClient.clientId,
          DECK_SANDBOX_GATEWAY_CLIENT_SECRET: gatewayClient.clientSecret ?? '',
        })
      : sandboxDeck({
          issuer: idp.issuer,
          upstream: upstream.url,
          gatewayClientId: gatewayClient.clientId,
          gatewayClientSecret: gatewayClient.clientSecret ?? '',
        });
    const gateway = await startSandboxGateway({
      deck,
      checks: tokenChecks(http, clock),
      port: options.gatewayPort,
      clock,
      onDecision: options.onDecision,
      errorLogPath: options.errorLogPath,
    });
    cleanups.push(() => gateway.close());
    const dir = mkdtempSync(join(tmpdir(), 'oidc-flow-sandbox-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const caFile = join(dir, 'sandbox-ca.pem');
    writeFileSync(caFile, idp.caPem, { mode: 0o644 });
    const client = idp.clients['cc-basic'];
    const env: Record<string, string> = {
      SANDBOX_ISSUER: idp.issuer,
      SANDBOX_CA_FILE: caFile,
      SANDBOX_CLIENT_ID: client.clientId,
      SANDBOX_CLIENT_SECRET: client.clientSecret ?? '',
      SANDBOX_GATEWAY_URL: gateway.url,
      SANDBOX_GATEWAY_CLIENT_ID: gatewayClient.clientId,
      SANDBOX_GATEWAY_CLIENT_SECRET: gatewayClient.clientSecret ?? '',
      // Okta's management API as the sandbox answers it (oktaAppStatus, oktaUserStatus): SSWS <token>.
      SANDBOX_OKTA_ORG_URL: idp.origin,
      SANDBOX_OKTA_API_TOKEN: idp.apiToken,
    };
    const admin: SandboxAdmin = {
      deactivateClient: (id) => idp.deactivateClient(id),
      reactivateClient: (id) => {
        idp.reactivateClient(id);
        gateway.clearCache();
      },
      rotateKeys: (o) => idp.rotateKeys(o),
    };
    return {
      idp,
      gateway,
      upstream,
      deck,
      caFile,
      env,
      admin,
      close: async () => {
        for (const cleanup of cleanups.reverse()) await cleanup();
      },
    };
  } catch (error) {
    for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
    throw error;
  }
}
