import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, waitForPort } from './ports';

const run = promisify(execFile);
export const APACHE_BIN = '/usr/sbin/apache2';
export const APACHE_TEMPLATE = join(__dirname, '..', 'fixtures', 'apache', 'oidc-gateway.conf');
/** The local-JWT variant: OIDCOAuthVerifyJwksUri instead of the introspection endpoint. */
export const APACHE_JWT_TEMPLATE = join(__dirname, '..', 'fixtures', 'apache', 'oidc-gateway-jwt.conf');

export interface ApacheGateway {
  url: string;
  confPath: string;
  /** Where Apache writes its error log (what --gateway-log or a route's log.file names). */
  errorLogPath: string;
  errorLog(): string;
  close(): Promise<void>;
}

/** Why Apache cannot run here, or undefined when it can. */
export function apacheUnavailable(): string | undefined {
  if (!existsSync(APACHE_BIN))
    return `${APACHE_BIN} is not installed (apt-get install apache2 libapache2-mod-auth-openidc)`;
  if (!existsSync('/usr/lib/apache2/modules/mod_auth_openidc.so'))
    return 'mod_auth_openidc is not installed (apt-get install libapache2-mod-auth-openidc)';
  if (process.getuid?.() !== 0) return 'Apache is started as root here (it drops to www-data); run the tests as root';
  return undefined;
}

/** Apache introspecting every token at the IdP (OIDCOAuthIntrospectionEndpoint). */
export interface ApacheIntrospectionOptions {
  introspectionEndpoint: string;
  clientId: string;
  clientSecret: string;
  caPem: string;
  upstream: string;
}

/** Apache verifying JWT access tokens itself against the IdP's keys (OIDCOAuthVerifyJwksUri, https). */
export interface ApacheLocalJwtOptions {
  jwksUri: string;
  caPem: string;
  upstream: string;
  /** The claim that becomes REMOTE_USER; a token without it is refused (default client_id). */
  remoteUserClaim?: string;
  /** `Require claim` values (e.g. { aud: 'orders-api' }); none means `Require valid-user`. */
  requireClaims?: Record<string, string>;
}

/**
 * Starts Apache with mod_auth_openidc, introspecting at the given endpoint or
 * (with jwksUri) verifying JWTs locally; stop it with close().
 */
export async function startApacheGateway(
  options: ApacheIntrospectionOptions | ApacheLocalJwtOptions,
): Promise<ApacheGateway> {
  const localJwt = 'jwksUri' in options;
  const runDir = mkdtempSync(join(tmpdir(), 'oidc-apache-'));
  chmodSync(runDir, 0o755);
  mkdirSync(join(runDir, 'www'));
  chmodSync(join(runDir, 'www'), 0o755);
  writeFileSync(join(runDir, 'ca.pem'), options.caPem, { mode: 0o644 });
  const port = await freePort();
  const modeValues: Record<string, string> = localJwt
    ? {
        JWKS_URI: options.jwksUri,
        REMOTE_USER_CLAIM: options.remoteUserClaim ?? 'client_id',
        REQUIRE: Object.entries(options.requireClaims ?? {}).length
          ? Object.entries(options.requireClaims ?? {})
              .map(([name, value]) => `Require claim ${name}:${value}`)
              .join('\n  ')
          : 'Require valid-user',
      }
    : {
        INTROSPECTION_ENDPOINT: options.introspectionEndpoint,
        CLIENT_ID: options.clientId,
        CLIENT_SECRET: options.clientSecret,
      };
  const values: Record<string, string> = {
    RUN_DIR: runDir,
    PORT: String(port),
    PASSPHRASE: randomBytes(16).toString('hex'),
    UPSTREAM: options.upstream,
    ...modeValues,
  };
  const conf = readFileSync(localJwt ? APACHE_JWT_TEMPLATE : APACHE_TEMPLATE, 'utf8').replace(
    /\$\{([A-Z_]+)\}/g,
    (whole, name: string) => values[name] ?? whole,
  );
  const confPath = join(runDir, 'httpd.conf');
  writeFileSync(confPath, conf, { mode: 0o600 });
  const errorLog = () => (existsSync(join(runDir, 'error.log')) ? readFileSync(join(runDir, 'error.log'), 'utf8') : '');
  try {
    await run(APACHE_BIN, ['-f', confPath, '-k', 'start'], {
      env: { ...process.env, APACHE_RUN_DIR: runDir, APACHE_LOCK_DIR: runDir, APACHE_LOG_DIR: runDir },
    });
    await waitForPort(port, 10_000, 'Apache');
  } catch (error) {
    rmSync(runDir, { recursive: true, force: true });
    throw new Error(`Apache failed to start: ${error instanceof Error ? error.message : String(error)}\n${errorLog()}`);
  }
  return {
    url: `http://127.0.0.1:${port}`,
    confPath,
    errorLogPath: join(runDir, 'error.log'),
    errorLog,
    close: async () => {
      await run(APACHE_BIN, ['-f', confPath, '-k', 'stop'], {
        env: { ...process.env, APACHE_RUN_DIR: runDir, APACHE_LOCK_DIR: runDir, APACHE_LOG_DIR: runDir },
      }).catch(() => undefined);
      const pidFile = join(runDir, 'httpd.pid');
      const deadline = Date.now() + 5000;
      while (existsSync(pidFile) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      rmSync(runDir, { recursive: true, force: true });
    },
  };
}
