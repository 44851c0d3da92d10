/** The call diagnosis on its own: when it asks the token's IdP, what it remembers, and the route's lint findings. */
import { strict as assert } from 'node:assert';
import { diagnoseCall, routeFindings } from '../../../src/core/flow/call-diagnosis';
import type { HttpResponse } from '../../../src/core/http/types';
import { connectIdp } from '../../../src/core/oauth';
import { emptyStepRun, fakeRunScope } from '../../support/run-scope';
import { FakeHttp } from '../../support/fake-http';

const INTROSPECT = 'https://idp.test/introspect';

function answer(status: number): HttpResponse {
  const text = status === 401 ? '{"message":"Unauthorized"}' : '{}';
  return {
    status,
    headers: status === 401 ? { 'www-authenticate': 'Bearer error="invalid_token"' } : {},
    text,
  } as HttpResponse;
}

async function setup(active: boolean) {
  const http = new FakeHttp().on(INTROSPECT, {
    body: active ? { active: true, scope: 'orders:read' } : { active: false },
  });
  const okta = await connectIdp(
    {
      name: 'okta',
      idp: { discovery: false, endpoints: { introspection: INTROSPECT }, clientId: 'app', clientSecret: 's' },
    },
    { http, secrets: {} },
  );
  const scope = fakeRunScope({ idps: { okta } });
  scope.tokenOrigin.set('opaque-1', 'okta');
  return { http, scope };
}

describe('call diagnosis', () => {
  it("asks the token's IdP about a refused token, on the timeline as a diagnosis call, and remembers the answer", async () => {
    const t = await setup(false);
    const verdict = await diagnoseCall(
      { response: answer(401), token: 'opaque-1', gateway: { kind: 'kong' }, http: t.http, run: emptyStepRun() },
      t.scope,
    );
    assert.equal(verdict?.code, 'token_inactive');
    assert.match(t.http.last().label ?? '', /^diagnosis: /);
    assert.equal(t.scope.lastIntrospection.get('opaque-1')?.active, false);
  });

  it("passes the route's expectations: a 403 with no challenge names the scope the IdP's answer lacks", async () => {
    const t = await setup(true);
    const verdict = await diagnoseCall(
      {
        response: { status: 403, headers: {}, text: 'Forbidden' } as HttpResponse,
        token: 'opaque-1',
        gateway: { kind: 'other', expected: { scopes: ['orders:write'] } },
        http: t.http,
        run: emptyStepRun(),
      },
      t.scope,
    );
    assert.equal(verdict?.code, 'scope_missing');
    assert.match(verdict!.summary, /orders:write.*has: orders:read/);
  });

  it('stays quiet about an accepted call unless the token is known to be inactive', async () => {
    const t = await setup(true);
    assert.equal(
      await diagnoseCall({ response: answer(200), token: 'opaque-1', http: t.http, run: emptyStepRun() }, t.scope),
      undefined,
    );
    assert.equal(t.http.requests.length, 0);
    t.scope.lastIntrospection.set('opaque-1', { active: false, claims: {} });
    const verdict = await diagnoseCall(
      { response: answer(200), token: 'opaque-1', gateway: { kind: 'kong' }, http: t.http, run: emptyStepRun() },
      t.scope,
    );
    assert.equal(verdict?.code, 'accepted_inactive_token');
    assert.equal(t.http.requests.length, 0, 'an accepted call does not ask the IdP again');
  });

  it('tells the diagnosis where the route put the token, and that a call without one had none', async () => {
    const t = await setup(true);
    const diagnose = (options: { token?: string; placement?: { in?: 'query' | 'header'; scheme?: string } }) =>
      diagnoseCall(
        {
          response: answer(401),
          gateway: { kind: 'kong', config: { bearer_token_param_type: ['header'] } },
          http: t.http,
          run: emptyStepRun(),
          ...options,
        },
        t.scope,
      );
    assert.equal((await diagnose({}))?.code, 'no_token');
    assert.equal((await diagnose({ token: 'stray', placement: { in: 'query' } }))?.code, 'token_wrong_place');
    assert.equal((await diagnose({ token: 'stray', placement: { scheme: 'Token' } }))?.code, 'token_wrong_place');
    assert.equal(t.http.requests.length, 0, 'a token of unknown origin is not introspected');
  });

  it('lints only routes with a Kong config', async () => {
    const t = await setup(true);
    assert.equal(await routeFindings({ kind: 'apache' }, 'opaque-1', t.scope), undefined);
    assert.ok(
      Array.isArray(
        await routeFindings({ kind: 'kong', config: { auth_methods: ['introspection'] } }, 'opaque-1', t.scope),
      ),
    );
  });
});
