import { strict as assert } from 'node:assert';
import { manualTime } from '../../support/manual-time';
import { loadFlowFile } from '../../../src/core/flow/load';
import type { FlowFile } from '../../../src/core/flow/file-format';
import { FlowRunner } from '../../../src/core/flow/runner';
import type { RunEvent } from '../../../src/core/flow/runner';
import { FakeHttp, formOf } from '../../support/fake-http';
import { OidcError } from '../../../src/core/errors';
import type { HttpExchange, HttpRequest, HttpResponse } from '../../../src/core/http/types';
import { tokenExchange } from '../../support/exchange-fixture';
import { runWithFailedStep } from '../../support/failed-step-run';

const FILE = `
version: 1
environments:
  test:
    issuer: https://idp.test/oauth2/default
    gateway: http://gw.test
    secret: \${env:CLIENT_SECRET}
idps:
  okta:
    issuer: "{{env.issuer}}"
    discovery: false
    endpoints:
      token: https://idp.test/oauth2/default/v1/token
      introspection: https://idp.test/oauth2/default/v1/introspect
    clientId: cc-basic
    clientAuth: client_secret_basic
    clientSecret: "{{env.secret}}"
    scopes: [orders:read]
routes:
  orders:
    baseUrl: "{{env.gateway}}"
    path: /orders
    gateway:
      kind: kong
      config: { auth_methods: [introspection], cache_introspection: false }
flows:
  scenario:
    steps:
      - id: token
        type: token
        idp: okta
        grant: client_credentials
        reuse: false
        assert: [{ expiresIn: { atLeast: 60 } }]
      - id: call-ok
        type: call
        route: orders
        assert: [{ status: 200 }, { json: $.order, equals: 42 }]
      - id: introspect
        type: introspect
        idp: okta
        token: "{{steps.token.token.access_token}}"
        assert: [{ active: true }]
      - id: deactivate
        type: admin
        idp: okta
        action: deactivateClient
      - id: introspect-after
        type: introspect
        idp: okta
        token: "{{steps.token.token.access_token}}"
        assert: [{ active: false }]
      - id: wait-401
        type: repeat
        times: 5
        every: 2
        step: { id: again, type: call, route: orders }
        until: { status: 401 }
      - id: never
        type: call
        route: orders
        assert: [{ status: 200 }]
      - id: after
        type: wait
        seconds: 1
`;

function setup() {
  const http = new FakeHttp();
  const state = { active: true, gatewayCalls: 0, refuseAfter: 2 };
  http.on('https://idp.test/oauth2/default/v1/token', {
    body: { access_token: 'opaque-abc', token_type: 'Bearer', expires_in: 3600, scope: 'orders:read' },
  });
  http.on('https://idp.test/oauth2/default/v1/introspect', () => ({
    body: state.active ? { active: true, scope: 'orders:read', client_id: 'cc-basic' } : { active: false },
  }));
  http.on('http://gw.test/orders', () => {
    state.gatewayCalls += 1;
    // The gateway caches: it keeps saying 200 for a while after deactivation.
    if (!state.active && state.gatewayCalls > state.refuseAfter) {
      return {
        status: 401,
        headers: {
          'www-authenticate': 'Bearer realm="gw.test", error="invalid_token"',
          'x-kong-response-latency': '1',
        },
        body: { message: 'Unauthorized' },
      };
    }
    return { body: { order: 42 } };
  });
  const admin = {
    deactivated: [] as string[],
    deactivateClient(id: string) {
      this.deactivated.push(id);
      state.active = false;
    },
    reactivateClient() {},
    async rotateKeys() {
      return {};
    },
  };
  const { clock, slept, sleep } = manualTime(Date.UTC(2026, 10, 28, 12));
  return { http, state, admin, clock, slept, sleep };
}

/** A runner of `file` with the scenario's fakes (see setup). */
function scenarioRunner(file: FlowFile, t: ReturnType<typeof setup>): FlowRunner {
  return new FlowRunner(file, {
    http: t.http,
    clock: t.clock,
    sleep: t.sleep,
    secrets: { env: { CLIENT_SECRET: 'shh' } },
    admin: t.admin,
  });
}

