/**
 * The codes of loading and running a flow: the file, templates, secret
 * references, assertions and the runner's own step failures.
 */
import type { FlowFileIssue } from './issues';

export type TemplateErrorCode = 'template.jsonpath' | 'template.syntax' | 'template.unresolved';

export type SecretErrorCode = 'secret.malformed' | 'secret.missing' | 'secret.unavailable';

export type AssertionErrorCode = 'assertion.invalid' | 'assertion.jsonpath' | 'assertion.regex';

/** Failures the runner raises for a step or a run. */
export type RunErrorCode =
  | 'flow.admin_client'
  | 'flow.admin_unavailable'
  | 'flow.cancelled'
  | 'flow.invalid_url'
  | 'flow.needs_browser'
  | 'flow.needs_person'
  | 'flow.stopped'
  | 'flow.verify_keys'
  | 'flowfile.reference';

// FlowFileError takes its code from an issue, whose type allows the warning code
// although only an error issue is ever thrown.
export type FlowErrorCode =
  FlowFileIssue['code'] | TemplateErrorCode | SecretErrorCode | AssertionErrorCode | RunErrorCode;
