import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Agent, request } from 'undici';
import { createCertificateAuthority } from '../../src/core/sandbox/certs';
import { freePort, waitForPort } from './ports';

/**
 * Glewlwyd 2.7 (Debian's `glewlwyd` package), a real OAuth2/OpenID Connect
 * server in C, run on loopback for the integration tests.
 *
 * Each start is a fresh temp dir: a sqlite database made by the sqlite3 CLI
 * from the package's own schema (the dbconfig-common install script, which
 * also creates the `admin` user with password `password`), a config that
 * binds 127.0.0.1 on a free port, and, by default, a TLS certificate from a
 * throwaway CA (Glewlwyd serves TLS itself with use_secure_connection;
 * mod_auth_openidc insists on an https introspection endpoint).
 *
 * Provisioning goes through Glewlwyd's own admin REST API: POST /api/auth/
 * with the admin's password gives a session cookie, which the admin API
 * accepts (admin_session_authentication="cookie"). Then:
 * - the scopes `orders:read` and `introspect` (no password needed);
 * - the OIDC plugin instance `oidc` (issuer <origin>/api/oidc): access tokens
 *   are JWTs signed RS256 with a key made here (node:crypto, handed over as
 *   `jwks-private`), client credentials enabled, introspection and revocation
 *   enabled in both of Glewlwyd's modes: "target client" (HTTP Basic of a
 *   client) and bearer (an access token carrying the scope `introspect`);
 * - the client `app` (confidential, client_secret_basic, client_credentials,
 *   scope orders:read) and the client `gateway` (the same, scope introspect).
 *
 * Who may introspect, from protocol_oidc.c of 2.7.5
 * (get_client_id_for_introspection, callback_check_intropect_revoke): with
 * only `introspection-revocation-allow-target-client`, a client's Basic auth
 * is accepted (it needs the client_credentials authorization type) but the
 * token lookup is filtered by that client id, so a gateway client gets
 * {"active":false} for every token it did not get itself. When
 * `introspection-revocation-auth-scope` is also set, any request with an
 * Authorization header (Basic included) skips that filter: the gateway's
 * client_secret_basic (what mod_auth_openidc sends) sees every token. That is
 * the layout here, so the gateway client can introspect the app's tokens.
 */

const run = promisify(execFile);
export const GLEWLWYD_BIN = '/usr/bin/glewlwyd';
/** The package's sqlite schema and initial data (uncompressed, unlike the copy under /usr/share/doc). */
export const GLEWLWYD_SCHEMA = '/usr/share/dbconfig-common/data/glewlwyd/install/sqlite3';
const SQLITE_BIN = '/usr/bin/sqlite3';
const MODULES = '/usr/lib/glewlwyd';
const PLUGIN = 'oidc';

export interface GlewlwydClient {
  clientId: string;
  clientSecret: string;
}

export interface Glewlwyd {
  /** http(s)://127.0.0.1:<port> */
  origin: string;
  issuer: string;
  discoveryUrl: string;
  tokenEndpoint: string;
  introspectionEndpoint: string;
  revocationEndpoint: string;
  jwksUri: string;
  /** The CA that signed the server certificate (undefined without TLS). */
  caPem?: string;
  /** The `kid` of the RS256 signing key. */
  kid: string;
  clients: { app: GlewlwydClient; gateway: GlewlwydClient };
  /** Scope the gateway's access token needs for bearer-authenticated introspection. */
  introspectScope: string;
  /** Enables or disables a client through the admin API (PUT /api/client/<id>), as an admin deactivating the app. */
  setClientEnabled(client: 'app' | 'gateway', enabled: boolean): Promise<void>;
  /** Everything the daemon printed (its log goes to the console). */
  errorLog(): string;
  close(): Promise<void>;
}

export interface GlewlwydOptions {
  /** Serve https with a certificate from a throwaway CA (default true). */
  tls?: boolean;
  /** Access token lifetime in seconds (default 3600). */
  accessTokenSeconds?: number;
}

