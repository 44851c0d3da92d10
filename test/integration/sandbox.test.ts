import { strict as assert } from 'node:assert';
import { DEMO_FLOW_FILE } from '../../src/core/sandbox/demo-flow';
import { manualTime } from '../support/manual-time';
import { loadFlowFile } from '../../src/core/flow/load';
import { FlowRunner } from '../../src/core/flow/runner';
import type { StepRun } from '../../src/core/flow/runner';
import { createHttpClient } from '../../src/core/http/client';
import { startSandbox } from '../../src/core/sandbox/sandbox';
import type { Sandbox } from '../../src/core/sandbox/sandbox';
import { completeLogin } from '../support/idp-login';

/**
 * The sandbox end to end: the real IdP (oidc-provider) behind the Kong-like
 * gateway, driven by the flow runner the CLI and the extension use.
 */
describe('sandbox: Kong-like gateway in front of the real IdP', function () {
  this.timeout(60_000);
  let sandbox: Sandbox;
  let http: ReturnType<typeof createHttpClient>;
  // The gateway's cache and the runner's waits run on this clock, so the cached
  // variant is tested without sleeping; the IdP keeps real time.
  const { clock, sleep } = manualTime(Date.now());

  before(async () => {
    // Read the time when the suite starts, not when mocha loads the file: behind
    // a minute of other integration tests, the IdP's fresh JWTs looked issued in
    // the future to the gateway and were refused.
    clock.set(Date.now());
    sandbox = await startSandbox({ createHttpClient: ({ ca }) => createHttpClient({ ca, env: {} }), clock });
    http = createHttpClient({ env: {} });
  });
  after(async () => {
    await http?.close();
    await sandbox?.close();
  });

  const runner = () =>
    new FlowRunner(loadFlowFile(DEMO_FLOW_FILE, { fileName: 'demo' }).file, {
      http,
      clock,
      sleep,
      secrets: { env: sandbox.env },
      admin: sandbox.admin,
    });
  const step = (steps: StepRun[], id: string) => steps.find((s) => s.id === id)!;

  it('plays the introspection scenario: 200, active, deactivate, 401 with the verdict', async () => {
    const result = await runner().run({ flow: 'introspection-scenario' });
    assert.equal(
      result.status,
      'passed',
      JSON.stringify(
        result.steps.map((s) => [
          s.id,
          s.status,
          s.error?.message,
          s.assertions.filter((a) => !a.passed).map((a) => a.message),
        ]),
      ),
    );
    const refused = step(result.steps, 'call-refused');
    assert.equal(refused.result.response?.status, 401);
    assert.equal(refused.verdict?.code, 'client_deactivated');
    // The demo's IdP has oktaApi: the sandbox's management API confirms it rather than the verdict inferring it.
    assert.equal(refused.verdict?.confidence, 'certain');
    assert.match(refused.verdict!.summary, /^Okta confirms the application with client id \S+ is INACTIVE/);
    assert.match(String(refused.result.response?.headers['www-authenticate']), /error="invalid_token"/);
  });

  it('runs the same scenario with the gateway configured from examples/sandbox-kong.yaml', async () => {
    const { readFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const fromFile = await startSandbox({
      createHttpClient: ({ ca }) => createHttpClient({ ca, env: {} }),
      deckText: readFileSync(join(__dirname, '..', '..', 'examples', 'sandbox-kong.yaml'), 'utf8'),
      deckFileName: 'sandbox-kong.yaml',
    });
    try {
      const result = await new FlowRunner(loadFlowFile(DEMO_FLOW_FILE, { fileName: 'demo' }).file, {
        http,
        secrets: { env: fromFile.env },
        admin: fromFile.admin,
      }).run({ flow: 'introspection-scenario' });
      assert.equal(
        result.status,
        'passed',
        JSON.stringify(result.steps.map((s) => [s.id, s.status, s.error?.message])),
      );
      assert.equal(fromFile.gateway.routes.length, 5);
    } finally {
      await fromFile.close();
    }
  });

  it('plays the cached variant: the dead token is accepted until the cache entry expires', async () => {
    const result = await runner().run({ flow: 'cached-variant' });
    assert.equal(result.status, 'passed', JSON.stringify(result.steps.map((s) => [s.id, s.status, s.error?.message])));
    const cached = step(result.steps, 'call-cached');
    assert.equal(cached.result.response?.status, 200);
    assert.equal(cached.verdict?.code, 'accepted_inactive_token');
    assert.match(cached.verdict!.summary, /up to 20 s after it last asked the IdP/);
    const repeat = step(result.steps, 'until-refused');
    assert.equal(repeat.result.response?.status, 401);
    assert.ok(
      repeat.attempts! >= 4 && repeat.attempts! <= 5,
      `flipped after the 20 s cache entry, attempts ${repeat.attempts}`,
    );
  });

  it('local JWT verification keeps accepting a revoked token; the verdict says why', async () => {
    const flow = `
version: 1
environments: { sandbox: { issuer: "\${env:SANDBOX_ISSUER}", caFile: "\${env:SANDBOX_CA_FILE}", id: "\${env:SANDBOX_CLIENT_ID}", secret: "\${env:SANDBOX_CLIENT_SECRET}", gw: "\${env:SANDBOX_GATEWAY_URL}" } }
idps:
  okta: { issuer: "{{env.issuer}}", caFile: "{{env.caFile}}", clientId: "{{env.id}}", clientSecret: "{{env.secret}}", scopes: [orders:read] }
routes:
  jwt: { baseUrl: "{{env.gw}}", path: /jwt/orders, gateway: { kind: kong, config: { auth_methods: [bearer], scopes_claim: [scp], scopes_required: [orders:read] } } }
  scope-claim: { baseUrl: "{{env.gw}}", path: /scope-claim/orders, gateway: { kind: kong, config: { auth_methods: [bearer], scopes_required: [orders:read] } } }
flows:
  f:
    steps:
      - { id: token, type: token, idp: okta, reuse: false }
      - { id: revoke, type: revoke, idp: okta, token: "{{steps.token.token.access_token}}" }
      - { id: check, type: introspect, idp: okta, token: "{{steps.token.token.access_token}}", assert: [{ active: false }] }
      - { id: jwt, type: call, route: jwt, assert: [{ status: 200 }] }
      - { id: misconfigured, type: call, route: scope-claim, assert: [{ status: 403 }] }
`;
    const result = await new FlowRunner(loadFlowFile(flow, { fileName: 'f' }).file, {
      http,
      clock,
      secrets: { env: sandbox.env },
    }).run({ flow: 'f' });
    assert.equal(result.status, 'passed', JSON.stringify(result.steps.map((s) => [s.id, s.status, s.error?.message])));
    const jwt = step(result.steps, 'jwt');
    assert.equal(jwt.verdict?.code, 'accepted_inactive_token');
    assert.match(jwt.verdict!.summary, /introspect_jwt_tokens off/);
    assert.equal(step(result.steps, 'misconfigured').verdict?.code, 'scope_claim_mismatch');
  });

  it('access control by Okta groups: alice (orders-admins) gets 200, bob 403 with the groups he has', async () => {
    const flow = (user: string) => `
version: 1
environments: { sandbox: { issuer: "\${env:SANDBOX_ISSUER}", caFile: "\${env:SANDBOX_CA_FILE}", gw: "\${env:SANDBOX_GATEWAY_URL}" } }
idps:
  okta: { issuer: "{{env.issuer}}", caFile: "{{env.caFile}}", clientId: spa, clientAuth: none }
routes:
  admin: { baseUrl: "{{env.gw}}", path: /admin/orders, gateway: { kind: kong, config: { auth_methods: [bearer], scopes_claim: [scp], groups_required: [orders-admins] } } }
flows:
  f:
    steps:
      - { id: login, name: ${user} signs in, type: token, idp: okta, grant: authorization_code, scopes: [openid, orders:read] }
      - { id: call, type: call, route: admin }
`;
    const browser = (user: string) => async (url: string) => {
      const redirect = await completeLogin(url, {
        username: user,
        password: `${user}-password`,
        ca: sandbox.idp.caPem,
      });
      await (await fetch(redirect)).text();
    };
    for (const [user, status] of [
      ['alice', 200],
      ['bob', 403],
    ] as const) {
      const result = await new FlowRunner(loadFlowFile(flow(user), { fileName: 'f' }).file, {
        http,
        clock,
        secrets: { env: sandbox.env },
        openBrowser: browser(user),
      }).run({ flow: 'f' });
      const call = step(result.steps, 'call');
      assert.equal(
        call.result.response?.status,
        status,
        JSON.stringify(result.steps.map((s) => [s.id, s.status, s.error?.message])),
      );
      if (status === 403) {
        assert.equal(call.verdict?.code, 'group_missing');
        assert.match(call.verdict!.summary, /orders-admins.*Everyone/);
      }
    }
  });

  it('answers and logs as Kong does: realm the IdP host, a 302 to its authorize endpoint, lines joined by request id', async () => {
    const { mkdtempSync, readFileSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { linesForRequest, logEvidence, parseGatewayLog } = await import('../../src/core/diagnosis/gateway-log');
    const dir = mkdtempSync(join(tmpdir(), 'sandbox-kong-log-'));
    const errorLogPath = join(dir, 'error.log');
    const deckText = `_format_version: "3.0"
services:
  - name: s
    url: \${{ env "DECK_SANDBOX_UPSTREAM" }}
    routes:
      - name: browser
        paths: [/browser]
        plugins:
          - name: openid-connect
            config:
              issuer: \${{ env "DECK_SANDBOX_ISSUER" }}
              client_id: [\${{ env "DECK_SANDBOX_GATEWAY_CLIENT_ID" }}]
              client_secret: [\${{ env "DECK_SANDBOX_GATEWAY_CLIENT_SECRET" }}]
      - name: api
        paths: [/api]
        plugins:
          - name: openid-connect
            config:
              issuer: \${{ env "DECK_SANDBOX_ISSUER" }}
              client_id: [\${{ env "DECK_SANDBOX_GATEWAY_CLIENT_ID" }}]
              client_secret: [\${{ env "DECK_SANDBOX_GATEWAY_CLIENT_SECRET" }}]
              auth_methods: [bearer, introspection]
              cache_introspection: false
`;
    const kong = await startSandbox({
      createHttpClient: ({ ca }) => createHttpClient({ ca, env: {} }),
      deckText,
      deckFileName: 'kong.yaml',
      errorLogPath,
    });
    try {
      const browser = await fetch(`${kong.gateway.url}/browser/orders`, { redirect: 'manual' });
      assert.equal(browser.status, 302);
      const location = new URL(browser.headers.get('location')!);
      assert.equal(`${location.origin}${location.pathname}`, `${kong.idp.issuer}/v1/authorize`);
      assert.equal(location.searchParams.get('client_id'), kong.env.SANDBOX_GATEWAY_CLIENT_ID);
      assert.equal(location.searchParams.get('redirect_uri'), `${kong.gateway.url}/browser/orders`);

      const none = await fetch(`${kong.gateway.url}/api`);
      assert.equal(none.status, 401);
      assert.equal(none.headers.get('www-authenticate'), 'Bearer realm="127.0.0.1", error="invalid_token"');
      assert.equal(await none.text(), '{"message":"Unauthorized"}');
      const dead = await fetch(`${kong.gateway.url}/api`, { headers: { authorization: 'Bearer not-a-real-token' } });
      assert.equal(dead.status, 401);

      const lines = parseGatewayLog(readFileSync(errorLogPath, 'utf8'));
      const evidence = (res: Response) =>
        logEvidence(
          linesForRequest(lines, {
            startedAt: Date.now(),
            durationMs: 0,
            requestId: res.headers.get('x-kong-request-id')!,
          }),
        );
      const browserId = browser.headers.get('x-kong-request-id');
      assert.ok(!lines.some((l) => l.requestId === browserId), 'Kong logs the redirect at debug level only');
      assert.deepEqual(
        evidence(none).map((e) => [e.signal, e.text]),
        [['no_token', 'no suitable authorization credentials were provided']],
      );
      assert.deepEqual(
        evidence(dead).map((e) => [e.signal, e.text]),
        [
          [undefined, 'introspecting access token with identity provider'],
          ['introspection_inactive', 'inactive token'],
        ],
      );
    } finally {
      await kong.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
