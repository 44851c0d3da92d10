import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadFlowFile } from '../../src/core/flow/load';
import { FlowRunner } from '../../src/core/flow/runner';
import { createHttpClient } from '../../src/core/http/client';
import type { HttpClient } from '../../src/core/http/types';
import { startEchoUpstream } from '../../src/core/sandbox/echo-upstream';
import type { EchoUpstream } from '../../src/core/sandbox/echo-upstream';
import { apacheUnavailable, startApacheGateway } from './apache';
import type { ApacheGateway } from './apache';

// `equals` is not templated: the client id goes into the text.
const flow = (clientId: string) => `
version: 1
environments:
  local: { issuer: "\${env:ISSUER}", caFile: "\${env:CA_FILE}", clientId: "\${env:CLIENT_ID}", secret: "\${env:SECRET}", gateway: "\${env:GATEWAY}" }
idps:
  idp: { issuer: "{{env.issuer}}", caFile: "{{env.caFile}}", clientId: "{{env.clientId}}", clientSecret: "{{env.secret}}", scopes: [orders:read] }
routes:
  orders: { baseUrl: "{{env.gateway}}", path: /orders, gateway: { kind: apache } }
flows:
  revoke-then-call:
    steps:
      - { id: token, type: token, idp: idp, reuse: false }
      - { id: ok, type: call, route: orders, assert: [{ status: 200 }, { json: "$.headers.oidc_claim_client_id", equals: ${JSON.stringify(clientId)} }] }
      - { id: revoke, type: revoke, idp: idp, token: "{{steps.token.token.access_token}}" }
      - { id: refused, type: call, route: orders, assert: [{ status: 401 }, { header: www-authenticate, contains: invalid_token }] }
      - { id: no-token, type: call, route: orders, token: false, assert: [{ status: 401 }] }
`;

/**
 * The Apache gateway scenario, whatever the IdP: a client-credentials token
 * passes Apache (200, the IdP's client_id reaches the upstream), the client
 * revokes it, Apache refuses it (401 invalid_token) with the verdict
 * "token inactive", and no token at all gets the verdict "no token".
 */
async function assertRevokeThenCall(options: {
  http: HttpClient;
  issuer: string;
  caPem: string;
  clientId: string;
  clientSecret: string;
  gatewayUrl: string;
  gatewayLog: () => string;
}): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'apache-scenario-'));
  try {
    const caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, options.caPem);
    const env = {
      ISSUER: options.issuer,
      CA_FILE: caFile,
      CLIENT_ID: options.clientId,
      SECRET: options.clientSecret,
      GATEWAY: options.gatewayUrl,
    };
    const result = await new FlowRunner(loadFlowFile(flow(options.clientId), { fileName: 'apache' }).file, {
      http: options.http,
      secrets: { env },
    }).run({ flow: 'revoke-then-call' });
    const byId = Object.fromEntries(result.steps.map((s) => [s.id, s]));
    assert.equal(
      result.status,
      'passed',
      `${JSON.stringify(result.steps.map((s) => [s.id, s.status, s.error?.message, s.assertions.filter((a) => !a.passed).map((a) => a.message)]))}\n${options.gatewayLog().slice(-2000)}`,
    );
    assert.equal(byId.ok!.verdict, undefined);
    assert.equal(byId.refused!.verdict?.code, 'token_inactive');
    assert.match(byId.refused!.verdict!.summary, /no longer active/);
    assert.ok(byId.refused!.exchanges.some((x) => x.label?.startsWith('diagnosis:')));
    assert.equal(byId['no-token']!.verdict?.code, 'no_token');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What the Apache scenario needs from an IdP: where to introspect, and who. */
export interface ScenarioIdp {
  issuer: string;
  caPem: string;
  introspectionEndpoint: string;
  /** The client that gets and revokes the token. */
  app: { clientId: string; clientSecret: string };
  /** The client Apache introspects with (client_secret_basic). */
  gateway: { clientId: string; clientSecret: string };
  close(): Promise<void>;
}

/**
 * One mocha suite: the IdP from `start`, the echo upstream, Apache
 * mod_auth_openidc introspecting at the IdP in front of it, and the
 * revoke-then-call scenario. `unavailable` says what is missing; a missing
 * piece fails the before() hook, never a silent skip (CI installs them).
 */
export function describeApacheRevokeScenario(
  title: string,
  idpName: string,
  options: { unavailable(): string | undefined; start(): Promise<ScenarioIdp> },
): void {
  describe(title, function () {
    this.timeout(60_000);
    let idp: ScenarioIdp;
    let upstream: EchoUpstream;
    let apache: ApacheGateway;
    let http: ReturnType<typeof createHttpClient>;

    before(async () => {
      const missing = options.unavailable() ?? apacheUnavailable();
      if (missing) throw new Error(`cannot run the Apache gateway tests with ${idpName}: ${missing}`);
      idp = await options.start();
      upstream = await startEchoUpstream();
      apache = await startApacheGateway({
        introspectionEndpoint: idp.introspectionEndpoint,
        ...idp.gateway,
        caPem: idp.caPem,
        upstream: upstream.url,
      });
      http = createHttpClient({ env: {} });
    });
    after(async () => {
      await http?.close();
      await apache?.close();
      await upstream?.close();
      await idp?.close();
    });

    it('200 with a live token, then 401 after revocation with the verdict "token inactive at the IdP"', async () => {
      await assertRevokeThenCall({
        http,
        issuer: idp.issuer,
        caPem: idp.caPem,
        ...idp.app,
        gatewayUrl: apache.url,
        gatewayLog: () => apache.errorLog(),
      });
    });
  });
}
