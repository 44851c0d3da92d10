import { strict as assert } from 'node:assert';
import { ManualClock } from '../../../src/core/clock';
import { loadFlowFile } from '../../../src/core/flow/load';
import { FlowRunner } from '../../../src/core/flow/runner';
import { SecretRegistry } from '../../../src/core/http/secret-registry';
import { FakeHttp } from '../../support/fake-http';

/**
 * What the runner's secret registry learns from a run (the secrets it read,
 * the tokens it received), and how long it keeps them: a runner's own
 * registry holds one run (memory stays flat over thousands), a shell's
 * registry is the shell's to keep.
 */
const FILE = `
version: 1
idps:
  idp: { discovery: false, endpoints: { token: "https://idp.test/token" }, clientId: app, clientAuth: none }
flows:
  f:
    steps:
      - { id: tok, type: token, idp: idp, reuse: false }
      - id: call
        type: request
        url: https://api.test/x
        headers: { X-Custom: "\${env:MY_API_SECRET}", X-Region: "\${env:REGION_NAME}" }
`;

function runner(registry?: SecretRegistry): FlowRunner {
  const http = new FakeHttp()
    .on('https://idp.test/token', { body: { access_token: 'opaque-access-token-1', token_type: 'Bearer' } })
    .on('https://api.test/x', { body: {} });
  return new FlowRunner(loadFlowFile(FILE, { fileName: 'f.yaml' }).file, {
    http,
    clock: new ManualClock(Date.UTC(2026, 0, 1)),
    secrets: { env: { MY_API_SECRET: 'api-secret-value-9', REGION_NAME: 'eu-west-region' } },
    ...(registry ? { secretRegistry: registry } : {}),
  });
}

describe('the run secret registry', () => {
  it('learns the tokens received and the secret-named variables read, not the others', async () => {
    const r = runner();
    await r.run({ flow: 'f' });
    const known = r.secrets.list();
    assert.ok(known.includes('opaque-access-token-1'));
    assert.ok(known.includes('api-secret-value-9'));
    assert.ok(!known.includes('eu-west-region'), 'REGION_NAME does not name a secret');
  });

  it("empties its own registry at each run, and leaves a shell's registry alone", async () => {
    const own = runner();
    await own.run({ flow: 'f' });
    own.secrets.add('left-from-an-earlier-run');
    await own.run({ flow: 'f' });
    assert.ok(!own.secrets.list().includes('left-from-an-earlier-run'));

    const shells = new SecretRegistry();
    shells.add('given-by-the-shell');
    await runner(shells).run({ flow: 'f' });
    assert.ok(shells.list().includes('given-by-the-shell'));
    assert.ok(shells.list().includes('opaque-access-token-1'));
  });
});
