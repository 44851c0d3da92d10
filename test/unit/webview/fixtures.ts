import type { StepRun } from '../../../src/core/flow/runner';
import type { HttpExchange } from '../../../src/core/http/types';
import { RunRecorder } from '../../../src/extension/results/run-recorder';
import type { ExchangeView, RunView, TokenView } from '../../../src/shared/view-model';
import { tokenExchange } from '../../support/exchange-fixture';

export const T0 = Date.UTC(2026, 0, 2, 3, 4, 5);
export const RUN_ID = 'run-42';
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** The signature segment is unique, so finding it anywhere means the token leaked. */
export const TOKEN_SIGNATURE = 'U0VOVElORUwtc2lnbmF0dXJlLXdlYnZpZXctdGVzdA';
export const ACCESS_TOKEN = `${b64({ alg: 'RS256', kid: 'k1', typ: 'at+jwt' })}.${b64({ iss: 'https://idp.test/oauth2/default', sub: 'svc', scp: ['orders:read'], exp: 4102444800, cid: 'client-1' })}.${TOKEN_SIGNATURE}`;
/** A marker inside the rejected call's body, to look for in persisted state. */
export const BODY_MARKER = 'BODY-MARKER-7f3a';
export const DEFAULT_CALL_BODY = JSON.stringify({ message: 'Unauthorized', marker: BODY_MARKER });

function stepRun(overrides: Partial<StepRun>): StepRun {
  return {
    id: 's',
    path: 's',
    type: 'call',
    status: 'passed',
    startedAt: T0,
    durationMs: 5,
    assertions: [],
    exchanges: [],
    notes: [],
    result: { status: 'passed' },
    ...overrides,
  };
}

function exchange(overrides: Partial<HttpExchange>): HttpExchange {
  return tokenExchange({ secrets: [ACCESS_TOKEN], ...overrides });
}

export interface RunOptions {
  /** Body of the gateway's 401 answer. */
  callBody?: string;
  /** Ends the run (status failed) instead of leaving it running. */
  finished?: boolean;
  rerun?: boolean;
  /** Lines the gateway's error log said about the call (verdict evidence with source gateway-log). */
  gatewayLog?: string[];
}

/**
 * Records a run through the real recorder: token from the IdP, a verify
 * step, a call the gateway rejects after introspecting (and one it passed
 * to the upstream), with a verdict. Exchanges cover all four lanes.
 */
