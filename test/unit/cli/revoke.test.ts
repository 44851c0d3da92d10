import { strict as assert } from 'node:assert';
import { revokeCommand, revokeHelp } from '../../../src/cli/commands/revoke';
import { runCli } from '../../../src/cli/cli';
import { captureIo } from '../../support/capture-io';
import { invoke } from '../../support/cli-invoke';

/** The revoke command's options; its answers against a real IdP are in test/integration/cli-commands.test.ts. */
describe('oidc-flow revoke', () => {
  it('refuses an unknown --hint, more than one token and a missing IdP (exit 2)', async () => {
    const hint = captureIo();
    const endpoint = ['--revocation-endpoint', 'https://idp/revoke', '--client-id', 'c'];
    assert.equal(await invoke(revokeCommand, ['tok', ...endpoint, '--hint', 'id_token'], hint.io), 2);
    assert.match(hint.err(), /Unknown --hint "id_token": use access_token, refresh_token/);
    const two = captureIo();
    assert.equal(await invoke(revokeCommand, ['a', 'b', ...endpoint], two.io), 2);
    const none = captureIo();
    assert.equal(await invoke(revokeCommand, ['tok'], none.io), 2);
  });

  it('is listed by oidc-flow help, and its help says a 200 does not prove the token existed', async () => {
    const c = captureIo();
    assert.equal(await runCli(['help'], c.io), 0);
    assert.match(c.out(), /\n {2}revoke +Ask the IdP to revoke a token/);
    assert.match(revokeHelp, /answers 200 even for a token it does not know/);
    const own = captureIo();
    assert.equal(await runCli(['revoke', '--help'], own.io), 0);
    assert.match(own.out(), /^Usage: oidc-flow revoke/);
  });
});
