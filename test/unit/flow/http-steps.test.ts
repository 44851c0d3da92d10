/** The call and request steps on their own: route, token placement, body, redaction, and the diagnosis they attach. */
import { strict as assert } from 'node:assert';
import type { FlowFile } from '../../../src/core/flow/file-format';
import { assertionsReadBody, responseResult, runCallStep, runRequestStep } from '../../../src/core/flow/http-steps';
import type { HttpResponse } from '../../../src/core/http/types';
import type { TemplateContext } from '../../../src/core/flow/step-result';
import { emptyStepRun, fakeRunScope } from '../../support/run-scope';
import { FakeHttp } from '../../support/fake-http';
import type { LogFileReader } from '../../../src/core/diagnosis/gateway-log';
import type { RunnerDeps } from '../../../src/core/flow/runner';
import { manualTime } from '../../support/manual-time';

const ROUTES: FlowFile['routes'] = {
  header: { baseUrl: '{{env.gw}}/', path: '/orders', query: { page: 1 } },
  query: { baseUrl: '{{env.gw}}', path: '/orders', token: { in: 'query' } },
  cookie: { baseUrl: '{{env.gw}}', path: '/orders', token: { in: 'cookie', name: 'session' } },
  body: { baseUrl: '{{env.gw}}', path: '/orders', method: 'POST', token: { in: 'body' } },
};

function ctx(): TemplateContext {
  return {
    env: { gw: 'https://gw.test' },
    steps: { token: { status: 'passed', token: { access_token: 'tok', token_type: 'Bearer' } } },
  };
}

