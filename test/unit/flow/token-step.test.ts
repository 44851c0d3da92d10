/** The token step on its own: grant, reuse through the token store, the token's origin, and renewal before a call. */
import { strict as assert } from 'node:assert';
import { ManualClock } from '../../../src/core/clock';
import type { TokenStep } from '../../../src/core/flow/file-format';
import type { TemplateContext } from '../../../src/core/flow/step-result';
import { renewExpiredToken, runTokenStep } from '../../../src/core/flow/token-step';
import { connectIdp } from '../../../src/core/oauth';
import { fakeRunScope } from '../../support/run-scope';
import { FakeHttp } from '../../support/fake-http';

const TOKEN_URL = 'https://idp.test/token';

async function setup() {
  const http = new FakeHttp();
  let issued = 0;
  http.on(TOKEN_URL, () => ({
    body: { access_token: `at-${++issued}`, token_type: 'Bearer', expires_in: 300, scope: 'orders:read' },
  }));
  const clock = new ManualClock(Date.UTC(2026, 10, 28, 12));
  const okta = await connectIdp(
    {
      name: 'okta',
      idp: {
        discovery: false,
        endpoints: { token: TOKEN_URL },
        clientId: 'app',
        clientSecret: 's',
        scopes: ['orders:read'],
      },
    },
    { http, secrets: {}, clock },
  );
  const scope = fakeRunScope({ idps: { okta }, clock });
  const notes: string[] = [];
  return { http, scope, notes, options: { http, note: (m: string) => notes.push(m) } };
}

const STEP: TokenStep = { id: 'token', type: 'token', idp: 'okta', grant: 'client_credentials' };

describe('token step', () => {
  it("fetches with the IdP's client and scopes, records where the token came from and reuses it while valid", async () => {
    const t = await setup();
    const first = await runTokenStep(STEP, t.options, t.scope);
    assert.equal(first.token?.access_token, 'at-1');
    assert.equal(first.token?.expires_at, Math.floor(t.scope.clock.now() / 1000) + 300);
    assert.match(t.http.last().headers?.Authorization ?? '', /^Basic /);
    assert.equal(t.scope.tokenOrigin.get('at-1'), 'okta');
    const again = await runTokenStep(STEP, t.options, t.scope);
    assert.equal(again.token?.access_token, 'at-1');
    assert.deepEqual(t.notes, ['Reused a cached token that is still valid.']);
    assert.equal((await runTokenStep({ ...STEP, reuse: false }, t.options, t.scope)).token?.access_token, 'at-2');
  });

  it('takes an IdP the run has connected to without waiting for it, and waits for one it has not', async () => {
    const t = await setup();
    const known = t.scope.knownIdp('okta')!;
    const waited: string[] = [];
    const scope = { ...t.scope, idp: (name: string) => (waited.push(name), Promise.resolve(known)) };
    await runTokenStep({ ...STEP, reuse: false }, t.options, scope);
    assert.deepEqual(waited, []);
    await runTokenStep({ ...STEP, reuse: false }, t.options, { ...scope, knownIdp: () => undefined });
    assert.deepEqual(waited, ['okta']);
  });

  it("sends the IdP's extra parameters and the step's over them, and none when neither has any", async () => {
    const t = await setup();
    await runTokenStep({ ...STEP, reuse: false }, t.options, t.scope);
    assert.deepEqual(t.http.last().form, { grant_type: 'client_credentials', scope: 'orders:read' });
    const okta = t.scope.knownIdp('okta')!;
    const scope = { ...t.scope, knownIdp: () => ({ ...okta, config: { ...okta.config, extra: { a: '1', b: '2' } } }) };
    await runTokenStep({ ...STEP, reuse: false, extra: { b: 'step' } }, t.options, scope);
    assert.deepEqual(t.http.last().form, { grant_type: 'client_credentials', scope: 'orders:read', a: '1', b: 'step' });
  });

  it('rejects, never throws, when the grant cannot be sent: no token endpoint, or an IdP lookup that fails', async () => {
    const t = await setup();
    const okta = t.scope.knownIdp('okta')!;
    const noEndpoint = {
      ...t.scope,
      knownIdp: () => ({ ...okta, ctx: { ...okta.ctx, metadata: { issuer: 'https://idp' } } }),
    };
    for (const reuse of [false, true]) {
      const pending = runTokenStep({ ...STEP, reuse }, t.options, noEndpoint);
      await assert.rejects(pending, (e: { code?: string }) => e.code === 'oauth.missing_endpoint');
    }
    const broken = {
      ...t.scope,
      knownIdp: (): never => {
        throw new Error('lookup failed');
      },
    };
    await assert.rejects(runTokenStep({ ...STEP, reuse: false }, t.options, broken), /lookup failed/);
    assert.equal(t.http.requests.length, 0);
  });

  it('refuses the authorization-code grant without a browser', async () => {
    const t = await setup();
    await assert.rejects(
      runTokenStep({ ...STEP, grant: 'authorization_code' }, t.options, t.scope),
      (error: { code?: string }) => error.code === 'flow.needs_browser',
    );
    assert.equal(t.http.requests.length, 0);
  });

  it('renews the latest token before a call once it is within 30 s of expiry, and says so', async () => {
    const t = await setup();
    const ctx: TemplateContext = { env: {}, steps: { token: await runTokenStep(STEP, t.options, t.scope) } };
    await renewExpiredToken({ def: STEP, ctx, ...t.options }, t.scope);
    assert.equal(t.http.requests.length, 1, 'a fresh token is left alone');
    t.scope.clock.advance(280_000);
    await renewExpiredToken({ def: STEP, ctx, ...t.options }, t.scope);
    assert.equal(ctx.steps.token?.token?.access_token, 'at-2');
    assert.match(t.notes.at(-1)!, /The token from step token expired at .*; a new one was fetched before this call\./);
    await renewExpiredToken(
      {
        def: { ...STEP, refetchOnExpiry: false },
        ctx: {
          env: {},
          steps: { token: { status: 'passed', token: { access_token: 'old', token_type: 'Bearer', expires_at: 1 } } },
        },
        ...t.options,
      },
      t.scope,
    );
    assert.equal(t.http.requests.length, 2, 'refetchOnExpiry: false keeps the expired token');
  });
});
