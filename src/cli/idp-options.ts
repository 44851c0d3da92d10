/**
 * The options every IdP-facing command shares: which authorization server,
 * which client and how it authenticates, and how to reach it (CA, proxy,
 * timeout). Parsing them is pure (resolveIdpSpec) and lives here; connecting
 * is in idp-connect.ts, so a command can check its options and print what
 * needs no server before it loads the connector (`verify`, issue #14).
 */
import { isOidcError } from '../core/errors';
import { isSecretRef } from '../core/flow/secret-ref';
import { CLIENT_AUTH_METHODS } from '../core/oauth/client-auth-methods';
import type { ClientAuthMethod } from '../core/oauth/client-auth';
import type { EndpointField } from '../core/oauth/metadata';
import { oktaPresetIssuer } from '../core/oauth/okta';
import { UsageError } from './io';

/** The client secret's environment variable when --client-secret-env is not given. */
export const DEFAULT_SECRET_ENV = 'OIDC_CLIENT_SECRET';

// The option tables live with every command's options (completion lists them from there).
export { CLIENT_OPTIONS, IDP_OPTIONS, SERVER_OPTIONS, TRANSPORT_OPTIONS } from './command-options';

/** Help text for the server and transport options. */
export const SERVER_OPTIONS_HELP = `IdP (one of):
  --issuer URL             discover the endpoints from URL/.well-known/openid-configuration
  --okta-domain D          an Okta org, e.g. dev-123.okta.com; with --auth-server ID
                           (default "default"; "org" for the org authorization server)
  --token-endpoint URL     give endpoints by hand (also --introspection-endpoint,
                           --revocation-endpoint, --authorization-endpoint,
                           --device-authorization-endpoint, --jwks-uri); with --issuer
                           they override the discovered ones
  --file F --idp NAME      take the IdP from a flow file (--env E picks its environment;
                           secrets come from its \${env:NAME} references)
  --allow-endpoint-origin O  let discovered credential endpoints (token, introspection, ...)
                           be on origin O, not the issuer's (repeatable; e.g.
                           https://oauth2.googleapis.com for Google)
Transport:
  --ca FILE                trust this extra CA certificate (PEM)
  --insecure               skip TLS verification (never in production)
  --proxy URL              HTTP(S) proxy (default: HTTPS_PROXY/NO_PROXY)
  --timeout MS             deadline per request: connect, headers and whole body (default 60000)
`;

/** Help text for the client options. */
export const CLIENT_OPTIONS_HELP = `Client:
  --client-id ID           the application's client id
  --client-auth METHOD     client_secret_basic, client_secret_post, client_secret_jwt,
                           private_key_jwt, tls_client_auth, self_signed_tls_client_auth
                           or none (default: client_secret_basic with a secret, private_key_jwt
                           with a key, tls_client_auth with a certificate, else none)
  --client-secret-env NAME read the client secret from this environment variable
                           (default ${DEFAULT_SECRET_ENV}); secrets are never flag values
  --private-key-file F     private_key_jwt key (PEM or JWK JSON), with --key-id KID
  --cert-file F --key-file F  client certificate and key (PEM) for mutual TLS
`;

/** The parsed values of the options above (all optional). */
export interface IdpOptionValues {
  ca?: string;
  insecure?: boolean;
  proxy?: string;
  timeout?: string;
  issuer?: string;
  'okta-domain'?: string;
  'auth-server'?: string;
  'token-endpoint'?: string;
  'introspection-endpoint'?: string;
  'revocation-endpoint'?: string;
  'authorization-endpoint'?: string;
  'device-authorization-endpoint'?: string;
  'jwks-uri'?: string;
  'allow-endpoint-origin'?: string[];
  file?: string;
  idp?: string;
  env?: string;
  'client-id'?: string;
  'client-auth'?: string;
  'client-secret-env'?: string;
  'private-key-file'?: string;
  'key-id'?: string;
  'cert-file'?: string;
  'key-file'?: string;
}

/** Where the authorization server's metadata comes from. */
export type ServerSource =
  | { kind: 'issuer'; issuer: string; label: string }
  | { kind: 'endpoints' }
  | { kind: 'file'; file: string; idp?: string; env?: string };