/** Why Glewlwyd cannot run here, or undefined when it can. */
export function glewlwydUnavailable(): string | undefined {
  if (!existsSync(GLEWLWYD_BIN)) return `${GLEWLWYD_BIN} is not installed (apt-get install glewlwyd)`;
  if (!existsSync(GLEWLWYD_SCHEMA)) return `${GLEWLWYD_SCHEMA} is missing (apt-get install --reinstall glewlwyd)`;
  if (!existsSync(SQLITE_BIN)) return `${SQLITE_BIN} is not installed (apt-get install sqlite3)`;
  return undefined;
}

function configFile(v: { port: number; origin: string; dbPath: string; tls?: { key: string; cert: string } }): string {
  const lines = [
    `port=${v.port}`,
    'bind_address="127.0.0.1"',
    `external_url="${v.origin}"`,
    'login_url="login.html"',
    'api_prefix="api"',
    'log_mode="console"',
    'log_level="DEBUG"',
    'cookie_secure=0',
    'session_expiration=3600',
    'session_key="GLEWLWYD2_SESSION_ID"',
    'admin_scope="g_admin"',
    'profile_scope="g_profile"',
    'admin_session_authentication="cookie"',
    'profile_session_authentication="cookie"',
    `user_module_path="${MODULES}/user"`,
    `client_module_path="${MODULES}/client"`,
    `user_auth_scheme_module_path="${MODULES}/scheme"`,
    `plugin_module_path="${MODULES}/plugin"`,
    'hash_algorithm="SHA512"',
    `database = { type = "sqlite3" path = "${v.dbPath}" }`,
  ];
  // Not `use_secure_connection=false` for plain http: 2.7 then still reads the
  // cert files and exits ("certificate is not valid"); leaving it out works.
  if (v.tls)
    lines.push(
      'use_secure_connection=true',
      `secure_connection_key_file="${v.tls.key}"`,
      `secure_connection_pem_file="${v.tls.cert}"`,
    );
  return `${lines.join('\n')}\n`;
}

