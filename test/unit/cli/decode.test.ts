import { strict as assert } from 'node:assert';
import { runCli } from '../../../src/cli/cli';
import { captureIo } from '../../support/capture-io';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const TOKEN = `${b64({ alg: 'RS256', kid: 'k1' })}.${b64({ iss: 'https://idp.example/oauth2/default', scp: ['orders:read'], cid: '0oa1', exp: 4102444800 })}.c2ln`;

describe('oidc-flow decode', () => {
  it('decodes a token given as an argument, says UNVERIFIED and explains Okta claims', async () => {
    const c = captureIo();
    assert.equal(await runCli(['decode', TOKEN], c.io), 0);
    assert.match(c.out(), /^UNVERIFIED/);
    assert.match(c.out(), /scp .*orders:read/);
    assert.match(c.out(), /cid /);
    assert.doesNotMatch(c.out(), /\u001b\[/, 'no colour when not a terminal');
  });

  it('reads the token from standard input and from --token-env', async () => {
    const piped = captureIo({ stdin: `Bearer ${TOKEN}\n` });
    assert.equal(await runCli(['decode'], piped.io), 0);
    const env = captureIo({ env: { MY_TOKEN: TOKEN } });
    assert.equal(await runCli(['decode', '--token-env', 'MY_TOKEN', '--json'], env.io), 0);
    assert.equal(JSON.parse(env.out()).verified, false);
  });

  it('uses colour only on a terminal without NO_COLOR', async () => {
    const tty = captureIo({ tty: true });
    await runCli(['decode', TOKEN], tty.io);
    assert.match(tty.out(), /\u001b\[33mUNVERIFIED/);
    const noColor = captureIo({ tty: true, env: { NO_COLOR: '1' } });
    await runCli(['decode', TOKEN], noColor.io);
    assert.doesNotMatch(noColor.out(), /\u001b\[/);
  });

  it('explains an opaque token instead of failing obscurely (exit 2)', async () => {
    const c = captureIo();
    assert.equal(await runCli(['decode', 'k3jd8s9Fq0'], c.io), 2);
    assert.match(c.err(), /opaque reference token.*introspect/);
  });

  it('reports a malformed JWT with its error code and no stack trace (exit 2: the argument is wrong, as for an opaque one)', async () => {
    const c = captureIo();
    assert.equal(await runCli(['decode', 'eyJhbGciOiJSUzI1NiJ9.!!!.def'], c.io), 2);
    assert.match(c.err(), /\[jwt\.malformed\.base64\]/);
    assert.doesNotMatch(c.err(), /at .*\.ts:\d+/);
  });

  it('a header nested 200,000 levels deep is a clear error (exit 2), not a stack overflow', async () => {
    const header = Buffer.from(`{"alg":"none","x":${'['.repeat(200_000)}${']'.repeat(200_000)}}`).toString('base64url');
    const c = captureIo({ stdin: `${header}.${b64({ sub: 'x' })}.` });
    assert.equal(await runCli(['decode', '-'], c.io), 2);
    assert.match(c.err(), /nests lists or objects deeper than 64 levels; no JWT does\..*\[jwt\.malformed\.json\]/);
    assert.doesNotMatch(c.err(), /likely a bug|call stack/);
  });

  it('names a crit header and what a verifier must do with it', async () => {
    const c = captureIo();
    const token = `${b64({ alg: 'RS256', crit: ['exp2'], exp2: 1 })}.${b64({ sub: 'x' })}.c2ln`;
    assert.equal(await runCli(['decode', token], c.io), 0);
    assert.match(
      c.out(),
      /crit: the header marks \["exp2"\] as critical; a verifier that does not understand it must reject the token/,
    );
  });

  it('says what is missing when no token is given', async () => {
    const c = captureIo();
    assert.equal(await runCli(['decode'], c.io), 2);
    assert.match(c.err(), /Give the token/);
  });

  it('prints help for the command and for unknown commands exits 2', async () => {
    const help = captureIo();
    assert.equal(await runCli(['decode', '--help'], help.io), 0);
    assert.match(help.out(), /^Usage: oidc-flow decode/);
    const unknown = captureIo();
    assert.equal(await runCli(['nope'], unknown.io), 2);
    const bad = captureIo();
    assert.equal(await runCli(['decode', '--bogus', TOKEN], bad.io), 2);
    assert.match(bad.err(), /Unknown option '--bogus'/);
  });
});
