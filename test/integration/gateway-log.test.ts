import { strict as assert } from 'node:assert';
import { createHttpClient } from '../../src/core/http/client';
import type { HttpExchange } from '../../src/core/http/types';
import { diagnose } from '../../src/core/diagnosis/diagnose';
import { linesForRequest, logEvidence, parseGatewayLog } from '../../src/core/diagnosis/gateway-log';
import type { LogEvidence } from '../../src/core/diagnosis/gateway-log';
import { clientCredentials, discover, revoke } from '../../src/core/oauth';
import { createCertificateAuthority } from '../../src/core/sandbox/certs';
import { startEchoUpstream } from '../../src/core/sandbox/echo-upstream';
import type { EchoUpstream } from '../../src/core/sandbox/echo-upstream';
import { startSandboxIdp } from '../../src/core/sandbox/sandbox-idp';
import type { SandboxIdp } from '../../src/core/sandbox/sandbox-idp';
import { explainCommand } from '../../src/cli/commands/explain';
import { FlowRunner } from '../../src/core/flow/runner';
import type { FlowFile } from '../../src/core/flow/file-format';
import { apacheUnavailable, startApacheGateway } from '../support/apache';
import { captureIo } from '../support/capture-io';
import { invoke } from '../support/cli-invoke';
import type { ApacheGateway } from '../support/apache';

/**
 * Three real mod_auth_openidc gateways answer the same 401 "Reference token
 * could not be introspected" for three different causes: the token was
 * revoked, the gateway's own client secret is wrong, the gateway does not
 * trust the IdP's CA. Only the gateway's error log tells them apart. This
 * proves that the log lines the module really writes (at its default level)
 * are parsed, joined to the one request, and read for the right signal, and
 * that a revoked token leaves no error line: the gateway did get an answer.
 */
