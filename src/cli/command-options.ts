// Every command's options as node:util parseArgs reads them: each command's
// parser takes its table from here, and `oidc-flow completion` lists the same
// tables, so an option added to a command is completed without a second list.
// A module of plain data, so the completion bundle loads none of the commands.

/** parseArgs definitions: how requests travel. */
export const TRANSPORT_OPTIONS = {
  ca: { type: 'string' },
  insecure: { type: 'boolean' },
  proxy: { type: 'string' },
  timeout: { type: 'string' },
} as const;

/** parseArgs definitions: which authorization server. */
export const SERVER_OPTIONS = {
  issuer: { type: 'string' },
  'okta-domain': { type: 'string' },
  'auth-server': { type: 'string' },
  'token-endpoint': { type: 'string' },
  'introspection-endpoint': { type: 'string' },
  'revocation-endpoint': { type: 'string' },
  'authorization-endpoint': { type: 'string' },
  'device-authorization-endpoint': { type: 'string' },
  'jwks-uri': { type: 'string' },
  'allow-endpoint-origin': { type: 'string', multiple: true },
  file: { type: 'string' },
  idp: { type: 'string' },
  env: { type: 'string' },
} as const;

/** parseArgs definitions: which client, and how it authenticates. */
export const CLIENT_OPTIONS = {
  'client-id': { type: 'string' },
  'client-auth': { type: 'string' },
  'client-secret-env': { type: 'string' },
  'private-key-file': { type: 'string' },
  'key-id': { type: 'string' },
  'cert-file': { type: 'string' },
  'key-file': { type: 'string' },
} as const;

/** Every IdP option, for commands that call the token or introspection endpoint. */
export const IDP_OPTIONS = { ...TRANSPORT_OPTIONS, ...SERVER_OPTIONS, ...CLIENT_OPTIONS } as const;

/** Where `routes` and `lint` read the gateway's configuration from. */
export const SOURCE_OPTIONS = {
  'admin-url': { type: 'string' },
  'admin-token-env': { type: 'string' },
  workspace: { type: 'string' },
  'konnect-region': { type: 'string' },
  'control-plane': { type: 'string' },
  'konnect-token-env': { type: 'string' },
  'konnect-url': { type: 'string' },
  deck: { type: 'string' },
  'apache-conf': { type: 'string' },
  ca: { type: 'string' },
  timeout: { type: 'string' },
} as const;

