/**
 * What the results view shows, as plain data. The extension host builds it
 * from a run (redacted, tokens removed) and the webview only renders it, so
 * nothing here may ever hold a token, a client secret or a private key.
 */
import type { LintFinding } from '../core/gateway/lint';

/** Who talks to whom on the timeline. */
export type LaneName = 'client' | 'idp' | 'gateway' | 'upstream';

export const LANES: readonly LaneName[] = ['client', 'idp', 'gateway', 'upstream'];

export type StepStatusView = 'passed' | 'failed' | 'error' | 'skipped' | 'running' | 'pending';

export interface HeaderView {
  name: string;
  value: string;
}

export interface BodyView {
  /** Redacted, pretty-printed when it was JSON, cut at the view's size limit. */
  text: string;
  /** Size of the whole body in characters. */
  size: number;
  /** True when `text` is only the beginning of the body ("Show all" asks the host for the rest). */
  truncated: boolean;
  contentType?: string;
}

export interface ExchangeView {
  id: string;
  /** Path of the step that made the call. */
  stepPath: string;
  label: string;
  from: LaneName;
  to: LaneName;
  method: string;
  url: string;
  status?: number;
  statusText?: string;
  /** Milliseconds after the run started. */
  offsetMs: number;
  durationMs: number;
  timings: { dns?: number; connect?: number; tls?: number; ttfb?: number; download?: number; send?: number };
  request: { headers: HeaderView[]; body?: BodyView };
  response?: { headers: HeaderView[]; body: BodyView; httpVersion?: string };
  error?: { code: string; message: string };
  warnings: string[];
  /** True when the view holds secrets because the user asked to reveal them. */
  revealed?: boolean;
}

export interface EvidenceView {
  source: string;
  text: string;
}

export interface VerdictView {
  code: string;
  summary: string;
  fix?: string;
  decidedBy: string;
  confidence: string;
  evidence: EvidenceView[];
}

export interface JwtCheckView {
  id: string;
  ok: boolean;
  code?: string;
  message: string;
  hint?: string;
}

export interface ClaimView {
  name: string;
  /** The claim's value as JSON text. */
  value: string;
  label: string;
  explanation: string;
  custom?: boolean;
}

/** A decoded token: never the token itself, only what decoding shows. */
export interface TokenView {
  title: string;
  kind: 'jwt' | 'jwe' | 'opaque';
  /** JOSE header as JSON text (JWTs only). */
  header?: string;
  claims: ClaimView[];
  /** Epoch seconds of `exp`, for the live countdown. */
  expiresAt?: number;
  /** Local JWT checks against the IdP's JWKS, when they ran. */
  checks?: JwtCheckView[];
  /** "verified", "failed", or "not checked" for a decode only. */
  signature: 'verified' | 'failed' | 'not checked';
  scope?: string;
}

/** The three answers for the same token, side by side. */
export interface AnswersView {
  local?: { ok: boolean; text: string };
  introspection?: { ok: boolean; text: string };
  /** `log`: what the gateway's error log said about this call, in its own words (masked); absent when no log was read. */
  gateway?: { ok: boolean; text: string; log?: string[] };
}

export interface AssertionView {
  passed: boolean;
  message: string;
}

export interface StepView {
  path: string;
  id: string;
  type: string;
  name?: string;
  status: StepStatusView;
  offsetMs: number;
  durationMs: number;
  assertions: AssertionView[];
  notes: string[];
  error?: { code: string; message: string; hint?: string };
  verdict?: VerdictView;
  answers?: AnswersView;
  /** HTTP status of the step's main response, when it made one. */
  httpStatus?: number;
  token?: TokenView;
  /** Introspection answer of an introspect step (never a token value). */
  introspection?: string;
  attempts?: number;
  /** What the config lint says about the route a call step went to (Kong configs in the flow file). */
  findings?: FindingView[];
}

/**
 * One config lint finding, as the results view and the Gateway Routes tree
 * show it: the lint's own type, so a new field reaches the view or fails to
 * compile, never drifts. A type import only: this file is bundled into the webview.
 */
export type FindingView = LintFinding;

export interface RunView {
  /** Stable id of this run (history entries and webview state use it). */
  id: string;
  title: string;
  flow: string;
  env?: string;
  source: string;
  status: 'running' | 'passed' | 'failed' | 'error';
  startedAt: number;
  durationMs: number;
  steps: StepView[];
  exchanges: ExchangeView[];
  /** The most telling rejection of the run, shown at the top. */
  verdict?: VerdictView & { stepPath: string };
  /** Whether the host still holds the unredacted run (same window session). */
  live: boolean;
  /** How to run it again (flow runs only). */
  rerun?: RerunSpec;
  /** Step-by-step run: the id of the step it waits before. */
  pausedBefore?: string;
}

export interface RerunSpec {
  sourceId: string;
  flow: string;
  env?: string;
  demo?: boolean;
  upToStep?: string;
}

export type ResultsContent = { kind: 'run'; run: RunView } | { kind: 'empty' };
