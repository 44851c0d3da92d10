import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../../src/cli/cli';
import { captureIo } from '../../support/capture-io';
import { closeAfterEach } from '../../support/close-after-each';
import { CANARY, CANARY_ENV, canaryFlow, leaks } from '../../support/secret-canaries';

/** No CLI reporter prints a secret the canary flow read, sent or received (see test/support/secret-canaries.ts). */
describe('secret canaries: no reporter prints a secret the run read, sent or received', () => {
  const opened = closeAfterEach();
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'oidc-canary-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function flowFile(): Promise<string> {
    const { file, server } = await canaryFlow(dir);
    opened(server);
    return file;
  }

  const env = CANARY_ENV;

  for (const reporter of ['pretty', 'json', 'junit']) {
    it(`the ${reporter} reporter`, async () => {
      const file = await flowFile();
      const c = captureIo({ env });
      assert.equal(await runCli(['run', file, '--reporter', reporter], c.io), 1, c.err());
      const output = c.out() + c.err();
      assert.match(output, /echo/, 'the report is there');
      assert.deepEqual(leaks(output), [], output);
    });
  }

  it('the JSON reporter still reveals them when asked to (--reveal-secrets)', async () => {
    const file = await flowFile();
    const c = captureIo({ env });
    await runCli(['run', file, '--reporter', 'json', '--reveal-secrets'], c.io);
    assert.ok(c.out().includes(CANARY.accessToken));
  });
});
