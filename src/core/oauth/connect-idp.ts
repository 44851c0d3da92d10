/**
 * One way to turn an IdP description into something to call: transport
 * options (CA file, insecure), the issuer (Okta presets included), the
 * metadata (discovery, then endpoints written by hand), the client and how
 * it authenticates. The flow runner, the CLI and the extension all connect
 * through here, so they agree on defaults and on what a broken
 * configuration is called.
 */
import { tryUrl } from '../url';
import { isOktaIssuer } from './okta';
import type { Clock } from '../clock';
import { isOidcError, OidcError } from '../errors';
import { readTextFile } from '../text-file';
import type { IdpConfig, OktaApiConfig } from '../flow/file-format';
import { ENDPOINT_METADATA_FIELDS } from '../flow/file-format';
import type { SecretSources } from '../flow/secret-ref';
import type * as Template from '../flow/template';
import type * as UrlVariables from '../flow/url-variables';
import { readCaText } from '../http/ca-file';
import type { HttpClient, HttpOptions } from '../http/types';
import { JwksCache } from '../jwt/jwks';
import type { ClientAuthMethod, ClientConfig } from './client-auth';
import type { OAuthContext } from './context';
import { checkEndpointOrigins, discover } from './discovery';
import type { DiscoveryCache } from './discovery';
import type { AuthorizationServerMetadata } from './metadata';
import { oktaPresetIssuer } from './okta';

let templateModule: typeof Template | undefined;
let urlVariablesModule: typeof UrlVariables | undefined;

/*
 * The template engine (and jsonpath, did-you-mean) loads when an IdP holds something to render: an
 * IdP made of command-line flags without a secret (`oidc-flow verify --jwks-uri`) never does (issue
 * #14, CLI start). A `require` from src/ is where esbuild.config.mjs cuts the CLI's bundles.
 */
/* eslint-disable @typescript-eslint/no-require-imports */
const templates = (): typeof Template => (templateModule ??= require('../flow/template') as typeof Template);
const urlVariables = (): typeof UrlVariables =>
  (urlVariablesModule ??= require('../flow/url-variables') as typeof UrlVariables);
/* eslint-enable @typescript-eslint/no-require-imports */

/**
 * Whether any string in `value` holds a `{{` template or a `${` reference: what renderTemplate (with
 * secrets) and emptyHostVariables act on. Without one, both give back what they were given.
 */
function holdsTemplate(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('{{') || value.includes('${');
  if (Array.isArray(value)) return value.some(holdsTemplate);
  if (value !== null && typeof value === 'object') return Object.values(value).some(holdsTemplate);
  return false;
}

/** An IdP to connect to, as a flow file writes it. */
export interface IdpConnectConfig {
  /** The IdP's name; messages and locations say `idps.<name>`. */
  name: string;
  /** The IdP with its `{{env.*}}` templates and secret references still unresolved. */
  idp: IdpConfig;
  /** The selected environment's values (already rendered) for the IdP's `{{env.*}}` templates. */
  env?: Record<string, unknown>;
  /** Key material the caller read itself (the CLI's key files); wins over the IdP's own. */
  keys?: { privateKey?: string; certificate?: string; certificateKey?: string };
}

export interface ConnectIdpDeps {
  http: HttpClient;
  /** Where the IdP's ${env:..} and ${secret:..} references are looked up. */
  secrets: SecretSources;
  clock?: Clock;
  /** Shared by a long-lived runner so repeated runs do not refetch the discovery document. */
  discoveryCache?: DiscoveryCache;
  /** Reads the IdP's caFile (injectable for tests). */
  readTextFile?: (path: string) => Promise<string>;
}

/** An IdP ready to call. */
export interface ConnectedIdp {
  name: string;
  /** The IdP with templates and references resolved (token defaults such as scopes live here). */
  config: IdpConfig;
  ctx: OAuthContext;
  /** The IdP's signing keys, when it publishes a jwks_uri. */
  jwks?: JwksCache;
  /** Per-IdP transport options (CA, insecure); every request to this IdP needs them. */
  httpOptions: Partial<HttpOptions>;
  /** What discovery noticed but did not refuse, for the shell to show. */
  warnings: string[];
  /**
   * How a verdict reaches Okta's management API for this IdP: ready when an
   * API token resolved, unavailable (with why) when the IdP's oktaApi names
   * one that does not; undefined when the IdP is not Okta's or no token is set.
   */
  oktaApi?: OktaApiAccess;
}

export type OktaApiAccess =
  { state: 'ready'; orgUrl: string; apiToken: string } | { state: 'unavailable'; reason: string };

/** Where an Okta IdP's API token is read from when its flow-file entry has no oktaApi. */
export const OKTA_API_TOKEN_ENV = 'OKTA_API_TOKEN';

