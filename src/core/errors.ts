/**
 * Failures are data: every error the core raises carries a stable `code`
 * (for tests, the CLI's exit codes and the UI), a message that says what
 * happened, and a hint that says what to do. Shells only render them.
 */
import type { CaptureErrorCode } from './capture/error-codes';
import type { FlowErrorCode } from './flow/error-codes';
import type { GatewayErrorCode } from './gateway/error-codes';
import type { HttpErrorCode } from './http/error-codes';
import type { ImportErrorCode } from './importers/error-codes';
import type { JwksErrorCode, JwtErrorCode } from './jwt/error-codes';
import type { ClientAuthErrorCode, DiscoveryErrorCode, OAuthErrorCode } from './oauth/error-codes';
import type { SandboxErrorCode, SandboxLoginErrorCode } from './sandbox/error-codes';

/** Settings, flags and files the user gave that cannot be used; the CLI exits 2 for them. */
export type ConfigErrorCode =
  | 'config.ca_file'
  | 'config.file_unreadable'
  | 'config.gateway_log_unreadable'
  | 'config.kong_config_invalid'
  | 'config.missing_jwks'
  | 'config.output_unwritable'
  | 'config.secret_unset';

// Raised by the shells, declared here because the core imports no shell and
// the codes are one vocabulary (the UI and tests read them all alike).
export type ShellErrorCode =
  | 'cli.browser'
  | 'extension.env_not_approved'
  | 'extension.flow_unchecked'
  | 'extension.source_missing'
  | 'extension.untrusted_workspace'
  | 'gateway.settings.field_missing'
  | 'gateway.settings.insecure_http'
  | 'gateway.settings.no_workspace'
  | 'gateway.settings.token_missing'
  | 'gateway.settings.token_origin';

/** Every code an OidcError can carry: a misspelt code is a compile error. */
export type ErrorCode =
  | CaptureErrorCode
  | ClientAuthErrorCode
  | ConfigErrorCode
  | DiscoveryErrorCode
  | FlowErrorCode
  | GatewayErrorCode
  | HttpErrorCode
  | ImportErrorCode
  | JwksErrorCode
  | JwtErrorCode
  | OAuthErrorCode
  | SandboxErrorCode
  | SandboxLoginErrorCode
  | ShellErrorCode
  | 'internal';

export interface OidcErrorDetails {
  /** What the user should do about it, one sentence. */
  hint?: string;
  /** Which endpoint or part failed, e.g. "token endpoint https://idp/oauth2/default/v1/token". */
  where?: string;
  /** HTTP status, when the failure is an HTTP answer. */
  status?: number;
  /** OAuth `error` / Okta `errorCode`, when the server sent one. */
  serverError?: string;
  /** The server's own description, when it sent one. */
  serverDescription?: string;
  /** Any underlying error. */
  cause?: unknown;
}

export class OidcError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;
  readonly where?: string;
  readonly status?: number;
  readonly serverError?: string;
  readonly serverDescription?: string;

  constructor(code: ErrorCode, message: string, details: OidcErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'OidcError';
    this.code = code;
    this.hint = details.hint;
    this.where = details.where;
    this.status = details.status;
    this.serverError = details.serverError;
    this.serverDescription = details.serverDescription;
  }

  /** One line for people: what happened, then what to do. */
  toUserMessage(): string {
    return this.hint ? `${this.message} ${this.hint}` : this.message;
  }
}

/** Whole areas whose every code is about the setup. */
const CONFIGURATION_AREAS = [
  'config.',
  // The flow file: syntax, schema, literal secrets, unknown idp/route names.
  'flowfile.',
  // An unset ${env:NAME} or ${secret:KEY}, or a malformed reference.
  'secret.',
  // A Postman or Insomnia export that cannot be read as one.
  'import.',
] as const;

/** Single codes from other areas that the setup alone decides. */
const CONFIGURATION_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'template.syntax',
  'template.jsonpath',
  'assertion.regex',
  // An IdP's client written without what its auth method needs.
  'client_auth.missing_secret',
  'client_auth.missing_key',
  'client_auth.missing_certificate',
  'client_auth.invalid_key',
  'client_auth.unsupported_method',
  'okta.invalid_domain',
  'okta.missing_api_token',
  'discovery.invalid_url',
  // A step the flow file leaves incomplete...
  'flow.verify_keys',
  'flow.admin_client',
  // A step URL that is no URL once its variables are filled in (an unfilled {{env.baseUrl}}).
  'flow.invalid_url',
  // ...or that this kind of run cannot do (no sandbox, no browser, no person).
  'flow.admin_unavailable',
  'flow.needs_browser',
  'flow.needs_person',
  // A sandbox told to write its gateway log where it cannot.
  'sandbox.gateway.log_unwritable',
  // A capture told to forward to no usable URL, or to listen where it may not or cannot.
  'capture.target_invalid',
  'capture.remote_not_allowed',
  'capture.listen',
]);

/**
 * Whether the setup is at fault (the flow file, the command line, a setting
 * or the environment has to change), not a server, the network or a check.
 * The CLI exits 2 for these ("usage or configuration") and 1 otherwise.
 * New codes join here, not in the shells.
 */
export function isConfigurationCode(code: ErrorCode): boolean {
  return CONFIGURATION_CODES.has(code) || CONFIGURATION_AREAS.some((area) => code.startsWith(area));
}

export function isOidcError(value: unknown): value is OidcError {
  return value instanceof OidcError;
}

/** Turns anything thrown into an OidcError without losing the original. */
export function asOidcError(value: unknown, code: ErrorCode = 'internal', where?: string): OidcError {
  if (value instanceof OidcError) return value;
  const message = value instanceof Error ? value.message : String(value);
  return new OidcError(code, `Unexpected failure${where ? ` at ${where}` : ''}: ${message}`, {
    where,
    cause: value,
    hint: 'This is likely a bug in OIDC Flow Debugger; please report it with the exported HAR (secrets are redacted).',
  });
}
