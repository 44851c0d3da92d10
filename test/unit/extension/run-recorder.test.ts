import assert from 'node:assert/strict';
import type { StepRun } from '../../../src/core/flow/runner';
import type { HttpExchange } from '../../../src/core/http/types';
import { lanesOf, RunRecorder, VIEW_BODY_LIMIT } from '../../../src/extension/results/run-recorder';
import { tokenExchange } from '../../support/exchange-fixture';

const T0 = Date.UTC(2026, 0, 2, 3, 4, 5);
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const ACCESS_TOKEN = `${b64({ alg: 'RS256', kid: 'k1' })}.${b64({ iss: 'https://idp.test/oauth2/default', sub: 'svc', scp: ['orders:read'], exp: 4102444800, cid: 'client-1' })}.c2lnbmF0dXJlLXNpZ25hdHVyZQ`;

function step(overrides: Partial<StepRun>): StepRun {
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

function gatewayCall(status: number, body: string, id = 'gw-1'): HttpExchange {
  return tokenExchange({
    id,
    label: 'route orders',
    lane: 'gateway',
    startedAt: T0 + 100,
    request: {
      method: 'GET',
      url: 'https://gw.test/orders',
      headers: [['authorization', `Bearer ${ACCESS_TOKEN}`]],
      bodySize: 0,
    },
    response: {
      status,
      statusText: '',
      httpVersion: '1.1',
      headers: [
        ['content-type', 'text/html'],
        ['www-authenticate', 'Bearer error="invalid_token"'],
      ],
      body,
      bodySize: body.length,
      truncated: false,
      contentType: 'text/html',
    },
    secrets: [ACCESS_TOKEN],
  });
}

/** Feeds a small run: token step, then a rejected call with a verdict (and what the gateway's log said). */
function recordRun(callBody = '{"message":"Unauthorized"}', gatewayLog: string[] = []): RunRecorder {
  const recorder = new RunRecorder({ id: 'run-1', title: 'demo', source: 'test', now: () => T0 + 1000 });
  recorder.onEvent({
    type: 'run-start',
    flow: 'f',
    env: 'sandbox',
    steps: [
      { id: 'token', type: 'token' },
      { id: 'call', type: 'call' },
      { id: 'later', type: 'call' },
    ],
    at: T0,
  });
  const tokenX = tokenExchange({
    id: 'tok-1',
    startedAt: T0 + 10,
    response: {
      ...tokenExchange().response!,
      body: JSON.stringify({ access_token: ACCESS_TOKEN, token_type: 'Bearer' }),
    },
    secrets: [ACCESS_TOKEN],
  });
  recorder.onEvent({ type: 'step-start', id: 'token', path: 'token', stepType: 'token', at: T0 + 5 });
  recorder.onEvent({ type: 'exchange', path: 'token', exchange: tokenX });
  recorder.onEvent({
    type: 'step-end',
    step: step({
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
  recorder.onEvent({ type: 'step-start', id: 'call', path: 'call', stepType: 'call', at: T0 + 90 });
  const call = gatewayCall(401, callBody);
  recorder.onGatewayExchange(
    tokenExchange({
      id: 'gw-introspect',
      label: 'gateway: introspection endpoint',
      lane: 'gateway',
      startedAt: T0 + 110,
      secrets: [ACCESS_TOKEN],
    }),
  );
  recorder.onEvent({ type: 'exchange', path: 'call', exchange: call });
  recorder.onEvent({
    type: 'step-end',
    step: step({
      id: 'call',
      path: 'call',
      exchanges: [call],
      result: { status: 'passed', response: { status: 401, headers: {}, body: 'Unauthorized' } },
      jwtChecks: [{ id: 'signature', ok: true, message: 'signature ok' }],
      verdict: {
        code: 'client_deactivated',
        summary: 'The client app was deactivated.',
        fix: 'Reactivate it.',
        decidedBy: 'gateway',
        confidence: 'certain',
        evidence: [
          { source: 'introspection', text: "The IdP's introspection says active: false." },
          { source: 'gateway', text: 'The gateway answered 401.' },
          ...gatewayLog.map((text) => ({ source: 'gateway-log' as const, text })),
        ],
      },
    }),
  });
  return recorder;
}

describe('RunRecorder (results view model)', () => {
  it('never puts a token or credential into the view', () => {
    const recorder = recordRun();
    const json = JSON.stringify(recorder.view());
    assert.doesNotMatch(json, new RegExp(ACCESS_TOKEN.slice(0, 30)));
    assert.doesNotMatch(json, /c2VjcmV0/, 'Basic credentials leaked');
    assert.match(json, /\[redacted \d+ chars\]/);
  });

  it("hands the gateway's log lines to the gateway's answer, with any token in them masked", () => {
    const view = recordRun(undefined, [
      '[error] "error" entry with value: "invalid_client"',
      `[debug] bearer token: ${ACCESS_TOKEN}`,
    ]).view();
    const log = view.steps.find((s) => s.id === 'call')!.answers!.gateway!.log!;
    assert.equal(log.length, 2);
    assert.match(log[0]!, /invalid_client/);
    assert.doesNotMatch(JSON.stringify(view), new RegExp(ACCESS_TOKEN.slice(0, 30)));
    assert.equal(view.verdict!.evidence.filter((e) => e.source === 'gateway-log').length, 2);
    assert.equal(
      recordRun()
        .view()
        .steps.find((s) => s.id === 'call')!.answers!.gateway!.log,
      undefined,
    );
  });

  it('shows a token as header, claims and expiry, without its value', () => {
    const token = recordRun()
      .view()
      .steps.find((s) => s.id === 'token')!.token!;
    assert.equal(token.kind, 'jwt');
    assert.match(token.header!, /"kid": "k1"/);
    assert.ok(token.claims.some((c) => c.name === 'sub' && c.value === '"svc"'));
    assert.equal(token.expiresAt, 4102444800);
    assert.equal(token.signature, 'not checked');
  });

  it('puts the rejection verdict at the top with the three answers', () => {
    const view = recordRun().view();
    assert.equal(view.verdict?.code, 'client_deactivated');
    assert.equal(view.verdict?.stepPath, 'call');
    const answers = view.steps.find((s) => s.id === 'call')!.answers!;
    assert.equal(answers.local?.ok, true);
    assert.equal(answers.introspection?.ok, false);
    assert.equal(answers.gateway?.ok, false);
    assert.match(answers.gateway!.text, /401/);
  });

  it("places exchanges in lanes, the gateway's own IdP calls included", () => {
    const view = recordRun().view();
    const lanes = view.exchanges.map((x) => `${x.id}:${x.from}->${x.to}`);
    assert.deepEqual(lanes, ['tok-1:client->idp', 'gw-introspect:gateway->idp', 'gw-1:client->gateway']);
    assert.equal(view.exchanges.find((x) => x.id === 'gw-introspect')!.stepPath, 'call');
    assert.equal(view.exchanges[0]!.offsetMs, 10);
    assert.deepEqual(lanesOf(tokenExchange({ lane: 'other' }), false), { from: 'client', to: 'upstream' });
  });

  it('lists steps that have not run yet, and reports the run status', () => {
    const recorder = recordRun();
    const running = recorder.view();
    assert.equal(running.status, 'running');
    assert.equal(running.steps.find((s) => s.id === 'later')!.status, 'pending');
    recorder.onEvent({
      type: 'run-end',
      result: { flow: 'f', status: 'failed', startedAt: T0, durationMs: 900, steps: [] },
    });
    assert.equal(recorder.view().status, 'failed');
    assert.equal(recorder.view().durationMs, 900);
    assert.equal(recorder.view().steps.find((s) => s.id === 'later')!.status, 'skipped');
  });

  it('cuts a 5 MB body at the view limit and serves it whole on request', () => {
    const huge = 'x'.repeat(5 * 1024 * 1024);
    const recorder = recordRun(huge);
    const view = recorder.view();
    const body = view.exchanges.find((x) => x.id === 'gw-1')!.response!.body;
    assert.equal(body.truncated, true);
    assert.equal(body.text.length, VIEW_BODY_LIMIT);
    assert.equal(body.size, huge.length);
    assert.ok(JSON.stringify(view).length < 3 * VIEW_BODY_LIMIT);
    const full = recorder.exchangeView('gw-1', { full: true })!.response!.body;
    assert.equal(full.truncated, false);
    assert.equal(full.text.length, huge.length);
  });

  it('leaves no 8-character prefix of a secret at the cut of a long body', () => {
    // The secret straddles the view limit at every offset: redaction runs on the whole body before the cut.
    const secret = 'SeCrEt-VaLuE-0123456789-abcdefghij';
    for (let back = 1; back < secret.length; back += 1) {
      const body = `${'x'.repeat(VIEW_BODY_LIMIT - back)}${secret}${'y'.repeat(50)}`;
      const recorder = recordRun(body);
      recorder.addSecrets([secret]);
      const shown = recorder.view().exchanges.find((x) => x.id === 'gw-1')!.response!.body;
      assert.equal(shown.truncated, true);
      for (let start = 0; start + 8 <= secret.length; start += 1)
        assert.ok(!shown.text.includes(secret.slice(start, start + 8)), `cut ${back} before: ${secret.slice(start)}`);
    }
  });

  it("builds each exchange's view once, and again when the run learns a new secret", () => {
    const recorder = recordRun('{"message":"late-secret-value-42 was refused"}');
    const first = recorder.view().exchanges.find((x) => x.id === 'gw-1')!;
    assert.equal(
      recorder.view(false).exchanges.find((x) => x.id === 'gw-1'),
      first,
    );
    assert.ok(Object.isFrozen(first.response!.body), 'views share it: nobody may change it');
    assert.match(first.response!.body.text, /late-secret-value-42/);
    recorder.addSecrets(['late-secret-value-42']);
    const after = recorder.view().exchanges.find((x) => x.id === 'gw-1')!;
    assert.notEqual(after, first);
    assert.doesNotMatch(JSON.stringify(recorder.view()), /late-secret-value-42/);
  });

  it('keeps markup in bodies as plain data (the webview renders it as text)', () => {
    const body = '<script>document.body.dataset.pwned = "1"</script>';
    const view = recordRun(body).view();
    assert.equal(view.exchanges.find((x) => x.id === 'gw-1')!.response!.body.text, body);
  });

  it('reveals an exchange only when asked, and says so', () => {
    const recorder = recordRun();
    const hidden = recorder.exchangeView('gw-1')!;
    assert.equal(hidden.revealed, undefined);
    assert.doesNotMatch(JSON.stringify(hidden), new RegExp(ACCESS_TOKEN.slice(0, 30)));
    const shown = recorder.exchangeView('gw-1', { reveal: true })!;
    assert.equal(shown.revealed, true);
    assert.match(JSON.stringify(shown), new RegExp(ACCESS_TOKEN.slice(0, 30)));
  });

  it('masks secrets the caller adds (a token handed to a one-off call)', () => {
    const recorder = new RunRecorder({ id: 'r', title: 't', source: 's' });
    recorder.addSecrets(['opaque-token-value-123']);
    recorder.onEvent({ type: 'run-start', flow: 'one-off', steps: [{ id: 'x', type: 'request' }], at: T0 });
    recorder.onEvent({ type: 'step-end', step: step({ id: 'x', path: 'x', notes: ['sent opaque-token-value-123'] }) });
    assert.doesNotMatch(JSON.stringify(recorder.view()), /opaque-token-value-123/);
  });

  it('shows a run that failed to start as one errored step', () => {
    const recorder = new RunRecorder({ id: 'r', title: 't', source: 's' });
    recorder.fail({ code: 'secret.missing', message: 'KEY is not stored', hint: 'Store it.' });
    const view = recorder.view(false);
    assert.equal(view.status, 'error');
    assert.equal(view.steps[0]!.error!.code, 'secret.missing');
    assert.equal(view.live, false);
  });

  it('says which step a step-by-step run waits before, until that step starts', () => {
    const recorder = new RunRecorder({ id: 'run-2', title: 'steps', source: 'test', now: () => T0 + 10 });
    recorder.onEvent({
      type: 'run-start',
      flow: 'f',
      steps: [
        { id: 'token', type: 'token' },
        { id: 'call', type: 'call' },
      ],
      at: T0,
    });
    recorder.onEvent({ type: 'paused', id: 'token', at: T0 + 1 });
    assert.equal(recorder.view().pausedBefore, 'token');
    assert.equal(recorder.view().steps.find((s) => s.id === 'token')!.status, 'pending');
    recorder.onEvent({ type: 'step-start', id: 'token', path: 'token', stepType: 'token', at: T0 + 2 });
    assert.equal(recorder.view().pausedBefore, undefined);
    recorder.onEvent({ type: 'step-end', step: step({ id: 'token', path: 'token', type: 'token' }) });
    recorder.onEvent({ type: 'paused', id: 'call', at: T0 + 3 });
    assert.equal(recorder.view().pausedBefore, 'call');
    recorder.onEvent({
      type: 'run-end',
      result: { flow: 'f', status: 'passed', startedAt: T0, durationMs: 5, steps: [] },
    });
    assert.equal(recorder.view().pausedBefore, undefined, 'a finished run waits for nothing');
  });

  it("carries the route config findings of a call step, and of a repeat's last call", () => {
    const recorder = new RunRecorder({ id: 'run-3', title: 'lint', source: 'test', now: () => T0 + 10 });
    recorder.onEvent({
      type: 'run-start',
      flow: 'f',
      steps: [
        { id: 'call', type: 'call' },
        { id: 'again', type: 'repeat' },
      ],
      at: T0,
    });
    const finding = {
      rule: 'ssl-verify-off',
      severity: 'warning' as const,
      field: 'config.ssl_verify',
      message: 'TLS is not verified.',
      fix: 'Set ssl_verify to true.',
    };
    recorder.onEvent({ type: 'step-end', step: step({ id: 'call', path: 'call', gatewayFindings: [finding] }) });
    recorder.onEvent({
      type: 'step-end',
      step: step({
        id: 'again',
        path: 'again',
        type: 'repeat',
        children: [
          step({ id: 'c', path: 'again/c#1' }),
          step({ id: 'c', path: 'again/c#2', gatewayFindings: [finding] }),
        ],
      }),
    });
    const view = recorder.view();
    assert.deepEqual(view.steps[0]!.findings, [finding]);
    assert.deepEqual(view.steps[1]!.findings, [finding]);
  });
});
