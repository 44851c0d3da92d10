import type { ClientAuthMethod } from '../oauth/client-auth-methods';
/**
 * The typed model of a workspace flow file (YAML or JSON). It mirrors
 * schemas/flow-file.schema.json; the loader validates against the schema,
 * so values of these types have already been checked.
 *
 * Strings may hold templates (`{{env.x}}`, `{{vars.x}}`, `{{steps.<id>...}}`,
 * rendered by template.ts) and secret references (`${env:NAME}`,
 * `${secret:KEY}`, resolved by secret-ref.ts) — never literal secrets.
 */

export const FLOW_FILE_VERSION = 1;

export { CLIENT_AUTH_METHODS } from '../oauth/client-auth-methods';
export type { ClientAuthMethod } from '../oauth/client-auth-methods';

export const GRANT_TYPES = [
  'client_credentials',
  'authorization_code',
  'device_code',
  'refresh_token',
  'token_exchange',
  'password',
] as const;
export type GrantType = (typeof GRANT_TYPES)[number];

export const STEP_TYPES = [
  'token',
  'introspect',
  'revoke',
  'decode',
  'verify',
  'call',
  'request',
  'wait',
  'repeat',
  'admin',
] as const;
export type StepType = (typeof STEP_TYPES)[number];

export const ADMIN_ACTIONS = ['deactivateClient', 'reactivateClient', 'rotateKeys'] as const;
export type AdminAction = (typeof ADMIN_ACTIONS)[number];

export const ENDPOINT_NAMES = [
  'token',
  'introspection',
  'revocation',
  'jwks',
  'authorization',
  'device_authorization',
  'userinfo',
] as const;
export type EndpointName = (typeof ENDPOINT_NAMES)[number];

/** Each flow-file endpoint name and the discovery metadata field it stands for. */
export const ENDPOINT_METADATA_FIELDS: ReadonlyArray<
  readonly [
    EndpointName,
    (
      | 'token_endpoint'
      | 'introspection_endpoint'
      | 'revocation_endpoint'
      | 'jwks_uri'
      | 'authorization_endpoint'
      | 'device_authorization_endpoint'
      | 'userinfo_endpoint'
    ),
  ]
> = [
  ['token', 'token_endpoint'],
  ['introspection', 'introspection_endpoint'],
  ['revocation', 'revocation_endpoint'],
  ['jwks', 'jwks_uri'],
  ['authorization', 'authorization_endpoint'],
  ['device_authorization', 'device_authorization_endpoint'],
  ['userinfo', 'userinfo_endpoint'],
];

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';
export type TokenTypeHint = 'access_token' | 'refresh_token' | 'id_token';
export type ScalarValue = string | number | boolean;
export type ValueMap = Record<string, ScalarValue>;

export interface FlowFile {
  version: 1;
  $schema?: string;
  /** Environment used when neither the run nor the flow names one. */
  defaultEnvironment?: string;
  environments?: Record<string, ValueMap>;
  idps?: Record<string, IdpConfig>;
  routes?: Record<string, RouteConfig>;
  flows?: Record<string, FlowDef>;
}

export interface OktaPreset {
  /** Okta domain without scheme, e.g. dev-123456.okta.com. */
  domain: string;
  /** Custom authorization server id; `default` when omitted, `org` for the org server. */
  authorizationServerId?: string;
}

export type IdpEndpoints = Partial<Record<EndpointName, string>>;

export interface IdpConfig {
  description?: string;
  issuer?: string;
  okta?: OktaPreset;
  discovery?: boolean;
  endpoints?: IdpEndpoints;
  clientId?: string;
  clientAuth?: ClientAuthMethod;
  /** Secret reference only. */
  clientSecret?: string;
  /** Secret reference only. */
  privateKey?: string;
  keyId?: string;
  signingAlg?: string;
  /** Secret reference only. */
  certificate?: string;
  scopes?: string[];
  audience?: string;
  resource?: string | string[];
  extra?: ValueMap;
  redirectUri?: string;
  caFile?: string;
  insecureSkipTlsVerify?: boolean;
  /** Origins other than the issuer's that discovered credential endpoints may point at (e.g. Google's oauth2.googleapis.com). */
  allowEndpointOrigins?: string[];
  /** Okta's management API, so a refused token's verdict can confirm its app and user are (in)active. */
  oktaApi?: OktaApiConfig;
}

export interface OktaApiConfig {
  /** The org (default: the okta preset's domain, else the issuer's origin). */
  orgUrl?: string;
  /** Secret reference only; sent as `SSWS <token>`. */
  apiToken: string;
}

export interface TokenPlacement {
  in?: 'header' | 'query' | 'cookie' | 'body';
  name?: string;
  scheme?: string;
}

export interface GatewayConfig {
  kind: 'kong' | 'apache' | 'other';
  plugin?: string;
  config?: Record<string, unknown>;
  adminUrl?: string;
  routeName?: string;
  /** What the API expects of a token (audience, scopes, claims), for rules that refuse without a challenge. */
  expected?: { audience?: string[]; scopes?: string[]; claims?: Record<string, string> };
}