describe('call step', () => {
  const http = () => new FakeHttp().on(/^https:\/\/gw\.test\/orders/, { body: { order: 42 } });

  it('calls the route with the latest token in the Authorization header, and records request and parsed response', async () => {
    const h = http();
    const result = await runCallStep(
      { id: 'c', type: 'call', route: 'header' },
      { ctx: ctx(), routes: ROUTES, http: h, run: emptyStepRun() },
      fakeRunScope(),
    );
    assert.equal(h.last().url, 'https://gw.test/orders?page=1');
    assert.equal(h.last().headers?.Authorization, 'Bearer tok');
    assert.deepEqual(h.last().secrets, ['tok']);
    assert.deepEqual(result.response?.body, { order: 42 });
    assert.equal(result.request?.headers.Authorization, 'Bearer tok');
  });

  it('sends the token of the latest step that got one, passing over later steps that got none', async () => {
    const h = http();
    const steps: TemplateContext['steps'] = {
      first: { status: 'passed', token: { access_token: 'tok-1', token_type: 'Bearer' } },
      second: { status: 'passed', token: { access_token: 'tok-2', token_type: 'Bearer' } },
      empty: { status: 'passed', token: { access_token: '', token_type: 'Bearer' } },
      call: { status: 'passed', response: { status: 200, headers: {}, body: {} } },
    };
    await runCallStep(
      { id: 'c', type: 'call', route: 'header' },
      { ctx: { env: { gw: 'https://gw.test' }, steps }, routes: ROUTES, http: h, run: emptyStepRun() },
      fakeRunScope(),
    );
    assert.equal(h.last().headers?.Authorization, 'Bearer tok-2');
  });

  it('renders a route for the environment of each run: the same route with a new environment calls the new URL', async () => {
    const routes: FlowFile['routes'] = { r: { baseUrl: '{{env.gw}}', path: '/orders' } };
    const h = new FakeHttp().on(/\/orders$/, { body: {} });
    const call = (context: TemplateContext) =>
      runCallStep(
        { id: 'c', type: 'call', route: 'r' },
        { ctx: context, routes, http: h, run: emptyStepRun() },
        fakeRunScope(),
      );
    const first = ctx();
    await call(first);
    await call(first);
    await call({ ...ctx(), env: { gw: 'https://other.test' } });
    await call(first);
    assert.deepEqual(
      h.requests.map((r) => r.url),
      ['https://gw.test/orders', 'https://gw.test/orders', 'https://other.test/orders', 'https://gw.test/orders'],
    );
  });

  it('leaves verdict then gateway findings on the step run, diagnosed or not; a throw before sending rejects', async () => {
    const routes: FlowFile['routes'] = {
      kong: {
        baseUrl: '{{env.gw}}',
        path: '/orders',
        gateway: { kind: 'kong', config: { auth_methods: ['introspection'], cache_introspection: false } },
      },
    };
    const h = new FakeHttp()
      .on('https://gw.test/orders', { status: 200, body: {} }, { times: 1 })
      .on('https://gw.test/orders', { status: 401, body: {} });
    const passed = emptyStepRun();
    const ok = await runCallStep(
      { id: 'c', type: 'call', route: 'kong' },
      { ctx: ctx(), routes, http: h, run: passed },
      fakeRunScope(),
    );
    assert.equal(ok.response?.status, 200);
    assert.deepEqual(Object.keys(passed).slice(-2), ['verdict', 'gatewayFindings']);
    assert.equal(passed.verdict, undefined);
    const refused = emptyStepRun();
    await runCallStep(
      { id: 'c', type: 'call', route: 'kong' },
      { ctx: ctx(), routes, http: h, run: refused },
      fakeRunScope(),
    );
    assert.deepEqual(Object.keys(refused).slice(-2), ['verdict', 'gatewayFindings']);
    assert.notEqual(refused.verdict, undefined);
    const throwing = {
      send(): never {
        throw new Error('refused at once');
      },
    };
    const pending = runCallStep(
      { id: 'c', type: 'call', route: 'kong' },
      { ctx: ctx(), routes, http: throwing, run: emptyStepRun() },
      fakeRunScope(),
    );
    await assert.rejects(pending, /refused at once/);
    await assert.rejects(
      runCallStep(
        { id: 'c', type: 'call', route: 'nowhere' },
        { ctx: ctx(), routes, http: h, run: emptyStepRun() },
        fakeRunScope(),
      ),
      /There is no route 'nowhere'/,
    );
  });

  /** Calls route `r` of `routes`, without a token, in the given environment. */
  const callIn = (routes: FlowFile['routes'], h: FakeHttp) => (env: Record<string, unknown>) =>
    runCallStep(
      { id: 'c', type: 'call', route: 'r', token: false },
      { ctx: { env, steps: {} }, routes, http: h, run: emptyStepRun() },
      fakeRunScope(),
    );

  it('names an empty host variable on every call under that environment, and calls once it is filled', async () => {
    const h = new FakeHttp().on(/\/orders$/, { body: {} });
    const call = callIn({ r: { baseUrl: 'https://{{env.host}}/api', path: '/orders' } }, h);
    const empty = { host: '' };
    for (let i = 0; i < 2; i += 1)
      await assert.rejects(call(empty), (e: Error) => /\{\{env\.host\}\} is empty/.test(e.message));
    await call({ host: 'gw.test' });
    assert.deepEqual(
      h.requests.map((r) => r.url),
      ['https://gw.test/api/orders'],
    );
  });

  it('names an empty host variable even when the URL it makes was called before under another environment', async () => {
    const h = new FakeHttp().on(/\/orders$/, { body: {} });
    const call = callIn({ r: { baseUrl: 'https://{{env.host}}{{env.rest}}', path: '/orders' } }, h);
    const filled = { host: 'gw', rest: '.test' };
    await call(filled);
    // The same text, https://gw.test/orders, from an empty host variable.
    await assert.rejects(call({ host: '', rest: 'gw.test' }), (e: Error) =>
      /\{\{env\.host\}\} is empty/.test(e.message),
    );
    await call(filled);
    assert.deepEqual(
      h.requests.map((r) => r.url),
      ['https://gw.test/orders', 'https://gw.test/orders'],
    );
  });

  // A step and route that are the same objects on every run keep their href (issue #14 point 2):
  // whatever changes the route, its environment or the file's routes, the call sends where it says.
  it('the same step object calls the URL of the route and environment of each call', async () => {
    const h = new FakeHttp().on(/\/orders$/, { body: {} });
    const step = { id: 'c', type: 'call', route: 'r', token: false } as const;
    const scope = fakeRunScope();
    const call = (routes: FlowFile['routes'], env: Record<string, unknown>) =>
      runCallStep(step, { ctx: { env, steps: {} }, routes, http: h, run: emptyStepRun() }, scope);
    const templated: FlowFile['routes'] = { r: { baseUrl: 'https://{{env.host}}', path: '/orders' } };
    const plain: FlowFile['routes'] = { r: { baseUrl: 'https://plain.test/', path: '/orders' } };
    const gw = { host: 'gw.test' };
    await call(templated, gw);
    await call(templated, gw);
    await call(templated, { host: 'other.test' });
    await assert.rejects(call(templated, { host: '' }), (e: Error) => /\{\{env\.host\}\} is empty/.test(e.message));
    await call(templated, gw);
    await call(plain, gw);
    await call(plain, gw);
    await call({ r: { baseUrl: 'https://plain.test', path: '/other/orders' } }, gw);
    await call(templated, gw);
    assert.deepEqual(
      h.requests.map((r) => r.url),
      [
        'https://gw.test/orders',
        'https://gw.test/orders',
        'https://other.test/orders',
        'https://gw.test/orders',
        'https://plain.test/orders',
        'https://plain.test/orders',
        'https://plain.test/other/orders',
        'https://gw.test/orders',
      ],
    );
  });

  it('places the token in the query, a cookie or the form body as the route says', async () => {
    const send = async (route: string) => {
      const h = http();
      await runCallStep(
        { id: 'c', type: 'call', route },
        { ctx: ctx(), routes: ROUTES, http: h, run: emptyStepRun() },
        fakeRunScope(),
      );
      return h.last();
    };
    assert.equal((await send('query')).url, 'https://gw.test/orders?access_token=tok');
    assert.equal((await send('cookie')).headers?.Cookie, 'session=tok');
    const body = await send('body');
    assert.deepEqual(
      { method: body.method, form: body.form, auth: body.headers?.Authorization },
      { method: 'POST', form: { access_token: 'tok' }, auth: undefined },
    );
  });

  it('sends no token with token: false, and names a missing route', async () => {
    const h = http();
    await runCallStep(
      { id: 'c', type: 'call', route: 'header', token: false },
      { ctx: ctx(), routes: ROUTES, http: h, run: emptyStepRun() },
      fakeRunScope(),
    );
    assert.equal(h.last().headers?.Authorization, undefined);
    await assert.rejects(
      runCallStep(
        { id: 'c', type: 'call', route: 'nope' },
        { ctx: ctx(), routes: ROUTES, http: h, run: emptyStepRun() },
        fakeRunScope(),
      ),
      (error: { code?: string }) => error.code === 'flowfile.reference',
    );
  });
});