export function recordFlowRun(options: RunOptions = {}): RunRecorder {
  const recorder = new RunRecorder({
    id: RUN_ID,
    title: 'Introspection demo',
    source: 'demo.oidc-flow.yaml',
    now: () => T0 + 1000,
    ...(options.rerun ? { rerun: { sourceId: 'src-1', flow: 'demo' } } : {}),
  });
  recorder.onEvent({
    type: 'run-start',
    flow: 'demo',
    env: 'sandbox',
    steps: [
      { id: 'token', type: 'token' },
      { id: 'verify', type: 'verify' },
      { id: 'call', type: 'call', name: 'Call orders' },
      { id: 'later', type: 'call' },
    ],
    at: T0,
  });

  const tokenX = exchange({
    id: 'tok-1',
    startedAt: T0 + 10,
    response: {
      ...tokenExchange().response!,
      body: JSON.stringify({
        access_token: ACCESS_TOKEN,
        token_type: 'Bearer',
        expires_in: 3600,
        scope: 'orders:read',
      }),
    },
  });
  recorder.onEvent({ type: 'step-start', id: 'token', path: 'token', stepType: 'token', at: T0 + 5 });
  recorder.onEvent({ type: 'exchange', path: 'token', exchange: tokenX });
  recorder.onEvent({
    type: 'step-end',
    step: stepRun({
      id: 'token',
      path: 'token',
      type: 'token',
      exchanges: [tokenX],
      result: {
        status: 'passed',
        token: {
          access_token: ACCESS_TOKEN,
          token_type: 'Bearer',
          expires_at: 4102444800,
          scope: 'orders:read',
          claims: { sub: 'svc', exp: 4102444800 },
        },
      },
    }),
  });

  recorder.onEvent({ type: 'step-start', id: 'verify', path: 'verify', stepType: 'verify', at: T0 + 70 });
  recorder.onEvent({
    type: 'step-end',
    step: stepRun({
      id: 'verify',
      path: 'verify',
      type: 'verify',
      startedAt: T0 + 70,
      jwtChecks: [
        { id: 'signature', ok: true, message: 'RS256 signature checks out with key k1.' },
        { id: 'iss', ok: true, message: 'Issuer is https://idp.test/oauth2/default.' },
      ],
      result: {
        status: 'passed',
        header: { alg: 'RS256', kid: 'k1' },
        claims: { iss: 'https://idp.test/oauth2/default', sub: 'svc', exp: 4102444800, department: 'finance' },
      },
    }),
  });

  recorder.onEvent({ type: 'step-start', id: 'call', path: 'call', stepType: 'call', at: T0 + 90 });
  recorder.onGatewayExchange(
    exchange({ id: 'gw-introspect', label: 'gateway: introspection endpoint', lane: 'gateway', startedAt: T0 + 110 }),
  );
  recorder.onGatewayExchange(
    exchange({
      id: 'up-1',
      label: 'upstream orders',
      lane: 'upstream',
      startedAt: T0 + 170,
      request: { method: 'GET', url: 'http://upstream.test/orders', headers: [], bodySize: 0 },
    }),
  );
  const callBody = options.callBody ?? DEFAULT_CALL_BODY;
  const call = exchange({
    id: 'gw-1',
    label: 'route orders',
    lane: 'gateway',
    startedAt: T0 + 100,
    request: {
      method: 'GET',
      url: 'https://gw.test/orders',
      headers: [
        ['authorization', `Bearer ${ACCESS_TOKEN}`],
        ['accept', 'application/json'],
      ],
      bodySize: 0,
    },
    response: {
      status: 401,
      statusText: 'Unauthorized',
      httpVersion: '1.1',
      headers: [
        ['content-type', 'application/json'],
        ['www-authenticate', 'Bearer error="invalid_token"'],
      ],
      body: callBody,
      bodySize: callBody.length,
      truncated: false,
      contentType: 'application/json',
    },
  });
  recorder.onEvent({ type: 'exchange', path: 'call', exchange: call });
  recorder.onEvent({
    type: 'step-end',
    step: stepRun({
      id: 'call',
      path: 'call',
      name: 'Call orders',
      startedAt: T0 + 90,
      exchanges: [call],
      result: { status: 'passed', response: { status: 401, headers: {}, body: 'Unauthorized' } },
      jwtChecks: [{ id: 'signature', ok: true, message: 'signature ok' }],
      verdict: {
        code: 'client_deactivated',
        summary: 'The client app was deactivated at the IdP.',
        fix: 'Reactivate the app in Okta.',
        decidedBy: 'gateway',
        confidence: 'certain',
        evidence: [
          { source: 'introspection', text: "The IdP's introspection says active: false." },
          { source: 'gateway', text: 'The gateway answered 401.' },
          ...(options.gatewayLog ?? []).map((text) => ({ source: 'gateway-log' as const, text })),
        ],
      },
    }),
  });
  if (options.finished)
    recorder.onEvent({
      type: 'run-end',
      result: { flow: 'demo', env: 'sandbox', status: 'failed', startedAt: T0, durationMs: 900, steps: [] },
    });
  return recorder;
}

/** One exchange as the view shows it; override what a test needs. */
export function exchangeViewOf(overrides: Partial<ExchangeView> = {}): ExchangeView {
  return {
    id: 'x-1',
    stepPath: 'call',
    label: 'route orders',
    from: 'client',
    to: 'gateway',
    method: 'GET',
    url: 'https://gw.test/orders',
    status: 200,
    statusText: 'OK',
    offsetMs: 100,
    durationMs: 50,
    timings: { dns: 1, connect: 2, tls: 3, ttfb: 40 },
    request: { headers: [{ name: 'accept', value: 'application/json' }] },
    response: {
      headers: [{ name: 'content-type', value: 'application/json' }],
      body: { text: '{\n  "ok": true\n}', size: 16, truncated: false, contentType: 'application/json' },
    },
    warnings: [],
    ...overrides,
  };
}

/** A run view around the given exchanges; override what a test needs. */
export function runViewOf(overrides: Partial<RunView> = {}): RunView {
  return {
    id: RUN_ID,
    title: 'Hand-made run',
    flow: 'demo',
    source: 'test',
    status: 'passed',
    startedAt: T0,
    durationMs: 400,
    steps: [],
    exchanges: [exchangeViewOf()],
    live: true,
    ...overrides,
  };
}

/** A decoded token as the view shows it; override what a test needs. */
export function tokenViewOf(overrides: Partial<TokenView> = {}): TokenView {
  return {
    title: 'Access token from step token',
    kind: 'jwt',
    header: '{\n  "alg": "RS256",\n  "kid": "k1"\n}',
    claims: [
      { name: 'sub', value: '"svc"', label: 'Subject', explanation: 'Who the token is about.' },
      {
        name: 'department',
        value: '"finance"',
        label: 'Custom claim',
        explanation: 'Not a registered claim.',
        custom: true,
      },
    ],
    signature: 'verified',
    ...overrides,
  };
}
