/**
 * Which error codes are configuration errors: the flow file, the command
 * line or the environment has to change, not the IdP or the gateway. The CLI
 * exits 2 for them ("usage or configuration", as the README says) and 1 for
 * every other failure. New codes join here, not in the shells.
 */

/** Whole areas whose every code is about the setup. */
const CONFIGURATION_AREAS = [
  'config.',
  'usage.',
  // The flow file: syntax, schema, literal secrets, unknown idp/route names.
  'flowfile.',
  // An unset ${env:NAME} or ${secret:KEY}, or a malformed reference.
  'secret.',
] as const;

/** Single codes from other areas that the setup alone decides. */
const CONFIGURATION_CODES: ReadonlySet<string> = new Set([
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
  'discovery.invalid_url',
  // A step the flow file leaves incomplete...
  'flow.verify_keys',
  'flow.admin_client',
  // ...or that this kind of run cannot do (no sandbox, no browser, no person).
  'flow.admin_unavailable',
  'flow.needs_browser',
  'flow.needs_person',
]);

/** True when an error with this code means "fix the setup", not "a check failed". */
export function isConfigurationError(code: string): boolean {
  return CONFIGURATION_CODES.has(code) || CONFIGURATION_AREAS.some((area) => code.startsWith(area));
}