describe("call step: the route's gateway log (routes.<name>.log)", () => {
  const id = '0123456789abcdef0123456789abcdef';
  const kongLine = (rid: string, message: string) =>
    `2026/12/04 20:30:01 [notice] 1#0: *5 [lua] responses.lua:30: [openid-connect] ${message}, client: 127.0.0.1, server: kong, request: "GET /orders HTTP/1.1", host: "gw", request_id: "${rid}"`;
  const files: Record<string, string> = {
    '/logs/kong/error.log': [
      kongLine('ffffffffffffffffffffffffffffffff', 'invalid exp claim (1) was specified for access token'),
      kongLine(id, 'inactive token'),
    ].join('\n'),
  };
  const readLog: LogFileReader & { asked: string[] } = {
    asked: [],
    async size(path) {
      readLog.asked.push(path);
      if (!(path in files)) throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
      return files[path]!.length;
    },
    async tail(path) {
      return files[path]!;
    },
  };
  const routes: FlowFile['routes'] = {
    kong: {
      baseUrl: '{{env.gw}}',
      path: '/orders',
      gateway: { kind: 'kong' },
      log: { file: '{{env.logs}}/kong/error.log', utcOffsetMinutes: 0 },
    },
    missing: { baseUrl: '{{env.gw}}', path: '/orders', log: { file: '/logs/none.log' } },
    bare: { baseUrl: '{{env.gw}}', path: '/orders' },
  };
  const refusing = () =>
    new FakeHttp().on(/^https:\/\/gw\.test\/orders/, {
      status: 401,
      headers: { 'www-authenticate': 'Bearer error="invalid_token"', 'x-kong-request-id': id },
    });
  const call = async (route: string, deps: Partial<RunnerDeps> = {}) => {
    const run = emptyStepRun();
    const context = { ...ctx(), env: { gw: 'https://gw.test', logs: '/logs' } };
    const time = manualTime(Date.UTC(2026, 11, 4, 20, 30, 1));
    await runCallStep(
      { id: 'c', type: 'call', route },
      { ctx: context, routes, http: refusing(), run },
      fakeRunScope({ clock: time.clock, deps: { readLog, sleep: time.sleep, ...deps } }),
    );
    return run;
  };

  it("puts the lines Kong wrote about this request (its request id) into the verdict as the gateway's words", async () => {
    const run = await call('kong');
    const logged = run.verdict!.evidence.filter((e) => e.source === 'gateway-log');
    assert.deepEqual(
      logged.map((e) => e.text),
      ['[notice] inactive token'],
    );
    assert.ok(readLog.asked.includes('/logs/kong/error.log'), 'the template in log.file was rendered');
  });

  it('an unreadable log leaves a note naming it and the verdict without log lines; the call still passes', async () => {
    const run = await call('missing');
    assert.equal(run.status, 'passed');
    assert.ok(run.verdict);
    assert.ok(!run.verdict.evidence.some((e) => e.source === 'gateway-log'));
    assert.match(
      run.notes.join('\n'),
      /Gateway log not read: Cannot read the gateway log \/logs\/none\.log \(routes\.missing\.log\): ENOENT/,
    );
  });

  it("a route without log: takes the shell's (the extension setting's) log for it", async () => {
    const asked: string[] = [];
    const run = await call('bare', {
      gatewayLogFor: (name) => {
        asked.push(name);
        return { file: '/logs/kong/error.log', utcOffsetMinutes: 0, where: 'oidcFlow.gatewayLogs' };
      },
    });
    assert.deepEqual(asked, ['bare']);
    assert.ok(run.verdict!.evidence.some((e) => e.source === 'gateway-log' && /inactive token/.test(e.text)));
  });
});