/** The client as given on the command line; files are read by connectIdp. */
export interface ClientSpec {
  clientId?: string;
  authMethod?: ClientAuthMethod;
  clientSecret?: string;
  /** The environment variable the secret came from (for messages; never the value). */
  secretEnv: string;
  privateKeyFile?: string;
  keyId?: string;
  certFile?: string;
  keyFile?: string;
}

/** Everything the IdP options say, validated but not yet connected. */
export interface IdpSpec {
  server: ServerSource;
  /** Endpoints given by hand; they win over discovered ones. */
  endpoints: Partial<Record<EndpointField, string>>;
  /** Origins besides the issuer's that discovered credential endpoints may use. */
  allowEndpointOrigins?: string[];
  client: ClientSpec;
}

const ENDPOINT_FLAGS: Array<[flag: keyof IdpOptionValues, field: EndpointField]> = [
  ['token-endpoint', 'token_endpoint'],
  ['introspection-endpoint', 'introspection_endpoint'],
  ['revocation-endpoint', 'revocation_endpoint'],
  ['authorization-endpoint', 'authorization_endpoint'],
  ['device-authorization-endpoint', 'device_authorization_endpoint'],
  ['jwks-uri', 'jwks_uri'],
];

const SECRET_FLAGS: Record<string, string> = {
  '--client-secret': '--client-secret-env NAME (default OIDC_CLIENT_SECRET)',
  '--secret': '--client-secret-env NAME (default OIDC_CLIENT_SECRET)',
  '--password': '--password-env NAME',
  '--token': '--token-env NAME',
  '--refresh-token': '--refresh-token-env NAME',
  '--subject-token': '--subject-token-env NAME',
};

/** Refuses secrets given as flag values: they would land in shell history and process lists. */
export function rejectSecretFlags(args: readonly string[]): void {
  for (const arg of args) {
    if (arg === '--') return;
    const name = arg.split('=')[0]!;
    const instead = SECRET_FLAGS[name];
    if (instead) {
      throw new UsageError(
        `${name} is not accepted: a secret given on the command line lands in shell history and process lists. Put it in an environment variable and name it with ${instead}.`,
      );
    }
  }
}

function httpUrl(value: string, flag: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${flag} takes an absolute URL, got "${value}".`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new UsageError(`${flag} takes an http(s) URL, got "${value}".`);
  return value;
}

function resolveServer(values: IdpOptionValues): ServerSource | undefined {
  const given = (['issuer', 'okta-domain', 'file'] as const).filter((flag) => values[flag] !== undefined);
  if (given.length > 1)
    throw new UsageError(
      `Give only one of --issuer, --okta-domain and --file (got ${given.map((f) => `--${f}`).join(' and ')}).`,
    );
  if (values['auth-server'] !== undefined && values['okta-domain'] === undefined)
    throw new UsageError('--auth-server goes with --okta-domain.');
  if ((values.idp !== undefined || values.env !== undefined) && values.file === undefined)
    throw new UsageError('--idp and --env pick from a flow file: add --file.');
  if (values.file !== undefined) {
    const manual = ENDPOINT_FLAGS.filter(([flag]) => values[flag] !== undefined).map(([flag]) => `--${flag}`);
    if (manual.length > 0)
      throw new UsageError(
        `${manual.join(', ')} cannot be combined with --file: the flow file's IdP names its endpoints.`,
      );
    return { kind: 'file', file: values.file, idp: values.idp, env: values.env };
  }
  if (values.issuer !== undefined)
    return { kind: 'issuer', issuer: httpUrl(values.issuer, '--issuer'), label: values.issuer };
  if (values['okta-domain'] !== undefined) {
    try {
      const issuer = oktaPresetIssuer({ domain: values['okta-domain'], authorizationServerId: values['auth-server'] });
      return { kind: 'issuer', issuer, label: `Okta ${issuer}` };
    } catch (error) {
      if (isOidcError(error)) throw new UsageError(error.toUserMessage());
      throw error;
    }
  }
  return ENDPOINT_FLAGS.some(([flag]) => values[flag] !== undefined) ? { kind: 'endpoints' } : undefined;
}