describe('flow runner', () => {
  it("renders a step's templates anew on every run and sends a step without any as written", async () => {
    const { file } = loadFlowFile(
      `
version: 1
environments:
  a: { gw: "http://a.test", part: one }
  b: { gw: "http://b.test", part: two }
routes:
  api: { baseUrl: "{{env.gw}}" }
flows:
  f:
    steps:
      - { id: templated, type: call, route: api, token: false, path: "/x/{{env.part}}", assert: [{ json: $.part, exists: true }] }
      - { id: plain, type: call, route: api, token: false, path: /plain, assert: [{ status: 200 }] }
`,
      { fileName: 'inert.yaml' },
    );
    const http = new FakeHttp().on(/\/x\//, (r) => ({ body: { part: r.url.split('/').pop() } })).on(/\/plain$/, {});
    const runner = new FlowRunner(file, { http, secrets: { env: {} } });
    for (const env of ['a', 'b', 'a']) {
      const r = await runner.run({ flow: 'f', env });
      assert.equal(r.status, 'passed', JSON.stringify(r.steps.map((s) => [s.error, s.assertions])));
    }
    assert.deepEqual(
      http.requests.map((r) => r.url),
      [
        'http://a.test/x/one',
        'http://a.test/plain',
        'http://b.test/x/two',
        'http://b.test/plain',
        'http://a.test/x/one',
        'http://a.test/plain',
      ],
    );
  });

  it('a run no one listens to gives the same result as one with a listener (its events are not made)', async () => {
    const runOnce = async (listen: boolean) => {
      const t = setup();
      const { file } = loadFlowFile(FILE, { fileName: 'test.yaml' });
      const runner = scenarioRunner(file, t);
      const events: RunEvent[] = [];
      const result = await runner.run({ flow: 'scenario', ...(listen ? { onEvent: (e) => events.push(e) } : {}) });
      return { result: JSON.parse(JSON.stringify(result)) as unknown, events, requests: t.http.requests.length };
    };
    const heard = await runOnce(true);
    const unheard = await runOnce(false);
    assert.deepEqual(unheard.result, heard.result);
    assert.equal(unheard.requests, heard.requests);
    assert.equal(heard.events[0]?.type, 'run-start');
    assert.equal(heard.events.at(-1)?.type, 'run-end');
    assert.ok(heard.events.some((e) => e.type === 'exchange'));
  });

  it('runs the introspection scenario: 200, active, deactivate, repeat until 401 with a verdict', async () => {
    const t = setup();
    const { file } = loadFlowFile(FILE, { fileName: 'test.yaml' });
    const events: RunEvent[] = [];
    const runner = scenarioRunner(file, t);
    const result = await runner.run({ flow: 'scenario', onEvent: (e) => events.push(e) });

    const byId = Object.fromEntries(result.steps.map((s) => [s.id, s]));
    assert.equal(byId.token!.error?.message, undefined);
    assert.equal(byId.token!.status, 'passed');
    assert.equal(formOf(t.http.requests[0]!).grant_type, 'client_credentials');
    assert.equal(
      t.http.requests[0]!.headers?.Authorization ?? t.http.requests[0]!.headers?.authorization,
      `Basic ${Buffer.from('cc-basic:shh').toString('base64')}`,
    );
    assert.equal(byId['call-ok']!.status, 'passed');
    assert.equal(t.http.requests[1]!.headers?.Authorization, 'Bearer opaque-abc', 'the last token is injected');
    assert.deepEqual(t.http.requests[1]!.secrets, ['opaque-abc']);
    assert.equal(byId.introspect!.status, 'passed');
    assert.deepEqual(t.admin.deactivated, ['cc-basic']);

    const repeat = byId['wait-401']!;
    assert.equal(repeat.status, 'passed');
    assert.equal(repeat.attempts, 2, 'one cached 200, then the 401');
    assert.deepEqual(t.slept, [2000]);
    assert.equal(repeat.verdict?.code, 'token_inactive');
    assert.match(repeat.verdict!.summary, /no longer active/);
    assert.ok(
      repeat.exchanges.some((x) => x.label?.startsWith('diagnosis:')),
      'the diagnosis introspection is on the timeline',
    );

    const cachedCall = repeat.children?.find((s) => s.path === 'wait-401/again#1');
    assert.equal(cachedCall?.verdict?.code, 'accepted_inactive_token', 'a 200 for a dead token is called out');

    assert.equal(byId.never!.status, 'failed');
    assert.equal(byId.after!.status, 'skipped', 'a failed step halts the flow');
    assert.equal(result.status, 'failed');
    assert.equal(events[0]!.type, 'run-start');
    assert.equal(events.at(-1)!.type, 'run-end');
    assert.ok(events.filter((e) => e.type === 'exchange').length >= 6);
  });

  it('reports a missing environment variable as the step error, naming it, and runs nothing', async () => {
    const t = setup();
    const { file } = loadFlowFile(FILE, { fileName: 'test.yaml' });
    const result = await new FlowRunner(file, {
      http: t.http,
      clock: t.clock,
      sleep: t.sleep,
      secrets: { env: {} },
      admin: t.admin,
    }).run({ flow: 'scenario' });
    assert.equal(result.status, 'error');
    const errored = result.steps.find((s) => s.status === 'error')!;
    assert.equal(errored.error?.code, 'secret.missing');
    assert.match(errored.error!.message, /CLIENT_SECRET/);
    assert.equal(t.http.requests.length, 0);
  });

  it('stops at an IdP whose client secret reference is unset: a configuration error naming the variable and the IdP, nothing sent', async () => {
    const t = setup();
    const { file } = loadFlowFile(
      FILE.replace('clientSecret: "{{env.secret}}"', 'clientSecret: "${env:OKTA_SECRET}"'),
      { fileName: 'test.yaml' },
    );
    const result = await new FlowRunner(file, {
      http: t.http,
      clock: t.clock,
      sleep: t.sleep,
      secrets: { env: { CLIENT_SECRET: 'x' } },
    }).run({ flow: 'scenario' });
    const token = result.steps.find((s) => s.id === 'token')!;
    assert.equal(token.error?.code, 'config.secret_unset');
    assert.match(token.error!.message, /IdP okta .*OKTA_SECRET is not set/);
    assert.match(token.error!.hint ?? '', /export OKTA_SECRET=/);
    assert.equal(t.http.requests.length, 0);
  });

  it('refuses an admin step outside the sandbox with a clear error', async () => {
    const t = setup();
    const { file } = loadFlowFile(FILE, { fileName: 'test.yaml' });
    const result = await new FlowRunner(file, {
      http: t.http,
      clock: t.clock,
      sleep: t.sleep,
      secrets: { env: { CLIENT_SECRET: 'x' } },
    }).run({ flow: 'scenario' });
    const admin = result.steps.find((s) => s.id === 'deactivate')!;
    assert.equal(admin.status, 'error');
    assert.equal(admin.error?.code, 'flow.admin_unavailable');
    assert.match(admin.error!.hint!, /--sandbox/);
  });

  it('turns a token endpoint error into the step error with the OAuth code', async () => {
    const t = setup();
    const http = new FakeHttp().on('https://idp.test/oauth2/default/v1/token', {
      status: 401,
      body: { error: 'invalid_client', error_description: 'Client authentication failed.' },
    });
    const { file } = loadFlowFile(FILE, { fileName: 'test.yaml' });
    const result = await new FlowRunner(file, {
      http,
      clock: t.clock,
      sleep: t.sleep,
      secrets: { env: { CLIENT_SECRET: 'bad' } },
    }).run({ flow: 'scenario' });
    assert.equal(result.steps[0]!.error?.code, 'oauth.invalid_client');
    assert.equal(result.steps[1]!.status, 'skipped');
  });

  it('reuses a still-valid token and re-fetches an expired one', async () => {
    const t = setup();
    const reuse = FILE.replace('reuse: false', 'reuse: true');
    const { file } = loadFlowFile(reuse, { fileName: 'test.yaml' });
    const runner = new FlowRunner(file, {
      http: t.http,
      clock: t.clock,
      sleep: t.sleep,
      secrets: { env: { CLIENT_SECRET: 'x' } },
      admin: t.admin,
    });
    await runner.run({ flow: 'scenario' });
    const tokenCalls = () => t.http.requests.filter((r) => r.url.endsWith('/v1/token')).length;
    assert.equal(tokenCalls(), 1);
    t.state.active = true;
    const second = await runner.run({ flow: 'scenario' });
    assert.equal(tokenCalls(), 1);
    assert.match(second.steps[0]!.notes.join(' '), /Reused a cached token/);
    t.clock.advance(3600 * 1000);
    const third = await runner.run({ flow: 'scenario' });
    assert.equal(tokenCalls(), 2);
    assert.match(third.steps[0]!.notes.join(' '), /had expired/);
  });
});

describe('flow runner: token renewal', () => {
  it('renews an expired client-credentials token before a call that uses it, and says so', async () => {
    const t = setup();
    let issued = 0;
    const http = new FakeHttp()
      .on('https://idp.test/oauth2/default/v1/token', () => ({
        body: { access_token: `tok-${++issued}`, token_type: 'Bearer', expires_in: 60 },
      }))
      .on('http://gw.test/orders', (req) => ({
        status: req.headers?.Authorization === `Bearer tok-${issued}` ? 200 : 401,
        body: {},
      }));
    const text = `
version: 1
environments: { test: { gateway: http://gw.test } }
idps:
  okta: { discovery: false, endpoints: { token: https://idp.test/oauth2/default/v1/token }, clientId: c, clientAuth: none }
routes:
  orders: { baseUrl: "{{env.gateway}}", path: /orders }
flows:
  f:
    steps:
      - { id: token, type: token, idp: okta }
      - id: loop
        type: repeat
        times: 3
        every: 50
        step: { id: call, type: call, route: orders, assert: [{ status: 200 }] }
`;
    const { file } = loadFlowFile(text, { fileName: 't.yaml' });
    const result = await new FlowRunner(file, { http, clock: t.clock, sleep: t.sleep, secrets: { env: {} } }).run({
      flow: 'f',
    });
    const calls = result.steps[1]!.children!;
    assert.deepEqual(
      calls.map((c) => c.status),
      ['passed', 'passed', 'passed'],
    );
    assert.equal(
      issued,
      3,
      'a new token before the 2nd and 3rd call (each 50 s later, tokens live 60 s with 30 s skew)',
    );
    assert.match(calls[1]!.notes.join(' '), /expired at .*a new one was fetched before this call/);
  });
});

describe('flow runner: the token a call names', () => {
  it('renews the token step the call reads, not the last one run', async () => {
    const t = setup();
    const issued = { a: 0, b: 0 };
    const http = new FakeHttp()
      .on('https://idp.test/a/token', () => ({
        body: { access_token: `a-${++issued.a}`, token_type: 'Bearer', expires_in: 60 },
      }))
      .on('https://idp.test/b/token', () => ({
        body: { access_token: `b-${++issued.b}`, token_type: 'Bearer', expires_in: 3600 },
      }))
      .on('http://gw.test/orders', (req) => ({
        status: req.headers?.Authorization === `Bearer a-${issued.a}` ? 200 : 401,
      }));
    const text = `
version: 1
environments: { test: { gateway: http://gw.test } }
idps:
  a: { discovery: false, endpoints: { token: https://idp.test/a/token }, clientId: a, clientAuth: none }
  b: { discovery: false, endpoints: { token: https://idp.test/b/token }, clientId: b, clientAuth: none }
routes:
  orders: { baseUrl: "{{env.gateway}}", path: /orders }
flows:
  f:
    steps:
      - { id: token-a, type: token, idp: a }
      - { id: token-b, type: token, idp: b }
      - { id: later, type: wait, seconds: 50 }
      - { id: call, type: call, route: orders, token: "{{steps.token-a.token.access_token}}", assert: [{ status: 200 }] }
`;
    const { file } = loadFlowFile(text, { fileName: 't.yaml' });
    const result = await new FlowRunner(file, { http, clock: t.clock, sleep: t.sleep, secrets: { env: {} } }).run({
      flow: 'f',
    });
    const call = result.steps.find((s) => s.id === 'call')!;
    assert.equal(call.status, 'passed', JSON.stringify(call.error ?? call.assertions));
    assert.deepEqual(issued, { a: 2, b: 1 }, 'token-a renewed before the call; token-b left alone');
    assert.match(call.notes.join(' '), /token from step token-a expired/);
  });
});

describe('flow runner: Okta presets', () => {
  for (const [server, issuer] of [
    [undefined, 'https://dev-1.okta.com/oauth2/default'],
    ['org', 'https://dev-1.okta.com'],
    ['aus9', 'https://dev-1.okta.com/oauth2/aus9'],
  ] as const) {
    it(`discovers ${issuer} for authorizationServerId ${server ?? '(default)'}`, async () => {
      const t = setup();
      const http = new FakeHttp()
        .on(`${issuer}/.well-known/openid-configuration`, {
          body: {
            issuer,
            authorization_endpoint: `${issuer}/v1/authorize`,
            token_endpoint: `${issuer}/v1/token`,
            jwks_uri: `${issuer}/v1/keys`,
            response_types_supported: ['code'],
            subject_types_supported: ['public'],
            id_token_signing_alg_values_supported: ['RS256'],
          },
        })
        .on(`${issuer}/v1/token`, { body: { access_token: 'a', token_type: 'Bearer', expires_in: 60 } });
      const okta = server
        ? `{ domain: dev-1.okta.com, authorizationServerId: ${server} }`
        : '{ domain: dev-1.okta.com }';
      const text = `version: 1\nidps:\n  o: { okta: ${okta}, clientId: c, clientAuth: none }\nflows:\n  f:\n    steps:\n      - { id: t, type: token, idp: o }\n`;
      const result = await new FlowRunner(loadFlowFile(text, { fileName: 't.yaml' }).file, {
        http,
        clock: t.clock,
        secrets: { env: {} },
      }).run({ flow: 'f' });
      assert.equal(result.status, 'passed', JSON.stringify(result.steps[0]!.error));
    });
  }
});

describe('flow runner: step by step', () => {
  it('waits before each step until released, and says so in a paused event', async () => {
    const t = setup();
    const { file } = loadFlowFile(FILE, { fileName: 'test.yaml' });
    const waits: Array<{ id: string; index: number; total: number; requestsSoFar: number }> = [];
    const events: RunEvent[] = [];
    const runner = new FlowRunner(file, {
      http: t.http,
      clock: t.clock,
      sleep: t.sleep,
      secrets: { env: { CLIENT_SECRET: 'shh' } },
      admin: t.admin,
      beforeStep: async (step) => {
        waits.push({ id: step.id, index: step.index, total: step.total, requestsSoFar: t.http.requests.length });
      },
    });
    await runner.run({ flow: 'scenario', onEvent: (e) => events.push(e) });
    assert.deepEqual(
      waits.slice(0, 3).map((w) => [w.id, w.index, w.total]),
      [
        ['token', 0, 8],
        ['call-ok', 1, 8],
        ['introspect', 2, 8],
      ],
    );
    assert.equal(waits[0]!.requestsSoFar, 0, 'nothing is sent before the first step is released');
    assert.equal(waits[1]!.requestsSoFar, 1, 'the token step ran before the pause at the call');
    assert.ok(!waits.some((w) => w.id === 'after'), 'no pause before a step the failed flow will skip');
    const paused = events.filter((e) => e.type === 'paused').map((e) => (e as { id: string }).id);
    assert.deepEqual(
      paused,
      waits.map((w) => w.id),
    );
  });

  it('stops where it waits when the signal aborts: the remaining steps are skipped, nothing more is sent', async () => {
    const t = setup();
    const { file } = loadFlowFile(FILE, { fileName: 'test.yaml' });
    const controller = new AbortController();
    const runner = new FlowRunner(file, {
      http: t.http,
      clock: t.clock,
      sleep: t.sleep,
      secrets: { env: { CLIENT_SECRET: 'shh' } },
      admin: t.admin,
      signal: controller.signal,
      beforeStep: async (step) => {
        if (step.id === 'introspect') controller.abort();
      },
    });
    const result = await runner.run({ flow: 'scenario' });
    const status = Object.fromEntries(result.steps.map((s) => [s.id, s.status]));
    assert.equal(status.token, 'passed');
    assert.equal(status['call-ok'], 'passed');
    assert.equal(status.introspect, 'skipped');
    assert.equal(status.after, 'skipped');
    assert.equal(t.http.requests.length, 2);
    assert.ok(result.steps.find((s) => s.id === 'introspect')!.notes.includes('The run was stopped.'));
    assert.equal(result.status, 'error', 'a stopped run does not pass');
  });

  it('a wait cut short by Stop is not a passed step: it says the run was stopped during it', async () => {
    const t = setup();
    const text = `version: 1
flows:
  waiting:
    steps:
      - { id: pause, type: wait, seconds: 600 }
      - { id: after, type: wait, seconds: 1 }
`;
    const { file } = loadFlowFile(text, { fileName: 'wait.yaml' });
    const controller = new AbortController();
    const sleep = (ms: number, signal?: AbortSignal) =>
      new Promise<void>((resolve) => {
        if (ms > 1000) controller.abort();
        if (signal?.aborted) resolve();
        else signal?.addEventListener('abort', () => resolve(), { once: true });
        if (!signal) resolve();
      });
    const runner = new FlowRunner(file, {
      http: t.http,
      clock: t.clock,
      sleep,
      secrets: { env: {} },
      signal: controller.signal,
    });
    const result = await runner.run({ flow: 'waiting' });
    const pause = result.steps.find((s) => s.id === 'pause')!;
    assert.equal(pause.status, 'error');
    assert.equal(pause.error?.code, 'flow.stopped');
    assert.equal(result.steps.find((s) => s.id === 'after')!.status, 'skipped');
    assert.equal(result.status, 'error');
  });
});

describe('flow runner: the route config lint on call steps', () => {
  it('lists what the Kong config lint says about the route a call went to, quiet about what the file leaves out', async () => {
    const t = setup();
    const text = FILE.replace(
      'config: { auth_methods: [introspection], cache_introspection: false }',
      'config: { auth_methods: [introspection], cache_introspection: false, ssl_verify: false }',
    );
    const { file } = loadFlowFile(text, { fileName: 'test.yaml' });
    const runner = scenarioRunner(file, t);
    const result = await runner.run({ flow: 'scenario' });
    const call = result.steps.find((s) => s.id === 'call-ok')!;
    assert.deepEqual(
      call.gatewayFindings?.map((f) => f.rule),
      ['ssl-verify-off'],
    );
    assert.equal(result.steps.find((s) => s.id === 'token')!.gatewayFindings, undefined, 'only call steps are linted');

    const { file: plain } = loadFlowFile(FILE, { fileName: 'test.yaml' });
    const quiet = await new FlowRunner(plain, {
      http: setup().http,
      clock: t.clock,
      sleep: t.sleep,
      secrets: { env: { CLIENT_SECRET: 'shh' } },
      admin: setup().admin,
    }).run({ flow: 'scenario' });
    assert.deepEqual(
      quiet.steps.find((s) => s.id === 'call-ok')!.gatewayFindings,
      [],
      'no client_id in the file is not a missing client_id',
    );
  });
});

describe('flow runner: a failed step fails the run', () => {
  it('with continueOnFailure the next steps run, and the run is still failed', async () => {
    const result = await runWithFailedStep('one-failed');
    assert.deepEqual(
      result.steps.map((s) => s.status),
      ['failed', 'passed', 'passed'],
    );
    assert.equal(result.status, 'failed');
  });

  it('a failed step inside a repeat fails the repeat, and so the run', async () => {
    const result = await runWithFailedStep('inner-failed');
    assert.deepEqual(
      result.steps[0]!.children!.map((c) => c.status),
      ['failed', 'failed'],
    );
    assert.equal(result.steps[0]!.status, 'failed');
    assert.equal(result.status, 'failed');
  });

  it('in a repeat, a failed inner assertion counts on an early attempt; an errored attempt is retried', async () => {
    const text = `
version: 1
routes:
  orders: { baseUrl: http://gw.test, path: /orders }
flows:
  f:
    steps:
      - { id: loop, type: repeat, times: 3, step: { id: call, type: call, route: orders, token: false, assert: [{ status: 200 }] }, until: { status: 200 } }
`;
    const { file } = loadFlowFile(text, { fileName: 't.yaml' });
    const run = (http: FakeHttp) =>
      new FlowRunner(file, { http, clock: setup().clock, secrets: { env: {} } }).run({ flow: 'f' });
    const failedFirst = await run(
      new FakeHttp().once('http://gw.test/orders', { status: 503 }).on('http://gw.test/orders', { status: 200 }),
    );
    assert.deepEqual(
      failedFirst.steps[0]!.children!.map((c) => c.status),
      ['failed', 'passed'],
    );
    assert.equal(failedFirst.status, 'failed');

    const refused = new OidcError('http.connection_refused', 'Nothing listens on gw.test:80.');
    const erredFirst = await run(
      new FakeHttp()
        .once('http://gw.test/orders', () => Promise.reject(refused))
        .on('http://gw.test/orders', { status: 200 }),
    );
    assert.deepEqual(
      erredFirst.steps[0]!.children!.map((c) => c.status),
      ['error', 'passed'],
    );
    assert.equal(erredFirst.status, 'passed');
  });
});

// The step's recording client hands the client's promise on with `then` (issue #14 point 2): an
// answer, a rejection carrying its exchange and a client that throws before answering are each
// recorded on the step, told to the listener in order, and end the step as before.
describe("flow runner: a step's exchanges", () => {
  const ROUTE_FILE = `
version: 1
routes:
  api: { baseUrl: "https://api.test", path: /orders }
flows:
  f:
    steps:
      - { id: c, type: call, route: api, token: false, assert: [{ status: 200 }, { status: 201 }] }
`;
  const exchangeOf = (request: HttpRequest, status?: number): HttpExchange => {
    const exchange = tokenExchange({
      id: `x-${request.url}`,
      request: { ...tokenExchange().request, url: request.url },
    });
    if (status === undefined) delete exchange.response;
    else exchange.response!.status = status;
    return exchange;
  };
  const runWith = async (send: (request: HttpRequest) => Promise<HttpResponse>) => {
    const { file } = loadFlowFile(ROUTE_FILE, { fileName: 'test.yaml' });
    const events: RunEvent[] = [];
    const result = await new FlowRunner(file, { http: { send }, secrets: { env: {} } }).run({
      flow: 'f',
      onEvent: (e) => events.push(e),
    });
    return { step: result.steps[0]!, types: events.map((e) => e.type) };
  };

  it('records an answer, a failure that carries its exchange and a client that throws before answering', async () => {
    const answered = await runWith(async (request) => {
      const exchange = exchangeOf(request, 200);
      return { status: 200, headers: {}, text: '', json: () => ({}) as never, exchange };
    });
    assert.deepEqual(answered.types, ['run-start', 'step-start', 'exchange', 'step-end', 'run-end']);
    assert.equal(answered.step.exchanges.length, 1);
    assert.equal(answered.step.status, 'failed');
    assert.deepEqual(
      answered.step.assertions.map((a) => [a.passed, a.message]),
      [
        [true, 'status was 200'],
        [false, 'status was 200, expected 201'],
      ],
    );
    const failure = (request: HttpRequest) =>
      Object.assign(new OidcError('http.connection_refused', 'The gateway did not answer.'), {
        exchange: exchangeOf(request),
      });
    const rejected = await runWith(async (request) => {
      throw failure(request);
    });
    const thrown = await runWith((request) => {
      throw failure(request);
    });
    for (const { step, types } of [rejected, thrown]) {
      assert.deepEqual(types, ['run-start', 'step-start', 'exchange', 'step-end', 'run-end']);
      assert.equal(step.status, 'error');
      assert.equal(step.error?.message, 'The gateway did not answer.');
      assert.equal(step.exchanges[0]?.request.url, 'https://api.test/orders');
    }
    const bare = await runWith(() => {
      throw new Error('no exchange');
    });
    assert.deepEqual(bare.types, ['run-start', 'step-start', 'step-end', 'run-end']);
    assert.equal(bare.step.exchanges.length, 0);
  });
});

describe('flow runner: the environment of each run', () => {
  it('keeps a plain environment between runs, renders a templated one every run, and follows the env and flow asked', async () => {
    const http = new FakeHttp().on(/^http:\/\//, { body: {} });
    const text = `
version: 1
environments:
  plain: { gateway: http://plain.test }
  sourced: { gateway: "\${env:GATEWAY}" }
routes:
  orders: { baseUrl: "{{env.gateway}}", path: /orders }
flows:
  f:
    steps:
      - { id: call, type: call, route: orders, token: false }
  g:
    env: sourced
    steps:
      - { id: call, type: call, route: orders, token: false }
`;
    const { file } = loadFlowFile(text, { fileName: 't.yaml' });
    const source: Record<string, string> = { GATEWAY: 'http://one.test' };
    const runner = new FlowRunner(file, { http, secrets: { env: source } });
    const urls: string[] = [];
    const run = async (flow: string, env?: string) => {
      const result = await runner.run({ flow, env });
      assert.equal(result.status, 'passed', JSON.stringify(result.steps.map((s) => s.error)));
      urls.push(result.steps[0]!.exchanges[0]!.request.url);
      return result;
    };
    const first = await run('f');
    await run('f');
    await run('g');
    source.GATEWAY = 'http://two.test';
    await run('g');
    await run('f', 'sourced');
    const last = await run('f');
    assert.deepEqual(urls, [
      'http://plain.test/orders',
      'http://plain.test/orders',
      'http://one.test/orders',
      'http://two.test/orders',
      'http://two.test/orders',
      'http://plain.test/orders',
    ]);
    assert.equal(first.env, 'plain');
    assert.equal(last.env, 'plain');
    await assert.rejects(runner.run({ flow: 'f', env: 'missing' }), /There is no environment 'missing'/);
  });
});
