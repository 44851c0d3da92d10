/**
 * The capture proxy's contract, shared by the CLI (`oidc-flow capture`) and
 * the extension's Capture view. Kept stable: shells build on it.
 */
import type { Clock } from '../clock';
import type { Expectations, Verdict } from '../diagnosis/diagnose';
import type { Disposable, Event } from '../emitter';
import type { KongOidcConfig } from '../gateway/kong-oidc-config';
import type { GatewayProfileId } from '../gateway/profiles';
import type { Har } from '../http/har';
import type { SecretRegistry } from '../http/secret-registry';
import type { HttpExchange } from '../http/types';
import type { FoundToken } from './find-token';
import type { CapturedToken } from './token-facts';

/** What is known about the gateway behind the proxy: where it reads tokens and how a verdict words its fixes. */
export interface CaptureGateway {
  profile?: GatewayProfileId;
  kind?: 'kong' | 'apache' | 'other';
  /** The route's configuration (Kong's field names; Apache routes are read into the same model). */
  config?: KongOidcConfig;
  /** Kong's plugin when it is not openid-connect ("jwt"). */
  plugin?: string;
  expected?: Expectations;
}

export interface CaptureOptions {
  /** Where requests go: http(s)://host[:port][/base path]. The application's path is appended to the base path. */
  target: string;
  /** The address to listen on (default 127.0.0.1). Anything but loopback needs `allowRemote`. */
  host?: string;
  /** The port to listen on (default 0: a free one). */
  port?: number;
  /** Listen on a non-loopback address (the CLI's --allow-remote; the extension asks the user first). */
  allowRemote?: boolean;
  /**
   * Send the application's own Host header. Default: the target's host, as
   * most reverse proxies do, so a gateway routing on Host sees its own name.
   */
  preserveHost?: boolean;
  /** How many exchanges are kept, the oldest dropped first (default 1000). */
  maxExchanges?: number;
  /** Bytes all kept records' bodies may hold together, the oldest records dropped first (default 256 MiB). */
  maxRecordedBytes?: number;
  /** Bytes of each body kept for the record (default 10 MiB, the HTTP client's cap); larger bodies pass whole and are recorded truncated. */
  maxBodyBytes?: number;
  /** The gateway behind: where it reads tokens and how its refusals are explained. */
  gateway?: CaptureGateway;
  /** TLS towards an https target. */
  tls?: { ca?: string | string[]; insecureSkipTlsVerify?: boolean };
  /** Also judge 2xx answers to a token, so a token the IdP calls inactive but the gateway let through is flagged. */
  checkAccepted?: boolean;
  /** Who shows the 502's hint for an unreachable target: it names the CLI's flags or VS Code's settings (default cli). */
  surface?: 'cli' | 'vscode';
  /**
   * How long the target may stay silent after the request's last byte before the proxy answers 504
   * itself, in ms (default 60,000). Only the answer's head is waited for: a slow body passes as it comes.
   */
  targetTimeoutMs?: number;
  /** How long an application may take to send its request headers, in ms (default 60,000; then 408). */
  clientHeadersTimeoutMs?: number;
  /** How long an application may take to send a whole request, in ms (default 300,000; then 408). */
  clientRequestTimeoutMs?: number;
  /** Verdicts being worked out at once at most (default 4); more wait, up to `maxPendingVerdicts`. */
  verdictConcurrency?: number;
  /** Verdicts waiting at most (default 256); beyond, an exchange gets a skipped verdict saying so. */
  maxPendingVerdicts?: number;
}

/** What the application's request was and what the gateway (or the proxy) answered, as recorded. */
export interface CaptureRecord {
  /** Unique within the capture: `capture-<seq>`. Also `exchange.id`. */
  id: string;
  /** 1, 2, 3... in the order the requests arrived. */
  seq: number;
  /** The exchange as the gateway saw it; `exchange.secrets` lists the token, so redactExchange/toHar mask it. */
  exchange: HttpExchange;
  /** 'upgrade': a WebSocket (or other Upgrade) handshake; its frames pass through unrecorded. */
  kind: 'http' | 'upgrade';
  /** The token the request carried where the gateway reads it; never the token itself. */
  token?: CapturedToken;
  /** True when the proxy answered itself: 502 (the target could not be reached) or 504 (it stayed silent), with a text body. */
  answeredByProxy?: boolean;
  verdict: VerdictState;
}

/** Where a record's verdict stands: verdicts arrive after the exchange, off the forwarding path. */
export type VerdictState =
  { state: 'none' } | { state: 'pending' } | { state: 'done'; verdict: Verdict } | { state: 'skipped'; reason: string };

/** What a judge is asked about one finished exchange. */
export interface JudgeRequest {
  exchange: HttpExchange;
  found?: FoundToken;
  /** True when the gateway accepted (2xx) and --check-accepted asked for a verdict anyway. */
  accepted: boolean;
}

/** Works out verdicts (createCaptureJudge: the explain path); injected so tests and shells choose the IdP. */
export interface CaptureJudge {
  /** The verdict for a refused (or, with checkAccepted, accepted) exchange; undefined when there is nothing to say. */
  judge(request: JudgeRequest): Promise<Verdict | undefined>;
}

export interface CaptureDeps {
  /** Default: no verdicts (records stay `none`). */
  judge?: CaptureJudge;
  clock?: Clock;
}

export interface CaptureStats {
  /** Requests that arrived since the start. */
  total: number;
  /** Records dropped from the ring to make room. */
  evicted: number;
  /** Exchanges still under way. */
  inFlight: number;
  /** Verdicts being worked out or waiting. */
  pendingVerdicts: number;
}

/** A running capture. Everything handed out raw carries its secrets in `exchange.secrets`; `redacted()` masks. */
export interface CaptureSession extends Disposable {
  /** Where the application should send its requests, e.g. http://127.0.0.1:8080. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** The target, as given (normalised). */
  readonly target: string;
  /**
   * Masks by value in anything printed or saved: every token as it passes, and the other
   * credentials of an exchange (cookies, secret headers, credential fields) once it is judged or
   * handed out by redacted() or har(). Use redacted() for a record; this for text about one.
   */
  readonly secrets: SecretRegistry;
  /** A record as soon as its exchange is complete (response ended, failed, or upgraded). */
  readonly onExchange: Event<CaptureRecord>;
  /** The same record again when its verdict arrives (done or skipped). */
  readonly onVerdict: Event<CaptureRecord>;
  /** The kept records, oldest first. */
  records(): CaptureRecord[];
  /** A copy of the record with every secret masked (exchange, verdict), ready to show. */
  redacted(record: CaptureRecord): CaptureRecord;
  /** The kept exchanges as a HAR 1.2 log, redacted. */
  har(options?: { creatorVersion?: string }): Har;
  stats(): CaptureStats;
  /** Stops listening, closes open connections (WebSockets included) and waits for pending verdicts (at most `graceMs`, default 2000). */
  close(options?: { graceMs?: number }): Promise<void>;
}
