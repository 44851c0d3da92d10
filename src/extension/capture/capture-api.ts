/**
 * What the extension needs of a running capture (issue #16), as a small
 * interface: the core's capture proxy is adapted to it in one place
 * (capture-core-adapter.ts), and unit tests feed it by hand. Types only, so
 * the shell can name them without loading the proxy.
 */
import type { Verdict } from '../../core/diagnosis/diagnose';
import type { Event } from '../../core/emitter';
import type { HttpExchange } from '../../core/http/types';
import type { ConnectedIdp } from '../../core/oauth/connect-idp';

/** Who a captured request's token speaks for (never the token): the core's facts, grouped by `groupKey`. */
export type { CapturedToken } from '../../core/capture/token-facts';
import type { CapturedToken } from '../../core/capture/token-facts';

/** One request that went through the capture, and its answer. */
export interface CapturedExchange {
  id: string;
  exchange: HttpExchange;
  /** Undefined when the request carried no bearer token. */
  token?: CapturedToken;
  /** Why the gateway answered as it did, when known at once (it may come later, see onVerdict). */
  verdict?: Verdict;
}

/** A capture that is listening. */
export interface CaptureSession {
  /** The address and port it listens on. */
  readonly host: string;
  readonly port: number;
  /** Where requests are forwarded, e.g. the gateway's route URL. */
  readonly target: string;
  readonly onExchange: Event<CapturedExchange>;
  /**
   * The verdict of an exchange that arrived before it (a refused call diagnosed after the fact), or
   * why there is none (`skipped`: the IdP could not be asked, too many verdicts were waiting).
   */
  readonly onVerdict: Event<{ id: string; verdict: Verdict } | { id: string; skipped: string }>;
  stop(): Promise<void>;
}

export interface CaptureStartOptions {
  /** The URL requests are forwarded to. */
  target: string;
  /** Loopback unless the person named another address and confirmed it. */
  host: string;
  /** 0: a free port. */
  port: number;
  /** How many exchanges the capture keeps. */
  ring: number;
  /** The gateway behind the target (a route's plugin config), so verdicts read the token where it does and speak its language. */
  gateway?: { kind?: 'kong' | 'apache' | 'other'; plugin?: string; config?: Record<string, unknown> };
  /** The IdP verdicts ask (JWKS, introspection), connected on the first refusal; none: verdicts from the answer alone. */
  idp?: () => Promise<Pick<ConnectedIdp, 'jwks' | 'ctx'> | undefined>;
  /** The IdP's name, for messages. */
  idpName?: string;
  /** CA certificates (PEM) to trust towards an https target (the oidcFlow.caFile setting). */
  ca?: string;
  /** TLS verification towards the target is off (oidcFlow.insecureSkipTlsVerify). */
  insecureSkipTlsVerify?: boolean;
}

export type StartCapture = (options: CaptureStartOptions) => Promise<CaptureSession>;

/** One captured exchange as the Capture view shows it: redacted, no token value. */
export interface CaptureRow {
  id: string;
  /** Order of arrival in this capture, from 1. */
  seq: number;
  method: string;
  /** Path and query, redacted as reports are. */
  path: string;
  status?: number;
  /** Why no answer came (timeout, refused connection), redacted. */
  error?: string;
  durationMs: number;
  /** Who the bearer token speaks for; undefined without one. */
  token?: CapturedToken;
  verdict?: { code: string; summary: string };
  /** Why no verdict will come, redacted. */
  skipped?: string;
}

/** What the status bar and the view's title show of a running capture. */
export interface CaptureInfo {
  host: string;
  port: number;
  target: string;
  /** Exchanges seen since the start (the view keeps the last `ring` of them). */
  total: number;
  ring: number;
}