describe('request step', () => {
  it('sends the request as written and keeps the credential of an Authorization header out of logs', async () => {
    const h = new FakeHttp().on('https://api.test/x?a=1', { body: 'plain' });
    const result = await runRequestStep(
      {
        id: 'r',
        type: 'request',
        url: 'https://api.test/x',
        query: { a: 1 },
        headers: { authorization: 'Basic c2VjcmV0' },
        json: { q: 1 },
      },
      h,
    );
    assert.deepEqual(h.last().secrets, ['c2VjcmV0']);
    assert.deepEqual(h.last().json, { q: 1 });
    assert.equal(result.response?.body, 'plain');
  });

  it('basicAuth becomes Authorization: Basic base64(username:password) in UTF-8, replacing a written one, both kept out of logs', async () => {
    const h = new FakeHttp().on('https://api.test/x', { body: 'ok' });
    const result = await runRequestStep(
      {
        id: 'r',
        type: 'request',
        url: 'https://api.test/x',
        headers: { AUTHORIZATION: 'Bearer stale', Accept: 'application/json' },
        basicAuth: { username: 'user', password: 'pässword' },
      },
      h,
    );
    const encoded = Buffer.from('user:pässword', 'utf8').toString('base64');
    assert.deepEqual(h.last().headers, { Accept: 'application/json', Authorization: `Basic ${encoded}` });
    assert.deepEqual(h.last().secrets, [encoded, 'pässword']);
    assert.equal(result.request?.headers.Authorization, `Basic ${encoded}`);
  });
});

