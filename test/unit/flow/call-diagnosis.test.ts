/** The call diagnosis on its own: when it asks the token's IdP, what it remembers, and the route's lint findings. */
import { strict as assert } from 'node:assert';
import { diagnoseCall, routeFindings } from '../../../src/core/flow/call-diagnosis';
import type { HttpResponse } from '../../../src/core/http/types';
import { connectIdp } from '../../../src/core/oauth';
import { emptyStepRun, fakeRunScope } from '../../support/run-scope';
import { FakeHttp } from '../../support/fake-http';
import { rawToken } from '../../support/jwt-fixtures';
import type { IdpConfig } from '../../../src/core/flow/file-format';
import type { LintFinding } from '../../../src/core/gateway/lint';

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

const ORG = 'https://dev-1.okta.com';
const API_TOKEN = '00TestApiTokenValue0123456789abcdef';
const OKTA_JWT = rawToken(
  { alg: 'RS256', kid: 'k1' },
  { iss: `${ORG}/oauth2/default`, cid: '0oa1', uid: '00u1', sub: 'alice@example.com', exp: 4102444800 },
  'c2lnbmF0dXJl',
);

/** The token's IdP answers active: false; Okta's management API holds the app (and user) in the given states. */
async function setupOkta(options: {
  idp?: Partial<IdpConfig>;
  env?: Record<string, string>;
  app?: string;
  user?: string;
}) {
  const http = new FakeHttp()
    .on(INTROSPECT, { body: { active: false } })
    .on(`${ORG}/api/v1/apps/0oa1`, {
      body: {
        id: '0oa1',
        label: 'Orders',
        status: options.app ?? 'INACTIVE',
        credentials: { oauthClient: { client_id: '0oa1' } },
      },
    })
    .on(`${ORG}/api/v1/users/00u1`, {
      body: { id: '00u1', status: options.user ?? 'ACTIVE', profile: { login: 'alice@example.com' } },
    });
  const okta = await connectIdp(
    {
      name: 'okta',
      idp: {
        okta: { domain: 'dev-1.okta.com' },
        discovery: false,
        endpoints: { introspection: INTROSPECT },
        clientId: '0oa1',
        clientSecret: 's',
        ...options.idp,
      },
    },
    { http, secrets: { env: options.env ?? {} } },
  );
  const scope = fakeRunScope({ idps: { okta } });
  scope.tokenOrigin.set(OKTA_JWT, 'okta');
  const run = emptyStepRun();
  const verdict = await diagnoseCall(
    { response: answer(401), token: OKTA_JWT, gateway: { kind: 'kong' }, http, run },
    scope,
  );
  const management = http.requests.filter((r) => r.url.includes('/api/v1/'));
  return { verdict, management, run };
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

  it('an Apache route with plugin jwt is diagnosed as mod_auth_openidc verifying JWTs itself', async () => {
    const t = await setup(true);
    const verdict = await diagnoseCall(
      {
        response: answer(401),
        token: 'stray-token-value',
        placement: { in: 'query' },
        gateway: { kind: 'apache', plugin: 'jwt' },
        http: t.http,
        run: emptyStepRun(),
      },
      t.scope,
    );
    assert.equal(verdict?.code, 'token_wrong_place');
    assert.match(verdict!.summary, /mod_auth_openidc \(local JWT verification\)/);
  });

  it('lints only routes with a Kong config', async () => {
    const t = await setup(true);
    assert.equal(routeFindings({ kind: 'apache' }, 'opaque-1', t.scope), undefined);
    assert.ok(
      Array.isArray(routeFindings({ kind: 'kong', config: { auth_methods: ['introspection'] } }, 'opaque-1', t.scope)),
    );
  });

  it('lints again when what the route is linted against changes, and every call gets its own findings', async () => {
    const t = await setup(true);
    const config = { auth_methods: ['introspection'], scopes_required: ['orders:write'] };
    const first = routeFindings({ kind: 'kong', config }, 'opaque-1', t.scope)!;
    const again = routeFindings({ kind: 'kong', config }, 'opaque-1', t.scope)!;
    assert.deepEqual(again, first);
    assert.notEqual(again, first, 'a new array per call');
    if (first[0]) assert.notEqual(again[0], first[0], 'a new record per finding');
    // The token's introspection answer is now known (a new entry): its scopes are checked.
    t.scope.lastIntrospection.set('opaque-1', { active: true, claims: { scope: 'orders:read' } });
    const introspected = routeFindings({ kind: 'kong', config }, 'opaque-1', t.scope)!;
    assert.notDeepEqual(introspected, first, 'the answer lacks orders:write, which the findings now say');
    t.scope.lastIntrospection.set('opaque-1', { active: true, claims: { scope: 'orders:write' } });
    assert.notDeepEqual(routeFindings({ kind: 'kong', config }, 'opaque-1', t.scope), introspected);
    // Another token, another config object with the same content: the same findings as the first call.
    assert.deepEqual(routeFindings({ kind: 'kong', config: { ...config } }, 'opaque-2', t.scope), first);
  });

  it('gives every call its own empty list when the route lints clean', async () => {
    const t = await setup(true);
    const gateway = {
      kind: 'kong' as const,
      config: { auth_methods: ['introspection'], scopes_required: ['orders:read'], cache_introspection: false },
    };
    const first = routeFindings(gateway, 'opaque-1', t.scope)!;
    const again = routeFindings(gateway, 'opaque-1', t.scope)!;
    const next = routeFindings(gateway, 'opaque-2', t.scope)!;
    assert.deepEqual([first, again, next], [[], [], []]);
    assert.notEqual(again, first);
    assert.notEqual(next, again);
    // What a shell adds to one run's list is not in the next run's.
    first.push({ ...({} as LintFinding) });
    assert.deepEqual(routeFindings(gateway, 'opaque-2', t.scope), []);
  });

  it("lints a new opaque token the lint knows nothing of as the last one, and a JWT after it with the JWT's claims", async () => {
    const t = await setup(true);
    const config = { auth_methods: ['bearer'], scopes_required: ['orders:write'] };
    const gateway = { kind: 'kong' as const, config };
    const first = routeFindings(gateway, 'opaque-1', t.scope)!;
    // Each run of a flow with `reuse: false` sends a new opaque token: the same findings, its own copies.
    const next = routeFindings(gateway, 'opaque-2', t.scope)!;
    assert.deepEqual(next, first);
    assert.notEqual(next, first);
    // A JWT is linted against its claims (orders:read lacks the required orders:write), not as the opaque ones.
    const jwt = rawToken({ alg: 'RS256' }, { scope: 'orders:read', exp: 4102444800 }, 'c2ln');
    const withClaims = routeFindings(gateway, jwt, t.scope)!;
    assert.notDeepEqual(withClaims, first);
    assert.deepEqual(routeFindings(gateway, jwt, t.scope), withClaims);
    // An opaque token the IdP described (introspected, active) is linted against what it said.
    t.scope.lastIntrospection.set('opaque-3', { active: true, claims: { scope: 'orders:read' } });
    assert.deepEqual(routeFindings(gateway, 'opaque-3', t.scope), withClaims);
    assert.deepEqual(routeFindings(gateway, 'opaque-4', t.scope), first);
  });

  it("asks Okta's management API about a refused token's app and user when OKTA_API_TOKEN is set, as visible diagnosis calls", async () => {
    const t = await setupOkta({ env: { OKTA_API_TOKEN: API_TOKEN } });
    assert.deepEqual(
      t.management.map((r) => [r.label, r.url]),
      [
        ['diagnosis: Okta management API', `${ORG}/api/v1/apps/0oa1`],
        ['diagnosis: Okta management API', `${ORG}/api/v1/users/00u1`],
      ],
    );
    for (const request of t.management) {
      assert.equal(request.headers?.authorization, `SSWS ${API_TOKEN}`);
      assert.ok(request.secrets?.includes(API_TOKEN), 'the API token is a secret of the exchange, so it is masked');
    }
    assert.equal(t.verdict?.code, 'client_deactivated');
    assert.equal(t.verdict?.confidence, 'certain');
    assert.match(t.verdict!.summary, /^Okta confirms the application Orders \(client 0oa1\) is INACTIVE/);
    assert.ok(!JSON.stringify(t.verdict).includes(API_TOKEN));
  });

  it('without an API token nothing is asked of the management API, and the verdict stays inferred', async () => {
    const t = await setupOkta({});
    assert.equal(t.management.length, 0);
    assert.equal(t.verdict?.code, 'token_inactive');
    assert.deepEqual(t.run.notes, []);
  });

  it('an explicit oktaApi whose token reference does not resolve leaves a note and asks nothing', async () => {
    const t = await setupOkta({ idp: { oktaApi: { apiToken: '${env:MY_OKTA_TOKEN}' } } });
    assert.equal(t.management.length, 0);
    assert.equal(t.verdict?.code, 'token_inactive');
    assert.match(t.run.notes.join('\n'), /Okta management API not asked: .*MY_OKTA_TOKEN/);
  });

  it('an explicit oktaApi on a non-Okta issuer is asked at its orgUrl; OKTA_API_TOKEN alone is not used there', async () => {
    const plain = { okta: undefined, issuer: 'https://idp.test', discovery: false };
    const unasked = await setupOkta({ idp: plain, env: { OKTA_API_TOKEN: API_TOKEN } });
    assert.equal(unasked.management.length, 0);
    const asked = await setupOkta({
      idp: { ...plain, oktaApi: { orgUrl: ORG, apiToken: '${env:MY_OKTA_TOKEN}' } },
      env: { MY_OKTA_TOKEN: API_TOKEN },
      app: 'ACTIVE',
    });
    assert.equal(asked.management.length, 2);
    assert.equal(asked.verdict?.code, 'token_inactive');
    assert.match(asked.verdict!.summary, /Okta confirms the application Orders \(client 0oa1\) is ACTIVE/);
  });

  it('a user Okta holds SUSPENDED is the verdict when the app is active', async () => {
    const t = await setupOkta({ env: { OKTA_API_TOKEN: API_TOKEN }, app: 'ACTIVE', user: 'SUSPENDED' });
    assert.equal(t.verdict?.code, 'user_inactive');
    assert.match(t.verdict!.summary, /alice@example.com \(00u1\) is SUSPENDED/);
  });

  it('a failed management call is evidence only: the inferred verdict stands', async () => {
    const http = new FakeHttp().on(/\/api\/v1\//, {
      status: 401,
      body: { errorCode: 'E0000011', errorSummary: 'Invalid token provided' },
    });
    const okta = await connectIdp(
      { name: 'okta', idp: { okta: { domain: 'dev-1.okta.com' }, discovery: false, clientId: '0oa1' } },
      { http, secrets: { env: { OKTA_API_TOKEN: API_TOKEN } } },
    );
    const scope = fakeRunScope({ idps: { okta } });
    scope.tokenOrigin.set(OKTA_JWT, 'okta');
    const verdict = await diagnoseCall(
      { response: answer(401), token: OKTA_JWT, gateway: { kind: 'kong' }, http, run: emptyStepRun() },
      scope,
    );
    assert.equal(http.requests.length, 1, 'a refused API token is not tried again for the user');
    assert.notEqual(verdict?.code, 'client_deactivated');
    assert.ok(verdict!.evidence.some((e) => e.source === 'idp-record' && /\[okta\.E0000011\]/.test(e.text)));
  });
});
