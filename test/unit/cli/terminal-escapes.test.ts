import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../../src/cli/cli';
import { captureIo } from '../../support/capture-io';
import { closeAfterEach } from '../../support/close-after-each';
import { httpServer } from '../../support/loopback-servers';

/**
 * What the CLI prints from outside data (a token's claims, a server's error
 * text, a flow file's step names) reaches the terminal with its control
 * characters escaped: a clear-screen or a window-title sequence shows as
 * text and does nothing. The CLI's own colours still work.
 */

const CLEAR = '\u001b[2J';
const TITLE = '\u001b]0;pwned\u0007';
const C1 = '\u009b2J';

/** Every control character left in `text` other than \n and the styler's colour codes. */
function rawControls(text: string): string[] {
  const withoutColours = text.replace(/\u001b\[(0|1|2|31|32|33|36)m/g, '');
  return [...withoutColours.matchAll(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g)].map((m) =>
    m[0].charCodeAt(0).toString(16),
  );
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('CLI output escapes control characters from outside data', () => {
  const opened = closeAfterEach();
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'oidc-escapes-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('in a claim of a decoded token', async () => {
    const token = `${b64({ alg: 'RS256' })}.${b64({ sub: `alice${CLEAR}${TITLE}${C1}`, exp: 4102444800 })}.c2ln`;
    const c = captureIo({ tty: true });
    assert.equal(await runCli(['decode', token], c.io), 0);
    assert.deepEqual(rawControls(c.out() + c.err()), []);
    assert.match(c.out(), /alice\\u001b\[2J\\u001b\]0;pwned\\u0007\\u009b2J/);
    assert.match(c.out(), /\u001b\[33mUNVERIFIED/, 'the CLI still colours its own words');
  });

  it('in a server error text and a step name of a run, pretty and JUnit', async () => {
    const server = opened(
      await httpServer((_req, res) => {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'invalid_request', error_description: `bad${CLEAR}${TITLE}` }));
      }),
    );
    const file = join(dir, 'escapes.oidc-flow.yaml');
    writeFileSync(
      file,
      [
        'version: 1',
        'flows:',
        '  f:',
        '    steps:',
        '      - id: call',
        `        name: ${JSON.stringify(`step${CLEAR}${TITLE}`)}`,
        '        type: request',
        `        url: ${server.url}/x`,
        '        assert: [{ json: error_description, equals: ok }]',
      ].join('\n'),
    );
    const pretty = captureIo({ tty: true });
    assert.equal(await runCli(['run', file], pretty.io), 1);
    assert.deepEqual(rawControls(pretty.out() + pretty.err()), []);
    assert.match(pretty.out(), /step\\u001b\[2J\\u001b\]0;pwned\\u0007/);
    assert.match(pretty.out(), /bad\\u001b\[2J/);

    const junit = captureIo();
    assert.equal(await runCli(['run', file, '--reporter', 'junit'], junit.io), 1);
    assert.deepEqual(rawControls(junit.out()), [], 'XML 1.0 cannot even hold these characters');
  });

  it('in the message of a failure the CLI prints on standard error', async () => {
    const file = join(dir, `missing${CLEAR}.yaml`);
    const c = captureIo({ tty: true });
    assert.equal(await runCli(['run', file], c.io), 2);
    assert.deepEqual(rawControls(c.err()), []);
    assert.match(c.err(), /missing\\u001b\[2J\.yaml/);
  });
});