describe('step response body (parsed when first read)', () => {
  const response = (text: string, contentType?: string): HttpResponse => ({
    status: 200,
    headers: contentType ? { 'content-type': contentType } : {},
    text,
    json: () => JSON.parse(text) as never,
    exchange: undefined as never,
  });

  it('reads as the parsed JSON, the same object each time, and looks like a plain {status, headers, body} to every copy', () => {
    const result = responseResult(response('{"a":{"b":[1,"x"]}}', 'application/json'));
    const plain = { status: 200, headers: { 'content-type': 'application/json' }, body: { a: { b: [1, 'x'] } } };
    assert.deepEqual(result, plain);
    assert.equal(result.body, result.body);
    assert.deepEqual(Object.keys(result), ['status', 'headers', 'body']);
    assert.equal(JSON.stringify(result), JSON.stringify(plain));
    assert.deepEqual(structuredClone(result), plain);
    assert.deepEqual({ ...result }, plain);
    assert.deepEqual(Object.getOwnPropertySymbols({ ...result }), []);
    // Every result shares one accessor pair: each still reads and keeps its own body.
    const other = responseResult(response('[2]', 'application/json'));
    other.body = ['assigned'];
    assert.deepEqual([result.body, other.body], [{ a: { b: [1, 'x'] } }, ['assigned']]);
    assert.deepEqual(responseResult(response('[3]')).body, [3]);
  });

  it('keeps text that is not JSON, or JSON that does not parse, as the text', () => {
    assert.equal(responseResult(response('plain words', 'text/plain')).body, 'plain words');
    assert.equal(responseResult(response('{broken', 'application/json')).body, '{broken');
    assert.deepEqual(responseResult(response(' [1]')).body, [1]);
  });

  it('takes a body assigned to it, before or after it was read', () => {
    const unread = responseResult(response('{"a":1}', 'application/json'));
    unread.body = 'replaced';
    assert.equal(unread.body, 'replaced');
    const read = responseResult(response('{"a":1}', 'application/json'));
    assert.deepEqual(read.body, { a: 1 });
    read.body = { b: 2 };
    assert.deepEqual(read.body, { b: 2 }); // Frozen before its body was read (a shell may freeze what it keeps): still readable.
    const frozen = Object.freeze(responseResult(response('{"c":3}', 'application/json')));
    assert.deepEqual(frozen.body, { c: 3 });
    assert.deepEqual(JSON.parse(JSON.stringify(frozen)).body, { c: 3 });
  });

  it('parsed at once for a step whose assertions read it: the same keys, value and copies as the lazy one', () => {
    const cases: Array<[string, string | undefined]> = [
      ['{"a":{"b":[1,"x"]}}', 'application/json'],
      ['[3]', undefined],
      [' [1]', undefined],
      ['plain words', 'text/plain'],
      ['{broken', 'application/json'],
      ['', 'application/json'],
      ['"text"', 'application/problem+json'],
    ];
    for (const [text, type] of cases) {
      const lazy = responseResult(response(text, type));
      const eager = responseResult(response(text, type), true);
      assert.deepEqual(Object.keys(eager), ['status', 'headers', 'body']);
      assert.equal(JSON.stringify(eager), JSON.stringify(lazy), text);
      assert.deepStrictEqual({ ...eager }, { ...lazy }, text);
      assert.deepStrictEqual(structuredClone(eager), structuredClone(lazy), text);
      assert.equal(eager.body, eager.body);
      eager.body = 'assigned';
      assert.equal(eager.body, 'assigned');
    }
  });

  it('knows which assertions read the body at once: json and active, not status, header or claim', () => {
    assert.equal(assertionsReadBody(undefined), false);
    assert.equal(assertionsReadBody([]), false);
    assert.equal(
      assertionsReadBody([{ status: 200 }, { header: 'x', equals: 'y' }, { claim: 'sub', exists: true }]),
      false,
    );
    assert.equal(assertionsReadBody([{ status: 200 }, { json: '$.a', equals: 1 }]), true);
    assert.equal(assertionsReadBody([{ active: true }]), true);
  });

  it('a call with a json assertion keeps the parsed body a plain data property; one without keeps it unread', async () => {
    const h = new FakeHttp().on(/^https:\/\/gw\.test\/orders/, { body: { order: 42 } });
    const read = await runCallStep(
      { id: 'c', type: 'call', route: 'header', assert: [{ json: '$.order', equals: 42 }] },
      { ctx: ctx(), routes: ROUTES, http: h, run: emptyStepRun() },
      fakeRunScope(),
    );
    const unread = await runCallStep(
      { id: 'c', type: 'call', route: 'header', assert: [{ status: 200 }] },
      { ctx: ctx(), routes: ROUTES, http: h, run: emptyStepRun() },
      fakeRunScope(),
    );
    assert.equal(typeof Object.getOwnPropertyDescriptor(read.response, 'body')?.get, 'undefined');
    assert.equal(typeof Object.getOwnPropertyDescriptor(unread.response, 'body')?.get, 'function');
    assert.deepStrictEqual({ ...read.response }, { ...unread.response });
  });
});
