/**
 * Connecting the IdP the command-line options describe (idp-options.ts parses them): reads the key
 * files and the flow file, then hands the core connector the IdP a flow file would write
 * (connectIdp). Kept apart from the parsing, so that a command loads it only when it connects.
 */
import type { Clock } from '../core/clock';
import { ENDPOINT_METADATA_FIELDS } from '../core/flow/file-format';
import type { IdpConfig, IdpEndpoints, OktaApiConfig } from '../core/flow/file-format';
import type { HttpClient } from '../core/http/types';
import { connectIdp as connectCore } from '../core/oauth/connect-idp';
import type { ConnectedIdp as CoreConnectedIdp, IdpConnectConfig } from '../core/oauth/connect-idp';
import type { IdpOptionValues, IdpSpec, ServerSource } from './idp-options';
import { requireIdpSpec, secretEnvRef } from './idp-options';
import type { CliIo } from './io';
import { UsageError } from './io';
import { readCliTextFile, readNamedFile } from './read-input';
import { cliHttpClient } from './runtime';
import { readTokenInput } from './token-input';

/** An IdP ready to call, with the token request defaults of a flow file's IdP. */
export interface ConnectedIdp extends CoreConnectedIdp {
  defaults: { scopes?: string[]; audience?: string; resource?: string; extra?: Record<string, string> };
}

export interface ConnectOptions {
  http: HttpClient;
  io: CliIo;
  clock?: Clock;
  /** The command calls client-authenticated endpoints, so a client id is required. */
  needClient: boolean;
  /** Fetch the discovery document when an issuer is known (default true). */
  discovery?: boolean;
  /** Reads key, certificate, CA and flow files (injectable for tests). */
  readTextFile?: (path: string) => Promise<string>;
  /** Okta's management API as flags give it; wins over the flow file's oktaApi. */
  oktaApi?: OktaApiConfig;
}

function readNamed(path: string, flag: string, read: (path: string) => Promise<string>): Promise<string> {
  return readNamedFile(path, `${path} (${flag})`, { where: flag, read });
}

async function idpFromFile(
  source: Extract<ServerSource, { kind: 'file' }>,
  io: CliIo,
  read: (path: string) => Promise<string>,
): Promise<IdpConnectConfig> {
  const text = await readNamed(source.file, '--file', read);
  // Only --file needs the flow-file loader (ajv, the schema, JSONPath): loaded
  // here, `verify` and `token` with --issuer never parse it (issue #14, CLI start).
  const [{ loadFlowFile }, { selectEnvironment }, { renderEnvironment }] = await Promise.all([
    import('../core/flow/load'),
    import('../core/flow/select'),
    import('../core/flow/template'),
  ]);
  const { file } = loadFlowFile(text, { fileName: source.file });
  const idps = Object.keys(file.idps ?? {});
  const name = source.idp ?? (idps.length === 1 ? idps[0] : undefined);
  if (!name)
    throw new UsageError(
      idps.length === 0
        ? `${source.file} defines no IdPs.`
        : `${source.file} has several IdPs; pick one with --idp: ${idps.join(', ')}.`,
    );
  const idp = file.idps?.[name];
  if (!idp) throw new UsageError(`${source.file} has no IdP "${name}"; it has: ${idps.join(', ') || 'none'}.`);
  const environment = selectEnvironment(file, source.env);
  const env = renderEnvironment(environment, { env: io.env });
  return { name, idp, env };
}

/** The IdP the server flags describe, in the shape a flow file would write it. */
function idpFromFlags(spec: IdpSpec): IdpConnectConfig {
  const endpoints: IdpEndpoints = {};
  for (const [name, field] of ENDPOINT_METADATA_FIELDS) {
    const url = spec.endpoints[field];
    if (url) endpoints[name] = url;
  }
  const server = spec.server;
  return {
    name: server.kind === 'issuer' ? server.label : 'from the command line',
    idp: { ...(server.kind === 'issuer' ? { issuer: server.issuer } : {}), endpoints },
  };
}

