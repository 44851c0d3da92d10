/** The call and request steps on their own: route, token placement, body, redaction, and the diagnosis they attach. */
import { strict as assert } from 'node:assert';
import type { FlowFile } from '../../../src/core/flow/file-format';
import { runCallStep, runRequestStep } from '../../../src/core/flow/http-steps';
import type { TemplateContext } from '../../../src/core/flow/step-result';
import { emptyStepRun, fakeRunScope } from '../../support/run-scope';
import { FakeHttp } from '../../support/fake-http';

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
});
