/**
 * What a step leaves behind for templates (`{{steps.<id>...}}`) and
 * assertions. The runner fills it; templates and assertions only read it.
 */

export type StepStatus = 'passed' | 'failed' | 'error' | 'skipped';

export interface StepTokenResult {
  access_token: string;
  id_token?: string;
  refresh_token?: string;
  token_type: string;
  /** Epoch seconds, like the JWT `exp` claim. */
  expires_at?: number;
  scope?: string;
  claims?: Record<string, unknown>;
}

export interface StepResponse {
  status: number;
  /** Header names as received; lookups through templates are case-insensitive. */
  headers: Record<string, string | string[]>;
  /** Parsed JSON when the body was JSON, else text. */
  body: unknown;
}

export interface StepRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[]>;
}

export interface StepResult {
  status: StepStatus;
  request?: StepRequest;
  response?: StepResponse;
  token?: StepTokenResult;
  introspection?: Record<string, unknown>;
  /** Claims of a decoded or verified token. */
  claims?: Record<string, unknown>;
  /** JOSE header of a decoded or verified token. */
  header?: Record<string, unknown>;
  durationMs?: number;
}

/** What templates resolve against. */
export interface TemplateContext {
  /** The selected environment's values, secret references already resolved. */
  env: Record<string, unknown>;
  steps: Record<string, StepResult>;
  vars?: Record<string, unknown>;
}