/**
 * Builds the core connector's config from the command line: the flow file's
 * IdP (or one made of the server flags), with the client flags written over
 * it, and the key files read here, then connects through the core.
 */
export async function connectIdp(spec: IdpSpec, options: ConnectOptions): Promise<ConnectedIdp> {
  const read = options.readTextFile ?? readCliTextFile;
  const base = spec.server.kind === 'file' ? await idpFromFile(spec.server, options.io, read) : idpFromFlags(spec);
  const c = spec.client;
  const idp: IdpConfig = {
    ...base.idp,
    ...(c.clientId !== undefined ? { clientId: c.clientId } : {}),
    ...(c.authMethod ? { clientAuth: c.authMethod } : {}),
    // A reference, not the value: the secret is resolved by the connector and never rendered as a template.
    ...(c.clientSecret ? { clientSecret: secretEnvRef(c.secretEnv) } : {}),
    ...(c.keyId !== undefined ? { keyId: c.keyId } : {}),
    ...(options.discovery === false ? { discovery: false } : {}),
    ...(options.oktaApi ? { oktaApi: options.oktaApi } : {}),
    ...(spec.allowEndpointOrigins
      ? { allowEndpointOrigins: [...(base.idp.allowEndpointOrigins ?? []), ...spec.allowEndpointOrigins] }
      : {}),
  };
  const keys = {
    privateKey: c.privateKeyFile ? await readNamed(c.privateKeyFile, '--private-key-file', read) : undefined,
    certificate: c.certFile ? await readNamed(c.certFile, '--cert-file', read) : undefined,
    certificateKey: c.keyFile ? await readNamed(c.keyFile, '--key-file', read) : undefined,
  };
  // The spec already read the secret's variable; its value stands whatever the environment says now.
  const env = c.clientSecret ? { ...options.io.env, [c.secretEnv]: c.clientSecret } : options.io.env;
  const connected = await connectCore(
    { ...base, idp, keys },
    { http: options.http, secrets: { env }, clock: options.clock, readTextFile: read },
  );
  if (options.needClient && !connected.ctx.client.clientId)
    throw new UsageError('--client-id is required: the IdP authenticates the application that calls it.');
  const { scopes, audience, resource, extra } = connected.config;
  return {
    ...connected,
    defaults: {
      scopes,
      audience,
      resource: Array.isArray(resource) ? resource[0] : resource,
      extra: extra ? Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, String(v)])) : undefined,
    },
  };
}

/**
 * What verify, introspect and revoke share: an HTTP client made from the server flags (--proxy,
 * --ca, --insecure, --timeout), the IdP connected over it, `use` run with the IdP, and the client
 * closed afterwards whatever `use` did.
 */
export async function withConnectedIdp<T>(
  spec: IdpSpec,
  serverFlags: Omit<Parameters<typeof cliHttpClient>[0], 'io'>,
  options: Omit<ConnectOptions, 'http'>,
  use: (idp: ConnectedIdp) => Promise<T>,
): Promise<T> {
  const http = await cliHttpClient({ ...serverFlags, io: options.io });
  try {
    return await use(await connectIdp(spec, { ...options, http }));
  } finally {
    await http.close();
  }
}

/**
 * What introspect and revoke share: the IdP from the flags, the one token (argument, standard input or
 * --token-env, with its --hint checked against `hints`), then `use` with the IdP connected as this
 * client (withConnectedIdp).
 */
export async function withTokenAtIdp<T>(
  values: IdpOptionValues & Omit<Parameters<typeof cliHttpClient>[0], 'io'> & { 'token-env'?: string; hint?: string },
  positionals: readonly string[],
  hints: readonly string[],
  io: CliIo,
  use: (idp: ConnectedIdp, token: string) => Promise<T>,
): Promise<T> {
  const spec = requireIdpSpec(values, io.env);
  const { token } = await readTokenInput(positionals, values, hints, io);
  return withConnectedIdp(spec, values, { io, needClient: true }, (idp) => use(idp, token));
}
