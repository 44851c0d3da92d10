import { randomBytes } from 'node:crypto';
import { IncomingMessage } from 'node:http';
import type { ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import { Provider } from 'oidc-provider';
import type { KoaContext } from 'oidc-provider';
import { OidcError } from '../errors';
import { listenLocal } from '../listen';
import { createCertificateAuthority } from './certs';
import type { CertificateAuthority } from './certs';
import { createSandboxClients, isLoopbackRedirect, PASSWORD_GRANT, TOKEN_EXCHANGE_GRANT } from './idp/clients';
import type { SandboxClient, SandboxClientName } from './idp/clients';
import { buildConfiguration, ROUTES } from './idp/configuration';
import { passwordGrant, PASSWORD_PARAMS, TOKEN_EXCHANGE_PARAMS, tokenExchangeGrant } from './idp/grants';
import { handleInteraction } from './idp/interactions';
import { SigningKeyring } from './idp/keys';
import { answerManagementApi, MANAGEMENT_API_PREFIX } from './idp/management-api';
import type { OktaUserStatus } from './idp/management-api';
import { installOktaIdTokens } from './idp/okta-claims';
import { OKTA_API_ERRORS, oauthRefusalBody, OKTA_OAUTH_REFUSALS, oktaApiErrorBody } from './idp/okta-answers';
import { SandboxRateLimit } from './idp/rate-limit';
import { installOktaTokenEndpoint, scopeRefusal } from './idp/token-endpoint';
import { handleForJwt, looksLikeJwt } from './idp/own-tokens';
import { SandboxStore } from './idp/store';
import { sandboxUsers, userClaims } from './idp/users';
import type { SandboxUser } from './idp/users';

export type { SandboxClient, SandboxClientName, ClientAuthMethod } from './idp/clients';
export type { SandboxUser } from './idp/users';
export type { OktaUserStatus } from './idp/management-api';
export { oktaAppId } from './idp/management-api';
export { SANDBOX_ORG_IDP } from './idp/okta-claims';
export { DEFAULT_RESOURCE, OPAQUE_RESOURCE } from './idp/resources';
export { ACCESS_TOKEN_TYPE } from './idp/grants';
export { LOOPBACK_REDIRECT, CUSTOM_SCOPES, TOKEN_EXCHANGE_GRANT, DEVICE_CODE_GRANT } from './idp/clients';

/**
 * The local identity provider behind the integration tests and the
 * product's sandbox: oidc-provider dressed as an Okta custom authorization
 * server (`/oauth2/default`, `/v1/...` routes, Okta-shaped JWT access
 * tokens), served over https with a private CA and optional client
 * certificates.
 */

/** The path every endpoint lives under, as Okta's default custom authorization server. */
export const SANDBOX_MOUNT_PATH = '/oauth2/default';

export interface SandboxIdpOptions {
  /** TCP port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** CA that signs the server and client certificates; a new one by default. */
  ca?: CertificateAuthority;
  /** Receives unexpected server-side failures; the IdP itself prints nothing. */
  onError?: (error: unknown) => void;
  /**
   * Whether user access tokens carry `groups`. Okta adds it only when someone configured a groups
   * claim on the authorization server; the sandbox has one by default because its gateway's
   * /admin/orders route checks `groups_required`.
   */
  groupsClaim?: boolean;
  /** The management API's SSWS token; a random one by default (see `SandboxIdp.apiToken`). */
  apiToken?: string;
  /** Access token lifetime in seconds (default an hour): short ones let an expired token be staged for real. */
  accessTokenSeconds?: number;
}

export interface SandboxIdp {
  /** `https://127.0.0.1:<port>/oauth2/default` */
  issuer: string;
  /** `https://127.0.0.1:<port>` */
  origin: string;
  /** The CA certificate (PEM) clients must trust. */
  caPem: string;
  ca: CertificateAuthority;
  clients: Record<SandboxClientName, SandboxClient>;
  users: SandboxUser[];
  /** Signs with a new key from now on; the JWKS keeps the old key unless `dropOld`. */
  rotateKeys(options?: { dropOld?: boolean }): Promise<{ previousKid: string; currentKid: string }>;
  /** Makes the client unknown and all its tokens inactive, as deactivating an Okta app does. */
  deactivateClient(clientId: string): void;
  /** Makes the client usable again; tokens issued before the deactivation stay inactive, as at Okta. */
  reactivateClient(clientId: string): void;
  /** The token endpoint refuses the client as an access policy with no matching rule does (401 access_denied). */
  denyByPolicy(clientId: string): void;
  allowByPolicy(clientId: string): void;
  /** Allows `limit` requests a minute from now on (then 429 E0000047); undefined lifts the limit. */
  rateLimit(limit: number | undefined): void;
  /** Sets a user's lifecycle state as the management API reports it (`alice`, `bob`, or their 00u… ids). */
  setUserStatus(user: string, status: OktaUserStatus): void;
  /** `SSWS <apiToken>` authenticates to the management API at `${origin}/api/v1/`. */
  apiToken: string;
  close(): Promise<void>;
}

const BODY_LIMIT = 56 * 1024;

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

interface MountedRequest extends IncomingMessage {
  originalUrl?: string;
  baseUrl?: string;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > BODY_LIMIT)
      throw new OidcError(
        'sandbox.idp.body_too_large',
        `Request body to ${req.url ?? 'the sandbox IdP'} is larger than ${BODY_LIMIT} bytes.`,
        {
          hint: 'Send a smaller form body.',
        },
      );
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * A request carrying a given body in place of the original's consumed one,
 * on the same socket (so the TLS client certificate stays visible).
 */
function replayRequest(original: IncomingMessage, body: Buffer): IncomingMessage {
  const copy = new IncomingMessage(original.socket);
  copy.method = original.method;
  copy.url = original.url;
  copy.httpVersion = original.httpVersion;
  copy.httpVersionMajor = original.httpVersionMajor;
  copy.httpVersionMinor = original.httpVersionMinor;
  copy.headers = { ...original.headers, 'content-length': String(body.length) };
  delete copy.headers['transfer-encoding'];
  copy.push(body);
  copy.push(null);
  // An incomplete IncomingMessage destroys its socket when it is destroyed.
  copy.complete = true;
  return copy;
}

function bearerToken(req: IncomingMessage): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  return match?.[1];
}