export interface RouteConfig {
  description?: string;
  service?: string;
  baseUrl: string;
  path?: string;
  method?: HttpMethod;
  headers?: ValueMap;
  query?: ValueMap;
  token?: TokenPlacement;
  gateway?: GatewayConfig;
  /** The gateway's error log, read for the lines about a refused call (401/403). */
  log?: RouteLog;
}

/** Where the route's gateway writes its error log. */
export interface RouteLog {
  /** Path of the log file on this machine; templates allowed. */
  file: string;
  /** Minutes east of UTC of the clock the log is written in (default this machine's); a template renders to a number. */
  utcOffsetMinutes?: number | string;
}

export interface FlowDef {
  description?: string;
  env?: string;
  vars?: Record<string, unknown>;
  steps: StepDef[];
}

// ---- assertions -------------------------------------------------------------

export type StatusExpectation = number | string | Array<number | string>;
export type JsonTypeName = 'string' | 'number' | 'boolean' | 'object' | 'array' | 'null';

/** Comparison fields shared by header, json and claim assertions. */
export interface ValueMatchers {
  equals?: unknown;
  contains?: unknown;
  /** Regular expression source, or `/source/flags`. */
  matches?: string;
  exists?: boolean;
  type?: JsonTypeName;
}

export type Assertion =
  | { status: StatusExpectation }
  | ({ header: string } & ValueMatchers)
  | ({ json: string } & ValueMatchers)
  | { active: boolean }
  | ({ claim: string } & ValueMatchers)
  | { expiresIn: { atLeast?: number; atMost?: number } }
  | { durationMs: { atMost: number } };

export const ASSERTION_SUBJECTS = ['status', 'header', 'json', 'active', 'claim', 'expiresIn', 'durationMs'] as const;
export type AssertionSubject = (typeof ASSERTION_SUBJECTS)[number];

// ---- steps --------------------------------------------------------------------

export interface StepBase {
  id: string;
  name?: string;
  description?: string;
  assert?: Assertion[];
  continueOnFailure?: boolean;
  /** Run only in these environments; skipped elsewhere. */
  onlyIn?: string[];
}

export interface TokenStep extends StepBase {
  type: 'token';
  idp: string;
  grant?: GrantType;
  scopes?: string[];
  audience?: string;
  resource?: string | string[];
  extra?: ValueMap;
  reuse?: boolean;
  refetchOnExpiry?: boolean;
  pkce?: boolean;
  redirectUri?: string;
  username?: string;
  password?: string;
  refreshToken?: string;
  subjectToken?: string;
  subjectTokenType?: string;
  actorToken?: string;
  actorTokenType?: string;
  requestedTokenType?: string;
}

export interface IntrospectStep extends StepBase {
  type: 'introspect';
  idp: string;
  token: string;
  hint?: TokenTypeHint;
  accept?: 'json' | 'jwt';
}

export interface RevokeStep extends StepBase {
  type: 'revoke';
  idp: string;
  token: string;
  hint?: TokenTypeHint;
}

export interface DecodeStep extends StepBase {
  type: 'decode';
  token: string;
}

export interface VerifyStep extends StepBase {
  type: 'verify';
  token: string;
  idp?: string;
  jwks?: string;
  audience?: string | string[];
  issuer?: string;
  algorithms?: string[];
  clockToleranceSeconds?: number;
}

export interface BodyFields {
  body?: string;
  json?: unknown;
  form?: ValueMap;
}

export interface CallStep extends StepBase, BodyFields {
  type: 'call';
  route: string;
  method?: HttpMethod;
  path?: string;
  query?: ValueMap;
  headers?: ValueMap;
  /** Omitted: latest earlier token step's access token; `false`: no token. */
  token?: string | false;
}

/** HTTP Basic credentials of a request step, as Postman's and Insomnia's basic auth hold them. */
export interface BasicAuth {
  username: string;
  /** A secret: `${env:NAME}` keeps it out of the file. */
  password: string;
}

export interface RequestStep extends StepBase, BodyFields {
  type: 'request';
  method?: HttpMethod;
  url: string;
  query?: ValueMap;
  headers?: ValueMap;
  /** Sent as `Authorization: Basic base64(username:password)`, replacing any written Authorization header. */
  basicAuth?: BasicAuth;
}

export interface WaitStep extends StepBase {
  type: 'wait';
  seconds?: number;
  message?: string;
  confirm?: boolean;
}

export interface RepeatStep extends StepBase {
  type: 'repeat';
  step?: StepDef;
  steps?: StepDef[];
  every?: number;
  times: number;
  until?: Assertion | Assertion[];
}

export interface AdminStep extends StepBase {
  type: 'admin';
  idp: string;
  action: AdminAction;
  clientId?: string;
  keepOldKey?: boolean;
}

export type StepDef =
  | TokenStep
  | IntrospectStep
  | RevokeStep
  | DecodeStep
  | VerifyStep
  | CallStep
  | RequestStep
  | WaitStep
  | RepeatStep
  | AdminStep;

/** The inner steps of a repeat step (empty for other steps). */
export function innerSteps(step: StepDef): StepDef[] {
  if (step.type !== 'repeat') return [];
  return step.steps ?? (step.step ? [step.step] : []);
}
