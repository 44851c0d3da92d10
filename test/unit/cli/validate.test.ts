/** `oidc-flow validate`: every problem of a flow file listed with its line, nothing sent, exit 0 or 2. */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../../src/cli/cli';
import { validateCommand, validateHelp } from '../../../src/cli/commands/validate';
import { UsageError } from '../../../src/cli/io';
import { captureIo } from '../../support/capture-io';

const BROKEN = `version: 1
idps:
  okta:
    issuer: https://idp.example/oauth2/default
    clientId: abc
    clientSecret: plain-text-secret-value
routes:
  api: { baseUrl: "{{env.gateway}}" }
flows:
  smoke:
    steps:
      - { id: t, type: token, idp: okte }
      - { id: c, type: call, route: api, token: "{{steps.later.token.access_token}}" }
      - { id: later, type: token, idp: okta }
`;

const VALID = `version: 1
environments:
  dev: { gateway: https://gw.example }
idps:
  okta:
    issuer: https://idp.example/oauth2/default
    clientId: abc
    clientSecret: \${env:OKTA_CLIENT_SECRET}
routes:
  api: { baseUrl: "{{env.gateway}}" }
flows:
  smoke:
    steps:
      - { id: t, type: token, idp: okta }
      - { id: c, type: call, route: api }
`;

describe('oidc-flow validate', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'oidc-validate-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('lists every problem (secret, undefined variable, unknown IdP, a later step read) with its line and exits 2', async () => {
    const file = join(dir, 'broken.oidc-flow.yaml');
    writeFileSync(file, BROKEN);
    const c = captureIo();
    assert.equal(await runCli(['validate', file], c.io), 2);
    const lines = c.out().trim().split('\n');
    assert.match(lines[0]!, /^Invalid: .*broken\.oidc-flow\.yaml has 4 problems, on lines 6, 8, 12 and 13:$/);
    assert.match(c.out(), /broken\.oidc-flow\.yaml:6: .*literal value for clientSecret.*\[flowfile\.literal_secret\]/);
    assert.match(c.out(), /broken\.oidc-flow\.yaml:8: .*gateway.*\[flowfile\.reference\]/);
    assert.match(c.out(), /broken\.oidc-flow\.yaml:12: .*okte.*\[flowfile\.reference\]/);
    assert.match(c.out(), /broken\.oidc-flow\.yaml:13: .*later.*\[flowfile\.reference\]/);
    assert.ok(!c.out().includes('plain-text-secret-value'), 'the secret is never repeated');
    assert.equal(c.err(), '');
  });

  it('says a valid file is valid, with its flows and steps, and exits 0', async () => {
    const file = join(dir, 'ok.oidc-flow.yaml');
    writeFileSync(file, VALID);
    const c = captureIo();
    assert.equal(await validateCommand([file], c.io), 0);
    assert.equal(c.out(), `Valid: ${file} (1 flow, 2 steps).\n`);
  });

  it('checks several files and exits 2 when one cannot be read, naming it', async () => {
    const file = join(dir, 'ok.oidc-flow.yaml');
    writeFileSync(file, VALID);
    const c = captureIo();
    assert.equal(await validateCommand([file, join(dir, 'missing.yaml')], c.io), 2);
    assert.match(c.out(), /^Valid: /);
    assert.match(c.err(), /cannot read .*missing\.yaml: no such file/);
  });

  it('asks for a file, and has help', async () => {
    await assert.rejects(validateCommand([], captureIo().io), (e: unknown) => e instanceof UsageError);
    assert.match(validateHelp, /^Usage: oidc-flow validate <file>/);
    const c = captureIo();
    assert.equal(await runCli(['help'], c.io), 0);
    assert.match(c.out(), /\n {2}validate {2,}Check a flow file/);
  });
});