/** Starts Glewlwyd on 127.0.0.1 and provisions the OIDC plugin and two clients; stop it with close(). */
export async function startGlewlwyd(options: GlewlwydOptions = {}): Promise<Glewlwyd> {
  const tls = options.tls ?? true;
  const dir = mkdtempSync(join(tmpdir(), 'oidc-glewlwyd-'));
  const port = await freePort();
  const origin = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  const dbPath = join(dir, 'glewlwyd.sqlite3');
  let caPem: string | undefined;
  let tlsFiles: { key: string; cert: string } | undefined;
  if (tls) {
    const ca = createCertificateAuthority('Glewlwyd test CA');
    const server = ca.issue({ commonName: '127.0.0.1', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
    tlsFiles = { key: join(dir, 'server.key'), cert: join(dir, 'server.pem') };
    writeFileSync(tlsFiles.key, server.key, { mode: 0o600 });
    writeFileSync(tlsFiles.cert, server.cert);
    caPem = ca.cert;
  }
  const confPath = join(dir, 'glewlwyd.conf');
  writeFileSync(confPath, configFile({ port, origin, dbPath, tls: tlsFiles }), { mode: 0o600 });

  const output: string[] = [];
  const errorLog = () => output.join('');
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const stop = async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child?.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const agent = new Agent({ connect: caPem ? { ca: caPem } : {} });
  try {
    await run(SQLITE_BIN, [dbPath, `.read ${GLEWLWYD_SCHEMA}`]);
    child = spawn(GLEWLWYD_BIN, [`--config-file=${confPath}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    const proc = child;
    proc.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    proc.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString('utf8')));
    exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    const died = exited.then(() => {
      throw new Error(`glewlwyd exited (code ${proc.exitCode}, signal ${proc.signalCode})`);
    });
    died.catch(() => undefined);
    await Promise.race([waitForPort(port, 10_000, 'Glewlwyd'), died]);

    const kid = `glewlwyd-test-${randomBytes(4).toString('hex')}`;
    const clients = {
      app: { clientId: 'app', clientSecret: randomBytes(18).toString('base64url') },
      gateway: { clientId: 'gateway', clientSecret: randomBytes(18).toString('base64url') },
    };
    const admin = await provision({
      origin,
      agent,
      kid,
      clients,
      accessTokenSeconds: options.accessTokenSeconds ?? 3600,
    });
    const issuer = `${origin}/api/${PLUGIN}`;
    return {
      origin,
      issuer,
      discoveryUrl: `${issuer}/.well-known/openid-configuration`,
      tokenEndpoint: `${issuer}/token`,
      introspectionEndpoint: `${issuer}/introspect`,
      revocationEndpoint: `${issuer}/revoke`,
      jwksUri: `${issuer}/jwks`,
      caPem,
      kid,
      clients,
      introspectScope: 'introspect',
      setClientEnabled: (name, enabled) =>
        admin('PUT', `/client/${clients[name].clientId}`, { ...clientBody(clients[name], name), enabled }),
      errorLog,
      close: async () => {
        await agent.close();
        await stop();
      },
    };
  } catch (error) {
    await agent.close();
    await stop();
    throw new Error(
      `Glewlwyd failed to start: ${error instanceof Error ? error.message : String(error)}\n${errorLog().slice(-4000)}`,
    );
  }
}

type AdminCall = (method: 'POST' | 'PUT', path: string, body: unknown) => Promise<void>;

/** A client as the admin API takes it: confidential, client_secret_basic, client credentials only. */
function clientBody(c: GlewlwydClient, name: 'app' | 'gateway') {
  return {
    client_id: c.clientId,
    name: c.clientId,
    confidential: true,
    enabled: true,
    // `password` is stored hashed and checked against client_secret_basic.
    password: c.clientSecret,
    authorization_type: ['client_credentials'],
    token_endpoint_auth_method: ['client_secret_basic'],
    scope: name === 'app' ? ['orders:read'] : ['introspect'],
    redirect_uri: [],
  };
}

/** Provisions the scopes, the OIDC plugin and the clients; returns the admin session's API call for later changes. */
async function provision(v: {
  origin: string;
  agent: Agent;
  kid: string;
  clients: { app: GlewlwydClient; gateway: GlewlwydClient };
  accessTokenSeconds: number;
}): Promise<AdminCall> {
  const api = `${v.origin}/api`;
  // The schema's admin user; the daemon only listens on loopback, and only for the test.
  const login = await request(`${api}/auth/`, {
    method: 'POST',
    dispatcher: v.agent,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: 'password' }),
  });
  await login.body.text();
  const setCookie = login.headers['set-cookie'];
  const cookie = (Array.isArray(setCookie) ? setCookie : [setCookie ?? ''])
    .map((c) => c.split(';')[0])
    .find((c) => c.startsWith('GLEWLWYD2_SESSION_ID='));
  if (login.statusCode !== 200 || !cookie)
    throw new Error(`admin login at ${api}/auth/ answered ${login.statusCode} without a session cookie`);

  const admin: AdminCall = async (method, path, body) => {
    const res = await request(`${api}${path}`, {
      method,
      dispatcher: v.agent,
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify(body),
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`admin API ${method} ${path} answered ${res.statusCode}: ${text}`);
  };

  for (const name of ['orders:read', 'introspect']) {
    await admin('POST', '/scope', {
      name,
      display_name: name,
      description: `test scope ${name}`,
      password_required: false,
      scheme: {},
    });
  }

  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: v.kid, alg: 'RS256', use: 'sig' };
  await admin('POST', '/mod/plugin', {
    module: 'oidc',
    name: PLUGIN,
    display_name: 'OpenID Connect (test)',
    enabled: true,
    parameters: {
      iss: `${v.origin}/api/${PLUGIN}`,
      'jwks-private': JSON.stringify({ keys: [jwk] }),
      'default-kid': v.kid,
      'jwks-show': true,
      'access-token-duration': v.accessTokenSeconds,
      'refresh-token-duration': 1209600,
      'code-duration': 600,
      'allow-non-oidc': true,
      'auth-type-client-enabled': true,
      'auth-type-code-enabled': true,
      'auth-type-refresh-enabled': true,
      'subject-type': 'public',
      'introspection-revocation-allowed': true,
      'introspection-revocation-allow-target-client': true,
      'introspection-revocation-auth-scope': ['introspect'],
    },
  });

  await admin('POST', '/client', clientBody(v.clients.app, 'app'));
  await admin('POST', '/client', clientBody(v.clients.gateway, 'gateway'));
  return admin;
}
