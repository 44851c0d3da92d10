import { strict as assert } from 'node:assert';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importCommand, importHelp } from '../../../src/cli/commands/import';
import { runCli } from '../../../src/cli/cli';
import { UsageError } from '../../../src/cli/io';
import { loadFlowFile } from '../../../src/core/flow/load';
import { captureIo } from '../../support/capture-io';
import { FIXTURES } from './helpers';

describe('oidc-flow import', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'oidc-import-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  function copyFixture(name: string): string {
    const path = join(dir, name);
    copyFileSync(join(FIXTURES, name), path);
    return path;
  }

  it('writes <name>.oidc-flow.yaml next to the export and says what to set and what was left out', async () => {
    const input = copyFixture('insomnia-v4-okta-kong.json');
    const c = captureIo();
    assert.equal(await importCommand([input], c.io), 0);
    const output = join(dir, 'insomnia-v4-okta-kong.oidc-flow.yaml');
    const yaml = readFileSync(output, 'utf8');
    loadFlowFile(yaml, { fileName: output });
    assert.match(
      c.out(),
      /^Wrote .*insomnia-v4-okta-kong\.oidc-flow\.yaml: 6 steps in flow orders-api-okta-kong, 2 IdPs, 2 routes, 2 environments\./,
    );
    assert.match(
      c.out(),
      /Set these environment variables before running.*\n {2}OKTA_CLIENT_SECRET {2}request "Get first order" > auth\.clientSecret/,
    );
    assert.match(c.out(), /Not carried over \(5\):\n {2}- request "List orders" > headers\.X-Request-Id/);
    // It ends by validating what it wrote, as "oidc-flow validate" does.
    assert.match(c.out(), /\nValid: .*insomnia-v4-okta-kong\.oidc-flow\.yaml \(1 flow, 6 steps\)\.\n$/);
    assert.ok(!c.out().includes('s3cr3t-Client-Value-0001'));
    assert.ok(!yaml.includes('s3cr3t-Client-Value-0001'));
    assert.equal(c.err(), '');
  });

  it('running the import before filling in {{baseUrl}} exits 2 naming the variable and the step', async () => {
    const input = join(dir, 'unfilled.postman_collection.json');
    writeFileSync(
      input,
      JSON.stringify({
        info: { name: 'Unfilled', schema: 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json' },
        item: [{ name: 'Health', request: { method: 'GET', url: '{{baseUrl}}/health' } }],
      }),
    );
    const imported = captureIo();
    assert.equal(await runCli(['import', input], imported.io), 0);
    // The import's own check already points at it.
    assert.match(
      imported.out(),
      /Valid: .*\(1 flow, 1 step, 1 warning\)\.\n.*:\d+: warning: flows\.unfilled\.steps\[0\]\.url takes its host from \{\{env\.baseUrl\}\}, empty in environment default\./,
    );
    const c = captureIo({ env: {} });
    assert.equal(await runCli(['run', join(dir, 'unfilled.oidc-flow.yaml')], c.io), 2);
    const all = c.out() + c.err();
    assert.match(all, /Step health has no usable URL: \{\{env\.baseUrl\}\} is empty/);
    assert.doesNotMatch(all, /Unexpected failure|likely a bug/);
  });

  it('refuses to overwrite an existing file unless --force', async () => {
    const input = copyFixture('postman-v21-okta-kong.json');
    const output = join(dir, 'mine.yaml');
    writeFileSync(output, 'my own work\n');
    const refused = captureIo();
    assert.equal(await importCommand([input, '-o', output], refused.io), 2);
    assert.match(refused.err(), /mine\.yaml already exists; nothing was written\. Use --force/);
    assert.equal(readFileSync(output, 'utf8'), 'my own work\n');

    const forced = captureIo();
    assert.equal(await importCommand([input, '--output', output, '--force'], forced.io), 0);
    assert.match(readFileSync(output, 'utf8'), /^# Imported by "oidc-flow import" from postman-v21-okta-kong\.json/);
  });

  it('writes to standard output with -o -, the report going to standard error', async () => {
    const input = copyFixture('insomnia-v5-okta-kong.yaml');
    const c = captureIo();
    assert.equal(await importCommand([input, '-o', '-'], c.io), 0);
    loadFlowFile(c.out(), { fileName: 'stdout.yaml' });
    assert.match(c.err(), /^Imported: 6 steps/);
    assert.match(c.err(), /OKTA_CLIENT_SECRET/);
    assert.ok(!existsSync(join(dir, 'insomnia-v5-okta-kong.oidc-flow.yaml')));
  });

  it('exits 2 on bad input, with the error code, and writes nothing', async () => {
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{"_type": "export", "__export_format": 4, "resources": [ }');
    // Through the CLI's one error path, as a user runs it: import.* codes are configuration errors.
    const c = captureIo();
    assert.equal(await runCli(['import', broken], c.io), 2);
    assert.match(c.err(), /not valid JSON \(line 1, column \d+\).*\[import\.syntax\]/);
    assert.ok(!existsSync(join(dir, 'broken.oidc-flow.yaml')));

    const other = join(dir, 'openapi.json');
    writeFileSync(other, '{"openapi": "3.1.0"}');
    const d = captureIo();
    assert.equal(await runCli(['import', other], d.io), 2);
    assert.match(d.err(), /\[import\.unrecognised\]/);

    const missing = captureIo();
    assert.equal(await importCommand([join(dir, 'nope.json')], missing.io), 2);
    assert.match(missing.err(), /cannot read .*nope\.json: no such file/);
  });

  it('a path it cannot write says why and what to do instead: another -o, or -o - (exit 2)', async () => {
    const input = copyFixture('insomnia-v4-okta-kong.json');
    const aFile = join(dir, 'a-file');
    writeFileSync(aFile, 'x');
    const cases: Array<[string, string]> = [
      [join(aFile, 'flow.yaml'), 'a part of the path is not a folder (ENOTDIR)'],
      [join(dir, 'no-such-folder', 'flow.yaml'), 'its folder does not exist (ENOENT)'],
      [dir, 'it is a folder (EISDIR)'],
    ];
    for (const [target, why] of cases) {
      const c = captureIo();
      assert.equal(await importCommand([input, '-o', target, '--force'], c.io), 2, target);
      assert.equal(
        c.err(),
        `oidc-flow import: cannot write ${target}: ${why}; nothing was written. Choose a writable path with -o, or -o - for standard output.\n`,
      );
      assert.equal(c.out(), '');
    }
    assert.ok(!existsSync(join(dir, 'no-such-folder')));
    // Without --force, a folder is not "a file that exists" that --force would overwrite.
    const folder = captureIo();
    assert.equal(await importCommand([input, '-o', dir], folder.io), 2);
    assert.match(
      folder.err(),
      /cannot write .*: it is a folder \(EISDIR\); nothing was written\. Choose a writable path with -o/,
    );
  });

  it('asks for the file when none is given', async () => {
    await assert.rejects(
      importCommand([], captureIo().io),
      (error: unknown) => error instanceof UsageError && /Give the export file/.test(error.message),
    );
  });

  it('imports a Postman collection with its environment export (--environment), values laid over', async () => {
    const real = join(FIXTURES, '..', 'real', 'okta');
    const c = captureIo();
    const out = join(dir, 'oidc.flow.yaml');
    const args = [
      'import',
      join(real, 'open-id-connect.json'),
      '-e',
      join(real, 'example.oktapreview.com.environment'),
    ];
    assert.equal(await runCli([...args, '-o', out], c.io), 0, c.err());
    const file = loadFlowFile(readFileSync(out, 'utf8'), { fileName: out }).file;
    assert.deepEqual(Object.keys(file.environments ?? {}), ['youroktadomain']);
    assert.equal(file.environments?.youroktadomain?.url, 'https://{yourOktaDomain}');
    assert.match(c.out(), /Wrote .*oidc\.flow\.yaml: .*1 environment\./);

    const alone = captureIo();
    assert.equal(await runCli(['import', join(real, 'example.oktapreview.com.environment')], alone.io), 2);
    assert.match(alone.err(), /Postman environment.*--environment example\.oktapreview\.com\.environment/);

    const withInsomnia = captureIo();
    const insomnia = copyFixture('insomnia-v4-okta-kong.json');
    const env = join(real, 'example.oktapreview.com.environment');
    assert.equal(await runCli(['import', insomnia, '--environment', env, '-o', '-'], withInsomnia.io), 2);
    assert.match(withInsomnia.err(), /--environment takes Postman environment exports/);
  });

  it('has help that starts with its usage line', () => {
    assert.match(importHelp, /^Usage: oidc-flow import <file>/);
    assert.match(importHelp, /--force/);
    assert.match(importHelp, /--environment FILE/);
  });
});
