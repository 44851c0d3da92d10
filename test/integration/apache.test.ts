import { strict as assert } from 'node:assert';
import { loadFlowFile } from '../../src/core/flow/load';
import { FlowRunner } from '../../src/core/flow/runner';
import { createHttpClient } from '../../src/core/http/client';
import { startEchoUpstream } from '../../src/core/sandbox/echo-upstream';
import type { EchoUpstream } from '../../src/core/sandbox/echo-upstream';
import { startSandboxIdp } from '../../src/core/sandbox/sandbox-idp';
import type { SandboxIdp } from '../../src/core/sandbox/sandbox-idp';
import { apacheUnavailable, startApacheGateway } from '../support/apache';
import type { ApacheGateway } from '../support/apache';

/**
 * A real gateway: Apache httpd with mod_auth_openidc introspecting every
 * request at the real IdP over https, in front of the echo upstream.
 */
describe('real gateway: Apache mod_auth_openidc in front of the real IdP', function () {
  this.timeout(60_000);
  let idp: SandboxIdp;
  let upstream: EchoUpstream;
  let apache: ApacheGateway;
  let http: ReturnType<typeof createHttpClient>;

  before(async function () {
    const missing = apacheUnavailable();
    // Never a silent skip: CI installs Apache, so a missing one is a failure that says what to install.
    if (missing) throw new Error(`cannot run the Apache gateway tests: ${missing}`);
    idp = await startSandboxIdp();
    upstream = await startEchoUpstream();
    apache = await startApacheGateway({
      introspectionEndpoint: `${idp.issuer}/v1/introspect`,
      clientId: idp.clients.gateway.clientId,
      clientSecret: idp.clients.gateway.clientSecret!,
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

  const FLOW = `
version: 1
environments:
  local: { issuer: "\${env:ISSUER}", caFile: "\${env:CA_FILE}", secret: "\${env:SECRET}", gateway: "\${env:GATEWAY}" }
idps:
  idp: { issuer: "{{env.issuer}}", caFile: "{{env.caFile}}", clientId: cc-basic, clientSecret: "{{env.secret}}", scopes: [orders:read] }
routes:
  orders: { baseUrl: "{{env.gateway}}", path: /orders, gateway: { kind: apache } }
flows:
  revoke-then-call:
    steps:
      - { id: token, type: token, idp: idp, reuse: false }
      - { id: ok, type: call, route: orders, assert: [{ status: 200 }, { json: "$.headers.oidc_claim_client_id", equals: cc-basic }] }
      - { id: revoke, type: revoke, idp: idp, token: "{{steps.token.token.access_token}}" }
      - { id: refused, type: call, route: orders, assert: [{ status: 401 }, { header: www-authenticate, contains: invalid_token }] }
      - { id: no-token, type: call, route: orders, token: false, assert: [{ status: 401 }] }
`;

  it('200 with a live token, then 401 after revocation with the verdict "token inactive at the IdP"', async () => {
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const caFile = join(mkdtempSync(join(tmpdir(), 'apache-test-')), 'ca.pem');
    writeFileSync(caFile, idp.caPem);
    const env = { ISSUER: idp.issuer, CA_FILE: caFile, SECRET: idp.clients['cc-basic'].clientSecret!, GATEWAY: apache.url };
    const result = await new FlowRunner(loadFlowFile(FLOW, { fileName: 'apache' }).file, { http, secrets: { env } }).run({ flow: 'revoke-then-call' });
    const byId = Object.fromEntries(result.steps.map((s) => [s.id, s]));
    assert.equal(result.status, 'passed', `${JSON.stringify(result.steps.map((s) => [s.id, s.status, s.error?.message, s.assertions.filter((a) => !a.passed).map((a) => a.message)]))}\n${apache.errorLog().slice(-2000)}`);
    assert.equal(byId.ok!.verdict, undefined);
    assert.equal(byId.refused!.verdict?.code, 'token_inactive');
    assert.match(byId.refused!.verdict!.summary, /no longer active/);
    assert.ok(byId.refused!.exchanges.some((x) => x.label?.startsWith('diagnosis:')));
    assert.equal(byId['no-token']!.verdict?.code, 'no_token');
  });
});