/** Starts the sandbox IdP and resolves once it listens. */
export async function startSandboxIdp(options: SandboxIdpOptions = {}): Promise<SandboxIdp> {
  const ca = options.ca ?? createCertificateAuthority();
  const serverCert = ca.issue({ commonName: '127.0.0.1', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
  const users = sandboxUsers();
  const store = new SandboxStore(5);
  const keyring = new SigningKeyring();
  const { clients, metadata } = createSandboxClients(ca);
  for (const client of metadata) store.registerClient(client);
  const cookieKeys = [randomBytes(32).toString('base64url')];
  const apiToken = options.apiToken ?? `00${randomBytes(30).toString('base64url')}`;
  const deniedClients = new Set<string>();
  const rateLimit = new SandboxRateLimit();
  const userStatus = new Map<string, OktaUserStatus>();
  const findUser = (name: string): SandboxUser => {
    const user = users.find((candidate) => candidate.username === name || candidate.uid === name);
    if (!user) {
      throw new OidcError('sandbox.idp.unknown_user', `The sandbox IdP has no user "${name}".`, {
        hint: `Use one of: ${users.map((candidate) => candidate.username).join(', ')}.`,
      });
    }
    return user;
  };
  const report = (error: unknown): void => options.onError?.(error);

  let handler: Handler = async (_req, res) => sendJson(res, 503, { error: 'temporarily_unavailable' });
  const server: Server = createServer(
    { key: serverCert.key, cert: serverCert.cert, ca: [ca.cert], requestCert: true, rejectUnauthorized: false },
    (req, res) => {
      handler(req, res).catch((error: unknown) => {
        report(error);
        if (!res.headersSent)
          sendJson(res, 500, { error: 'server_error', error_description: 'unexpected failure in the sandbox IdP' });
        else res.destroy();
      });
    },
  );
  server.on('tlsClientError', () => undefined);

  const port = await listenLocal(server, options.port, {
    code: 'sandbox.idp.listen',
    what: 'The sandbox IdP',
    hint: 'Pick another port, or use 0 for a free one.',
  });
  const origin = `https://127.0.0.1:${port}`;
  const issuer = `${origin}${SANDBOX_MOUNT_PATH}`;

  const buildProvider = (): Provider => {
    const provider = new Provider(
      issuer,
      buildConfiguration({
        mountPath: SANDBOX_MOUNT_PATH,
        store,
        keyring,
        users,
        cookieKeys,
        groupsClaim: options.groupsClaim ?? true,
        accessTokenSeconds: options.accessTokenSeconds,
      }),
    );
    const deps = { provider, store, keyring, users };
    installOktaIdTokens(provider, users);
    installOktaTokenEndpoint(provider, { deniedClients, store });
    provider.registerGrantType(PASSWORD_GRANT, passwordGrant(deps), PASSWORD_PARAMS);
    provider.registerGrantType(TOKEN_EXCHANGE_GRANT, tokenExchangeGrant(deps), TOKEN_EXCHANGE_PARAMS);

    // RFC 8252 §7.3: native apps listen on an ephemeral loopback port, so any port (and path) is accepted there.
    const { prototype } = provider.Client;
    const exactMatch = prototype.redirectUriAllowed;
    prototype.redirectUriAllowed = function redirectUriAllowed(value: string) {
      return exactMatch.call(this, value) || (this.redirectUris.some(isLoopbackRedirect) && isLoopbackRedirect(value));
    };

    // OIDC drops offline_access unless prompt=consent; Okta does not ask for it, so the sandbox adds it.
    provider.use(async (ctx: KoaContext, next) => {
      if (ctx.method === 'GET' && ctx.path === ROUTES.authorization) {
        const { scope, prompt } = ctx.query;
        if (typeof scope === 'string' && scope.split(' ').includes('offline_access') && prompt === undefined) {
          ctx.query = { ...ctx.query, prompt: 'consent' };
        }
      }
      await next();
    });
    provider.on('server_error', (_ctx, error) => report(error));
    provider.on('error', (error) => report(error));
    return provider;
  };

  const route = (provider: Provider): Handler => {
    const callback = provider.callback();
    const forward = (req: IncomingMessage, res: ServerResponse, rest: string): Promise<void> => {
      const mounted = req as MountedRequest;
      // What express's app.use(mountPath, ...) does: oidc-provider derives its URLs from these.
      mounted.originalUrl = `${SANDBOX_MOUNT_PATH}${rest}`;
      mounted.baseUrl = SANDBOX_MOUNT_PATH;
      mounted.url = rest;
      return callback(mounted, res);
    };

    const withJwtHandle = async (req: IncomingMessage, res: ServerResponse, rest: string): Promise<void> => {
      const body = await readBody(req);
      let replayed = body;
      if (/^application\/x-www-form-urlencoded/i.test(req.headers['content-type'] ?? '')) {
        const params = new URLSearchParams(body.toString('utf8'));
        const token = params.get('token');
        if (token && looksLikeJwt(token)) {
          params.set('token', await handleForJwt(token, keyring, issuer));
          replayed = Buffer.from(params.toString());
        }
      }
      return forward(replayRequest(req, replayed), res, rest);
    };

    // oidc-provider's userinfo refuses tokens that have an audience, which all sandbox tokens do; Okta accepts them.
    const userinfo = async (res: ServerResponse, token: string): Promise<void> => {
      const handle = looksLikeJwt(token) ? await handleForJwt(token, keyring, issuer) : token;
      const accessToken = await provider.AccessToken.find(handle);
      const user = users.find((candidate) => candidate.username === accessToken?.accountId);
      if (!accessToken?.isValid || !user || !store.isClientActive(accessToken.clientId)) {
        sendJson(
          res,
          401,
          { error: 'invalid_token', error_description: 'The access token is invalid.' },
          {
            'www-authenticate': 'Bearer error="invalid_token", error_description="The access token is invalid."',
          },
        );
        return;
      }
      if (!accessToken.scopes.has('openid')) {
        sendJson(
          res,
          403,
          {
            error: 'insufficient_scope',
            error_description: 'The access token must provide access to at least one of these scopes - openid',
          },
          {
            'www-authenticate': 'Bearer error="insufficient_scope", scope="openid"',
          },
        );
        return;
      }
      // Okta's userinfo names the user by id, as its ID tokens do.
      sendJson(res, 200, { ...userClaims(user, accessToken.scopes), sub: user.uid });
    };

    const token = async (req: IncomingMessage, res: ServerResponse, rest: string): Promise<void> => {
      const body = await readBody(req);
      const refusal = scopeRefusal(new URLSearchParams(body.toString('utf8')));
      if (refusal) return sendJson(res, OKTA_OAUTH_REFUSALS[refusal].status, oauthRefusalBody(refusal));
      return forward(replayRequest(req, body), res, rest);
    };

    return async (req, res) => {
      const url = req.url ?? '/';
      const pathname = url.split('?')[0] ?? '/';
      const query = url.slice(pathname.length);

      const limit = rateLimit.take();
      if (limit) {
        for (const [name, value] of Object.entries(limit.headers)) res.setHeader(name, value);
        if (limit.limited) return sendJson(res, OKTA_API_ERRORS.E0000047.status, oktaApiErrorBody('E0000047'));
      }
      if (pathname.startsWith(MANAGEMENT_API_PREFIX)) {
        const answer = answerManagementApi(
          {
            apiToken,
            origin,
            store,
            clientIds: Object.keys(clients),
            users,
            userStatus: (name) => userStatus.get(name) ?? 'ACTIVE',
          },
          {
            method: req.method ?? 'GET',
            pathname,
            query: new URLSearchParams(query),
            authorization: req.headers.authorization,
          },
        );
        return sendJson(res, answer.status, answer.body);
      }

      if (pathname === `/.well-known/oauth-authorization-server${SANDBOX_MOUNT_PATH}`) {
        return forward(req, res, `/.well-known/oauth-authorization-server${query}`);
      }
      if (!pathname.startsWith(`${SANDBOX_MOUNT_PATH}/`)) {
        return sendJson(res, 404, {
          error: 'not_found',
          error_description: `nothing at ${pathname}; the authorization server is at ${SANDBOX_MOUNT_PATH}`,
        });
      }
      const rest = url.slice(SANDBOX_MOUNT_PATH.length);
      const restPath = pathname.slice(SANDBOX_MOUNT_PATH.length);

      if (restPath.startsWith('/interaction/')) {
        return handleInteraction(req, res, restPath, provider, users, SANDBOX_MOUNT_PATH);
      }
      if (req.method === 'POST' && restPath === ROUTES.token) return token(req, res, rest);
      if (req.method === 'POST' && (restPath === ROUTES.introspection || restPath === ROUTES.revocation)) {
        return withJwtHandle(req, res, rest);
      }
      if (restPath === ROUTES.userinfo && req.method !== 'OPTIONS') {
        const token = bearerToken(req);
        if (token) return userinfo(res, token);
      }
      return forward(req, res, rest);
    };
  };

  handler = route(buildProvider());

  return {
    issuer,
    origin,
    caPem: ca.cert,
    ca,
    clients,
    users: users.map((user) => ({ ...user, groups: [...user.groups] })),
    async rotateKeys(rotateOptions = {}) {
      const result = keyring.rotate(rotateOptions.dropOld === true);
      // oidc-provider reads its keys once; a new Provider over the same store keeps every session and token.
      handler = route(buildProvider());
      return result;
    },
    deactivateClient(clientId) {
      store.setClientActive(clientId, false);
    },
    reactivateClient(clientId) {
      store.setClientActive(clientId, true);
    },
    denyByPolicy(clientId) {
      store.requireClient(clientId);
      deniedClients.add(clientId);
    },
    allowByPolicy(clientId) {
      store.requireClient(clientId);
      deniedClients.delete(clientId);
    },
    rateLimit(limit) {
      rateLimit.set(limit);
    },
    setUserStatus(name, status) {
      userStatus.set(findUser(name).username, status);
    },
    apiToken,
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}