// Reference failures inside an IdP are configuration errors: nothing was sent yet.
const UNRESOLVED_REFERENCE = new Set(['secret.missing', 'secret.unavailable']);
const SECRET_METHODS: ReadonlySet<ClientAuthMethod> = new Set([
  'client_secret_basic',
  'client_secret_post',
  'client_secret_jwt',
]);
const MTLS_METHODS: ReadonlySet<ClientAuthMethod> = new Set(['tls_client_auth', 'self_signed_tls_client_auth']);

/** The issuer an IdP (templates rendered) names, directly or through its Okta preset. */
export function issuerOf(idp: Pick<IdpConfig, 'issuer' | 'okta'>): string | undefined {
  return idp.issuer ?? (idp.okta ? oktaPresetIssuer(idp.okta) : undefined);
}

/** Adds per-IdP transport options to every request, without overriding a request's own. */
export function withHttpOptions(http: HttpClient, options: Partial<HttpOptions>): HttpClient {
  if (Object.keys(options).length === 0) return http;
  // Frozen, and passed as it is when the request has none of its own: the client then resolves it
  // once for the run instead of merging two spreads on every request (issue #14 point 1).
  // A frozen options object cannot change under us, so it needs no copy: a connected IdP's is
  // frozen once, and the token step wraps its recording client with it every iteration.
  const fixed = Object.isFrozen(options) ? options : Object.freeze({ ...options });
  return {
    send: (request) =>
      http.send({ ...request, options: hasOwnOptions(request.options) ? { ...fixed, ...request.options } : fixed }),
  };
}

/** Client authentication passes `{}` when it adds no TLS options of its own. */
function hasOwnOptions(options: Partial<HttpOptions> | undefined): boolean {
  return options !== undefined && Object.keys(options).length > 0;
}

function withoutOktaApi(idp: IdpConfig): IdpConfig {
  const copy = { ...idp };
  delete copy.oktaApi;
  return copy;
}

/** An issuer, Okta domain or endpoint whose host is an empty `{{env.X}}` is named before anything is sent. */
function checkUrlVariables(config: IdpConnectConfig): void {
  const { idp, name } = config;
  const fields: Array<[string, string | undefined]> = [
    ['issuer', idp.issuer],
    ['okta.domain', idp.okta?.domain],
    ...Object.entries(idp.endpoints ?? {}).map(([key, url]): [string, string | undefined] => [`endpoints.${key}`, url]),
  ];
  for (const [field, template] of fields) {
    const empty = urlVariables().emptyHostVariables(template, config.env ?? {});
    if (empty.length > 0)
      throw urlVariables().unusableUrl(
        `IdP ${name}`,
        `idps.${name}.${field} (${template})`,
        empty,
        `idps.${name}.${field}`,
      );
  }
}

function render(config: IdpConnectConfig, secrets: SecretSources): IdpConfig {
  // The management API token only serves verdicts: an unset one must not stop the IdP from connecting.
  const idp = withoutOktaApi(config.idp);
  // The fields checkUrlVariables reads are in `idp`; with nothing to render both would give it back.
  if (!holdsTemplate(idp)) return idp;
  checkUrlVariables(config);
  try {
    return templates().renderTemplate(
      idp,
      { env: config.env ?? {}, steps: {} },
      { secrets, where: `idps.${config.name}` },
    ) as IdpConfig;
  } catch (error) {
    if (!isOidcError(error) || !UNRESOLVED_REFERENCE.has(error.code)) throw error;
    // The reference's own message names the variable or key and where it is used; its hint says how to set it here.
    throw new OidcError('config.secret_unset', `IdP ${config.name} cannot be used: ${error.message}`, {
      where: error.where,
      hint: error.hint,
      cause: error,
    });
  }
}

/**
 * The management API access of an Okta IdP (its okta preset, an Okta issuer,
 * or an explicit oktaApi). Without oktaApi the token is OKTA_API_TOKEN when
 * set, and nothing is asked otherwise; an oktaApi whose references do not
 * resolve says why, so the run can note it.
 */
function oktaApiAccess(config: IdpConnectConfig, idp: IdpConfig, secrets: SecretSources): OktaApiAccess | undefined {
  const issuer = issuerOf(idp);
  const explicit = config.idp.oktaApi;
  if (!explicit && !idp.okta && !(issuer && isOktaIssuer(issuer))) return undefined;
  const where = `idps.${config.name}.oktaApi`;
  let api: OktaApiConfig;
  if (explicit) {
    try {
      api = templates().renderTemplate(
        explicit,
        { env: config.env ?? {}, steps: {} },
        { secrets, where },
      ) as OktaApiConfig;
    } catch (error) {
      if (!isOidcError(error) || !UNRESOLVED_REFERENCE.has(error.code)) throw error;
      return { state: 'unavailable', reason: error.message };
    }
  } else {
    const token = secrets.env?.[OKTA_API_TOKEN_ENV];
    if (!token) return undefined;
    api = { apiToken: token };
  }
  const orgUrl = api.orgUrl || idp.okta?.domain || (issuer ? tryUrl(issuer)?.origin : undefined);
  if (!orgUrl)
    return { state: 'unavailable', reason: `${where} has no orgUrl, and the IdP names no issuer to take it from.` };
  return { state: 'ready', orgUrl, apiToken: api.apiToken };
}