export const RUN_OPTIONS = {
  flow: { type: 'string' },
  env: { type: 'string' },
  reporter: { type: 'string', default: 'pretty' },
  output: { type: 'string' },
  sandbox: { type: 'boolean' },
  ca: { type: 'string' },
  insecure: { type: 'boolean' },
  proxy: { type: 'string' },
  timeout: { type: 'string' },
  'reveal-secrets': { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
} as const;

export const DEMO_OPTIONS = { 'skip-cached': { type: 'boolean' } } as const;

export const SANDBOX_OPTIONS = {
  'idp-port': { type: 'string' },
  'gateway-port': { type: 'string' },
  'write-env': { type: 'string' },
  force: { type: 'boolean' },
  deck: { type: 'string' },
  'gateway-log': { type: 'string' },
} as const;

export const TOKEN_OPTIONS = {
  ...IDP_OPTIONS,
  grant: { type: 'string' },
  scope: { type: 'string', multiple: true },
  audience: { type: 'string' },
  resource: { type: 'string' },
  param: { type: 'string', multiple: true },
  'refresh-token-env': { type: 'string' },
  'subject-token-env': { type: 'string' },
  'subject-token-type': { type: 'string' },
  'requested-token-type': { type: 'string' },
  username: { type: 'string' },
  'password-env': { type: 'string' },
  port: { type: 'string' },
  output: { type: 'string', default: 'token' },
  curl: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
} as const;

export const INTROSPECT_OPTIONS = {
  ...IDP_OPTIONS,
  'token-env': { type: 'string' },
  hint: { type: 'string' },
  jwt: { type: 'boolean' },
  json: { type: 'boolean' },
  'time-zone': { type: 'string' },
} as const;

export const REVOKE_OPTIONS = { ...IDP_OPTIONS, 'token-env': { type: 'string' }, hint: { type: 'string' } } as const;

export const VERIFY_OPTIONS = {
  ...TRANSPORT_OPTIONS,
  ...SERVER_OPTIONS,
  'token-env': { type: 'string' },
  audience: { type: 'string', multiple: true },
  leeway: { type: 'string' },
  profile: { type: 'string', default: 'access_token' },
  'client-id': { type: 'string' },
  json: { type: 'boolean' },
} as const;

export const EXPLAIN_OPTIONS = {
  ...IDP_OPTIONS,
  'token-env': { type: 'string' },
  'token-stdin': { type: 'boolean' },
  method: { type: 'string', default: 'GET' },
  header: { type: 'string', multiple: true },
  'kong-config': { type: 'string' },
  'gateway-profile': { type: 'string' },
  'gateway-log': { type: 'string' },
  'log-utc-offset': { type: 'string' },
  'check-accepted': { type: 'boolean' },
  audience: { type: 'string', multiple: true },
  scope: { type: 'string', multiple: true },
  claim: { type: 'string', multiple: true },
  'okta-api-token-env': { type: 'string' },
  'okta-org-url': { type: 'string' },
  output: { type: 'string', default: 'text' },
  json: { type: 'boolean' },
} as const;

export const CAPTURE_OPTIONS = {
  ...IDP_OPTIONS,
  target: { type: 'string' },
  listen: { type: 'string' },
  'allow-remote': { type: 'boolean' },
  'preserve-host': { type: 'boolean' },
  route: { type: 'string' },
  'kong-config': { type: 'string' },
  'gateway-profile': { type: 'string' },
  'check-accepted': { type: 'boolean' },
  har: { type: 'string' },
  'max-exchanges': { type: 'string' },
  'max-body-bytes': { type: 'string' },
  'target-timeout': { type: 'string' },
  'fail-on-refusal': { type: 'boolean' },
} as const;

export const DECODE_OPTIONS = {
  'token-env': { type: 'string' },
  json: { type: 'boolean' },
  'time-zone': { type: 'string' },
} as const;

export const ROUTES_OPTIONS = {
  ...SOURCE_OPTIONS,
  'proxy-url': { type: 'string' },
  json: { type: 'boolean' },
} as const;

export const LINT_OPTIONS = {
  ...SOURCE_OPTIONS,
  issuer: { type: 'string' },
  'token-env': { type: 'string' },
  route: { type: 'string' },
  'max-revocation-delay': { type: 'string' },
  json: { type: 'boolean' },
} as const;

export const VALIDATE_OPTIONS = {} as const;

export const IMPORT_OPTIONS = {
  output: { type: 'string', short: 'o' },
  force: { type: 'boolean' },
  environment: { type: 'string', short: 'e', multiple: true },
} as const;

export const COMPLETION_OPTIONS = {} as const;

interface OptionSpec {
  readonly type: 'string' | 'boolean';
  readonly short?: string;
}

/** Each command's options by command name; the completion script is made from this table. */
export const COMMAND_OPTIONS: Readonly<Record<string, Readonly<Record<string, OptionSpec>>>> = {
  run: RUN_OPTIONS,
  demo: DEMO_OPTIONS,
  sandbox: SANDBOX_OPTIONS,
  token: TOKEN_OPTIONS,
  introspect: INTROSPECT_OPTIONS,
  revoke: REVOKE_OPTIONS,
  verify: VERIFY_OPTIONS,
  explain: EXPLAIN_OPTIONS,
  capture: CAPTURE_OPTIONS,
  decode: DECODE_OPTIONS,
  routes: ROUTES_OPTIONS,
  lint: LINT_OPTIONS,
  validate: VALIDATE_OPTIONS,
  import: IMPORT_OPTIONS,
  completion: COMPLETION_OPTIONS,
};
