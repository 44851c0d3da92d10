import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CallStep, FlowFile, StepDef } from '../../src/core/flow/file-format';
import { loadFlowFile } from '../../src/core/flow/load';
import { FlowRunner } from '../../src/core/flow/runner';
import { createHttpClient } from '../../src/core/http/client';
import { importAny } from '../../src/core/importers';
import type { Sandbox } from '../../src/core/sandbox/sandbox';
import { startTestSandbox } from '../support/sandbox';

/**
 * The introspection scenario as a user has it: an Insomnia export of its two
 * requests (a token POST with Basic auth, a call whose bearer is a response
 * tag), imported and pointed at the sandbox (an Okta-like IdP behind a
 * Kong-like gateway that introspects). The imported flow must get a token,
 * pass the gateway, and after the app is deactivated be refused with a
 * verdict that names the deactivation.
 */
describe('an imported Insomnia export of the introspection scenario, against the sandbox', function () {
  this.timeout(60_000);
  const FIXTURE = 'insomnia-v4-introspection-scenario.json';
  let sandbox: Sandbox;
  let http: ReturnType<typeof createHttpClient>;

  before(async () => {
    sandbox = await startTestSandbox();
    http = createHttpClient({ env: {} });
  });
  after(async () => {
    await http?.close();
    await sandbox?.close();
  });

  /** The imported file with its environment, and its IdP's CA, set to the sandbox's. */
  function importedForSandbox(): { file: FlowFile; flow: string; steps: StepDef[] } {
    const text = readFileSync(join(__dirname, '..', 'fixtures', 'importers', FIXTURE), 'utf8');
    const result = importAny(text, { fileName: FIXTURE });
    const file = loadFlowFile(result.yaml, { fileName: 'imported.yaml' }).file;
    const [envName] = Object.keys(file.environments ?? {});
    assert.ok(envName, 'the import keeps the export environment');
    file.environments![envName] = {
      okta_domain: new URL(sandbox.env.SANDBOX_ISSUER!).host,
      kong_url: sandbox.env.SANDBOX_GATEWAY_URL!,
      client_id: sandbox.env.SANDBOX_CLIENT_ID!,
      client_secret: '${env:SANDBOX_CLIENT_SECRET}',
    };
    const idps = Object.values(file.idps ?? {});
    assert.equal(idps.length, 1, 'one IdP: the token request and its Basic auth');
    idps[0]!.caFile = sandbox.caFile;
    const [flow, def] = Object.entries(file.flows ?? {})[0]!;
    return { file, flow, steps: def.steps };
  }

  it('gets a token, passes Kong (200), and after the app is deactivated gets 401 with the verdict', async () => {
    const { file, flow, steps } = importedForSandbox();
    assert.deepEqual(
      steps.map((s) => s.type),
      ['token', 'call'],
    );
    const call = steps[1] as CallStep;
    const idpName = Object.keys(file.idps!)[0]!;
    steps.push(
      { id: 'deactivate', type: 'admin', idp: idpName, action: 'deactivateClient' },
      { ...call, id: 'call-after-deactivation', name: 'The same call once the app is deactivated' },
    );
    const result = await new FlowRunner(file, {
      http,
      secrets: { env: sandbox.env },
      admin: sandbox.admin,
    }).run({ flow });
    const byId = new Map(result.steps.map((s) => [s.id, s]));
    const summary = JSON.stringify(result.steps.map((s) => [s.id, s.status, s.error?.message]));
    assert.equal(byId.get(steps[0]!.id)?.status, 'passed', summary);
    assert.ok(byId.get(steps[0]!.id)?.result.token?.access_token, 'the token step got a token');
    assert.equal(byId.get(call.id)?.result.response?.status, 200, summary);
    const refused = byId.get('call-after-deactivation')!;
    assert.equal(refused.result.response?.status, 401, summary);
    assert.equal(refused.verdict?.code, 'client_deactivated', JSON.stringify(refused.verdict));
    assert.match(refused.verdict!.summary, /deactivated|inactive/i);
  });
});
