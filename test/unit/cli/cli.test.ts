import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../../src/cli/cli';
import { captureIo } from '../../support/capture-io';

async function cli(args: string[]) {
  const c = captureIo();
  const code = await runCli(args, c.io);
  return { code, out: c.out(), err: c.err() };
}

describe('oidc-flow (runCli)', () => {
  describe('help', () => {
    it('"help <unknown>" is a usage error naming the command, like an unknown command (exit 2)', async () => {
      const r = await cli(['help', 'nosuch']);
      assert.equal(r.code, 2);
      assert.equal(r.out, '', 'the main help is not printed as if all went well');
      assert.equal(r.err, 'oidc-flow help: unknown command "nosuch". Run "oidc-flow help" for the list.\n');
    });

    it('does not take inherited object keys for commands', async () => {
      for (const args of [['help', 'toString'], ['constructor']]) {
        const r = await cli(args);
        assert.equal(r.code, 2, args.join(' '));
        assert.match(r.err, /unknown command "(toString|constructor)"/);
      }
    });

    it('"help", "help <command>" and "help --help" still print help (exit 0)', async () => {
      const main = await cli(['help']);
      assert.equal(main.code, 0);
      assert.match(main.out, /^oidc-flow: debug OAuth 2\.0/);
      const verify = await cli(['help', 'verify']);
      assert.equal(verify.code, 0);
      assert.match(verify.out, /^Usage: oidc-flow verify/);
      const again = await cli(['help', '--help']);
      assert.equal(again.code, 0);
      assert.equal(again.out, main.out);
    });
  });

  describe('flow-file errors', () => {
    let dir: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'oidc-cli-'));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('prints every problem as <file>:<line>: message, for run and for --file (exit 2)', async () => {
      const path = join(dir, 'two-problems.yaml');
      writeFileSync(
        path,
        'version: 1\nidps:\n  okta:\n    issuer: https://idp.example/oauth2/default\n    clientId: app\n    colour: blue\nflows:\n  f:\n    steps:\n      - { id: t, type: token, idp: okta, grant: client_credentials, paht: x }\n',
      );
      for (const args of [
        ['run', path],
        ['token', '--file', path],
      ]) {
        const r = await cli(args);
        assert.equal(r.code, 2, r.err);
        const lines = r.err.trimEnd().split('\n');
        assert.equal(lines[0], `oidc-flow ${args[0]}: ${path} has 2 problems, on lines 6 and 10:`);
        assert.match(
          lines[1]!,
          new RegExp(
            `^${path.replace(/[.\\/]/g, '\\$&')}:6: Unknown field 'colour' in idps\\.okta\\..*\\[flowfile\\.schema\\]$`,
          ),
        );
        assert.match(
          lines[2]!,
          new RegExp(
            `^${path.replace(/[.\\/]/g, '\\$&')}:10: Unknown field 'paht' in flows\\.f\\.steps\\[0\\]\\..*\\[flowfile\\.schema\\]$`,
          ),
        );
        assert.equal(lines.length, 3);
      }
    });
  });
});