/** The flow-file reference to the client secret's environment variable. */
export function secretEnvRef(name: string): string {
  return `\${env:${name}}`;
}

function resolveClient(values: IdpOptionValues, env: Record<string, string | undefined>): ClientSpec {
  const method = values['client-auth'];
  if (method !== undefined && !(CLIENT_AUTH_METHODS as readonly string[]).includes(method)) {
    throw new UsageError(`Unknown --client-auth "${method}": use one of ${CLIENT_AUTH_METHODS.join(', ')}.`);
  }
  if ((values['cert-file'] === undefined) !== (values['key-file'] === undefined))
    throw new UsageError('--cert-file and --key-file go together (the client certificate and its private key).');
  const secretEnv = values['client-secret-env'] ?? DEFAULT_SECRET_ENV;
  if (!isSecretRef(secretEnvRef(secretEnv)))
    throw new UsageError(
      `--client-secret-env takes an environment variable name (letters, digits, _ . - /), got "${secretEnv}".`,
    );
  const secret = env[secretEnv];
  if (values['client-secret-env'] !== undefined && !secret) {
    throw new UsageError(`The environment variable ${secretEnv} (from --client-secret-env) is not set or empty.`);
  }
  const clientSecret = secret || undefined;
  const authMethod =
    (method as ClientAuthMethod | undefined) ??
    (values['private-key-file'] ? 'private_key_jwt' : values['cert-file'] ? 'tls_client_auth' : undefined);
  const needsSecret =
    authMethod === 'client_secret_basic' || authMethod === 'client_secret_post' || authMethod === 'client_secret_jwt';
  if (needsSecret && !clientSecret && values.file === undefined)
    throw new UsageError(
      `--client-auth ${authMethod} needs the client secret: set ${secretEnv}${values['client-secret-env'] ? '' : ' or name another variable with --client-secret-env'}.`,
    );
  if (authMethod === 'private_key_jwt' && !values['private-key-file'] && values.file === undefined)
    throw new UsageError('--client-auth private_key_jwt needs --private-key-file.');
  if (
    (authMethod === 'tls_client_auth' || authMethod === 'self_signed_tls_client_auth') &&
    !values['cert-file'] &&
    values.file === undefined
  ) {
    throw new UsageError(`--client-auth ${authMethod} needs --cert-file and --key-file.`);
  }
  return {
    clientId: values['client-id'],
    authMethod,
    clientSecret,
    secretEnv,
    privateKeyFile: values['private-key-file'],
    keyId: values['key-id'],
    certFile: values['cert-file'],
    keyFile: values['key-file'],
  };
}

/**
 * Validates the IdP options without any I/O. Undefined when none names an
 * authorization server (the caller decides whether that is an error).
 */
export function resolveIdpSpec(values: IdpOptionValues, env: Record<string, string | undefined>): IdpSpec | undefined {
  const server = resolveServer(values);
  const client = resolveClient(values, env);
  if (!server) {
    if (client.clientId !== undefined)
      throw new UsageError(
        '--client-id needs an IdP: give --issuer, --okta-domain, --file with --idp, or the endpoints.',
      );
    return undefined;
  }
  const endpoints: IdpSpec['endpoints'] = {};
  for (const [flag, field] of ENDPOINT_FLAGS) {
    const value = values[flag];
    if (typeof value === 'string') endpoints[field] = httpUrl(value, `--${flag}`);
  }
  const origins = (values['allow-endpoint-origin'] ?? []).map(
    (value) => new URL(httpUrl(value, '--allow-endpoint-origin')).origin,
  );
  return { server, endpoints, client, ...(origins.length ? { allowEndpointOrigins: origins } : {}) };
}

/** Like resolveIdpSpec, but an IdP is required. */
export function requireIdpSpec(values: IdpOptionValues, env: Record<string, string | undefined>): IdpSpec {
  const spec = resolveIdpSpec(values, env);
  if (!spec)
    throw new UsageError(
      'Name the IdP: --issuer URL, --okta-domain D, --file F --idp NAME, or the endpoints by hand (--token-endpoint ...).',
    );
  return spec;
}