/** Without a stated method: a secret means basic, a key private_key_jwt, a certificate mutual TLS, else a public client. */
function authMethodOf(
  idp: IdpConfig,
  privateKey: string | undefined,
  certificate: string | undefined,
): ClientAuthMethod {
  if (idp.clientAuth) return idp.clientAuth;
  if (idp.clientSecret) return 'client_secret_basic';
  if (privateKey) return 'private_key_jwt';
  return certificate ? 'tls_client_auth' : 'none';
}

function clientOf(name: string, idp: IdpConfig, keys: NonNullable<IdpConnectConfig['keys']>): ClientConfig {
  const privateKey = keys.privateKey ?? idp.privateKey;
  const certificate = keys.certificate ?? idp.certificate;
  const authMethod = authMethodOf(idp, privateKey, certificate);
  if (SECRET_METHODS.has(authMethod) && !idp.clientSecret) {
    // Sending the request anyway would only earn an invalid_client that reads like a wrong secret.
    throw new OidcError(
      'config.secret_unset',
      `IdP ${name} authenticates with ${authMethod}, but it has no client secret.`,
      {
        where: `idps.${name}.clientSecret`,
        hint: 'Give it one: clientSecret: ${env:NAME} with NAME set in the environment (CLI), or ${secret:KEY} stored with "OIDC Flow: Store Secret" (VS Code).',
      },
    );
  }
  return {
    clientId: idp.clientId ?? '',
    authMethod,
    clientSecret: idp.clientSecret,
    privateKey,
    keyId: idp.keyId,
    signingAlg: idp.signingAlg,
    certificate,
    // For mutual TLS without a separate key file, the IdP's privateKey is the certificate's key.
    certificateKey: keys.certificateKey ?? (MTLS_METHODS.has(authMethod) ? privateKey : undefined),
  };
}

/** Resolves an IdP's references, reads its CA file, discovers its metadata and builds its client. */
export async function connectIdp(config: IdpConnectConfig, deps: ConnectIdpDeps): Promise<ConnectedIdp> {
  const idp = render(config, deps.secrets);
  const client = clientOf(config.name, idp, config.keys ?? {});
  const httpOptions: Partial<HttpOptions> = {};
  if (idp.caFile)
    httpOptions.ca = await readCaText(idp.caFile, `idps.${config.name}.caFile`, deps.readTextFile ?? readTextFile);
  if (idp.insecureSkipTlsVerify) httpOptions.insecureSkipTlsVerify = true;
  // Frozen: the run wraps each step's client with it (withHttpOptions then copies nothing).
  Object.freeze(httpOptions);
  const http = withHttpOptions(deps.http, httpOptions);
  const issuer = issuerOf(idp);
  const warnings: string[] = [];
  let metadata: AuthorizationServerMetadata = { issuer: issuer ?? '' };
  if (issuer && idp.discovery !== false) {
    const found = await discover(http, issuer, { cache: deps.discoveryCache, clock: deps.clock });
    checkEndpointOrigins(found.metadata, found.metadata.issuer || issuer, {
      allowedOrigins: idp.allowEndpointOrigins,
      skip: new Set(
        ENDPOINT_METADATA_FIELDS.filter(([name]) => idp.endpoints?.[name]).map(([, field]) => field as string),
      ),
      where: `idps.${config.name}`,
    });
    metadata = found.metadata;
    warnings.push(...found.warnings);
  }
  // Endpoints written by hand win over discovered ones.
  for (const [name, field] of ENDPOINT_METADATA_FIELDS) {
    const url = idp.endpoints?.[name];
    if (url) metadata = { ...metadata, [field]: url };
  }
  const oktaApi = oktaApiAccess(config, idp, deps.secrets);
  const jwks = metadata.jwks_uri ? new JwksCache({ http, jwksUri: metadata.jwks_uri, clock: deps.clock }) : undefined;
  return {
    name: config.name,
    config: idp,
    ctx: { http, metadata, client, clock: deps.clock },
    jwks,
    httpOptions,
    warnings,
    ...(oktaApi ? { oktaApi } : {}),
  };
}