describe('real gateway logs: mod_auth_openidc tells its own failures apart only in its error log', function () {
  this.timeout(60_000);
  let idp: SandboxIdp;
  let upstream: EchoUpstream;
  const gateways: Record<'good' | 'badSecret' | 'badCa', ApacheGateway> = {} as never;
  const http = createHttpClient({ env: {} });

  before(async function () {
    const missing = apacheUnavailable();
    // Never a silent skip: npm test installs Apache as root; otherwise this fails saying what to install.
    if (missing) throw new Error(`cannot run the Apache gateway tests: ${missing}`);
    idp = await startSandboxIdp();
    upstream = await startEchoUpstream();
    const base = {
      introspectionEndpoint: `${idp.issuer}/v1/introspect`,
      clientId: idp.clients.gateway.clientId,
      clientSecret: idp.clients.gateway.clientSecret!,
      caPem: idp.caPem,
      upstream: upstream.url,
    };
    [gateways.good, gateways.badSecret, gateways.badCa] = await Promise.all([
      startApacheGateway(base),
      startApacheGateway({ ...base, clientSecret: 'not-the-gateway-secret' }),
      startApacheGateway({ ...base, caPem: createCertificateAuthority('Some other CA').cert }),
    ]);
  });
  after(async () => {
    await http.close();
    await Promise.all(Object.values(gateways).map((g) => g.close()));
    await upstream?.close();
    await idp?.close();
  });

  async function token(): Promise<string> {
    const { metadata } = await discover({ send: (r) => http.send({ ...r, options: { ca: idp.caPem } }) }, idp.issuer);
    const ctx = {
      http: { send: (r: Parameters<typeof http.send>[0]) => http.send({ ...r, options: { ca: idp.caPem } }) },
      metadata,
      client: {
        clientId: 'cc-basic',
        authMethod: 'client_secret_basic' as const,
        clientSecret: idp.clients['cc-basic'].clientSecret,
      },
    };
    const set = await clientCredentials(ctx, { scope: ['orders:read'] });
    return set.accessToken;
  }

  async function revokedToken(): Promise<string> {
    const accessToken = await token();
    const tls = { send: (r: Parameters<typeof http.send>[0]) => http.send({ ...r, options: { ca: idp.caPem } }) };
    const { metadata } = await discover(tls, idp.issuer);
    await revoke(
      {
        http: tls,
        metadata,
        client: {
          clientId: 'cc-basic',
          authMethod: 'client_secret_basic',
          clientSecret: idp.clients['cc-basic'].clientSecret,
        },
      },
      accessToken,
    );
    return accessToken;
  }

  async function call(
    gateway: ApacheGateway,
    accessToken: string,
  ): Promise<{ exchange: HttpExchange; evidence: LogEvidence[]; headers: Record<string, string> }> {
    const response = await http.send({
      method: 'GET',
      url: `${gateway.url}/orders`,
      headers: { Authorization: `Bearer ${accessToken}` },
      secrets: [accessToken],
    });
    assert.equal(response.status, 401);
    assert.match(response.headers['www-authenticate'] ?? '', /Reference token could not be introspected/);
    const { exchange } = response;
    const lines = linesForRequest(parseGatewayLog(gateway.errorLog()), {
      startedAt: exchange.startedAt,
      durationMs: exchange.timings.total,
      path: '/orders',
    });
    return { exchange, evidence: logEvidence(lines, [accessToken]), headers: response.headers };
  }

  it("a wrong gateway client secret: the log says the IdP refused the gateway's client (invalid_client)", async () => {
    const { evidence } = await call(gateways.badSecret, await token());
    assert.ok(
      evidence.some((e) => e.signal === 'introspection_client_refused' && /invalid_client/.test(e.text)),
      JSON.stringify(evidence),
    );
  });

  it('an untrusted IdP certificate: the log names the TLS failure and the introspection endpoint', async () => {
    const { evidence } = await call(gateways.badCa, await token());
    const tls = evidence.find((e) => e.signal === 'introspection_tls_failed');
    assert.ok(tls, JSON.stringify(evidence));
    assert.match(tls.text, /SSL certificate problem/);
    assert.ok(tls.text.includes(`${idp.issuer}/v1/introspect`));
  });

  it('a revoked token: no error line at all, so the gateway did get an answer from the IdP', async () => {
    const accessToken = await revokedToken();
    const { evidence } = await call(gateways.good, accessToken);
    assert.deepEqual(evidence, []);
    assert.doesNotMatch(gateways.good.errorLog(), new RegExp(accessToken.slice(0, 40)));
  });

  it('oidc-flow explain --gateway-log prints the invalid_client line of exactly this request', async () => {
    const accessToken = await token();
    // Another request on the same path a moment before, on another connection: its lines must stay out.
    await call(gateways.badSecret, accessToken);
    const before = gateways.badSecret.errorLog().match(/invalid_client/g)?.length ?? 0;
    const c = captureIo({ env: { TOKEN: accessToken } });
    const code = await invoke(
      explainCommand,
      [`${gateways.badSecret.url}/orders`, '--token-env', 'TOKEN', '--gateway-log', gateways.badSecret.errorLogPath],
      c.io,
    );
    assert.equal(code, 1, c.err());
    const out = c.out();
    const log = out.slice(out.indexOf('Gateway log'), out.indexOf('Verdict'));
    assert.match(log, /the gateway's own words/);
    assert.equal(log.match(/invalid_client/g)?.length, 1, out);
    assert.ok((gateways.badSecret.errorLog().match(/invalid_client/g)?.length ?? 0) > before);
    // The client port the gateway logged is the one explain's connection used.
    const ports = [...gateways.badSecret.errorLog().matchAll(/\[client 127\.0\.0\.1:(\d+)\][^\n]*invalid_client/g)].map(
      (m) => m[1],
    );
    assert.ok(new Set(ports).size >= 2, 'the two requests came on two connections');
    assert.doesNotMatch(out, new RegExp(accessToken.slice(0, 40)));
  });

  it("a flow's call to a route with log: the verdict carries the gateway's invalid_client line, and only its own", async () => {
    const accessToken = await token();
    await call(gateways.badSecret, accessToken);
    const file: FlowFile = {
      version: 1,
      routes: {
        orders: {
          baseUrl: gateways.badSecret.url,
          path: '/orders',
          gateway: { kind: 'apache' },
          log: { file: gateways.badSecret.errorLogPath },
        },
      },
      flows: { f: { steps: [{ id: 'call', type: 'call', route: 'orders', token: accessToken }] } },
    };
    // The same client as the call before: a kept-alive connection, one client port for both calls.
    const result = await new FlowRunner(file, { http, secrets: { env: {} } }).run({ flow: 'f' });
    const [step] = result.steps;
    assert.equal(step?.result.response?.status, 401);
    const logged = step!.verdict!.evidence.filter((e) => e.source === 'gateway-log');
    assert.equal(logged.filter((e) => /invalid_client/.test(e.text)).length, 1, JSON.stringify(logged));
    assert.ok(!JSON.stringify(step!.verdict).includes(accessToken));
    // End to end through the runner: the log makes the cause certain, worded in Apache's directives.
    assert.equal(step!.verdict!.code, 'gateway_introspection_failed');
    assert.equal(step!.verdict!.confidence, 'certain');
    assert.match(step!.verdict!.fix ?? '', /OIDCOAuthClientSecret/);
  });

  // The verdicts on the same real answers: each cause said with certainty, in Apache's own directives.
  function verdictFor(headers: Record<string, string>, evidence: LogEvidence[]) {
    return diagnose({
      now: Date.now(),
      gateway: { status: 401, headers },
      request: { tokenLocation: 'header', authorizationScheme: 'Bearer' },
      gatewayKind: 'apache',
      token: { kind: 'jwt' },
      gatewayLog: evidence,
    });
  }

  it('verdict: a wrong gateway client secret is the gateway failing to introspect, fixed with OIDCOAuthClientSecret', async () => {
    const { headers, evidence } = await call(gateways.badSecret, await token());
    const v = verdictFor(headers, evidence);
    assert.equal(v.code, 'gateway_introspection_failed');
    assert.equal(v.confidence, 'certain');
    assert.match(v.fix!, /OIDCOAuthClientSecret/);
  });

  it("verdict: an untrusted IdP certificate is the gateway's CA bundle, fixed with OIDCCABundlePath", async () => {
    const { headers, evidence } = await call(gateways.badCa, await token());
    const v = verdictFor(headers, evidence);
    assert.equal(v.code, 'gateway_introspection_failed');
    assert.match(v.fix!, /OIDCCABundlePath/);
  });

  it('verdict: a revoked token behind an empty log is an inactive answer; gateway-side failures are ruled out', async () => {
    const { headers, evidence } = await call(gateways.good, await revokedToken());
    const v = verdictFor(headers, evidence);
    assert.equal(v.code, 'token_inactive');
    assert.match(v.summary, /rules out a failed introspection call/);
  });
});
