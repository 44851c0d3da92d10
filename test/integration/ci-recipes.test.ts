/**
 * Issue #15: the CI recipes of docs/ci.md work as written. Their YAML is
 * parsed from the page, and the commands of its GitHub Actions steps and
 * GitLab job run for real: the install line takes the package built from this
 * repository in place of the one on npm (same command, only the package spec
 * swapped), the sandbox plays the staging IdP and gateway, and the variables
 * the recipe names are filled as the CI's secret store would. What the CI
 * services themselves do (checks, artifacts) is checked as configuration.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import type { Sandbox } from '../../src/core/sandbox/sandbox';
import { cleanFolder, packedCli, sh } from '../support/cli-package';
import type { CliSandboxDir } from '../support/cli-package';
import { startTestSandbox } from '../support/sandbox';

const root = join(__dirname, '..', '..');
const VERSION = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
const INSTALL = `npm i -g oidc-flow@${VERSION}`;

/** The page's YAML blocks, by the path their first line names (`# .gitlab-ci.yml`). */
function recipeFiles(): Map<string, string> {
  const page = readFileSync(join(root, 'docs', 'ci.md'), 'utf8');
  const files = new Map<string, string>();
  for (const match of page.matchAll(/^```yaml\n# (\S+)\n([\s\S]*?)^```$/gm)) files.set(match[1]!, match[2]!);
  return files;
}

interface Step {
  name?: string;
  run?: string;
  uses?: string;
  if?: string;
  env?: Record<string, string>;
  with?: Record<string, string>;
}

describe('docs/ci.md recipes, run for real', function () {
  this.timeout(180_000);
  const files = recipeFiles();
  let sandbox: Sandbox;
  let folder: CliSandboxDir;
  let tarball: string;
  let store: Record<string, string>;

  before(async function () {
    tarball = packedCli().tarball;
    folder = cleanFolder(process.execPath);
    const flow = files.get('.oidc-flow/staging.oidc-flow.yaml');
    assert.ok(flow, 'docs/ci.md has no yaml block starting "# .oidc-flow/staging.oidc-flow.yaml"');
    mkdirSync(join(folder.dir, 'repo', '.oidc-flow'), { recursive: true });
    writeFileSync(join(folder.dir, 'repo', '.oidc-flow', 'staging.oidc-flow.yaml'), flow);
    // Installed once up front too, so that any one test can run alone.
    const install = await sh(`npm i -g file:${tarball}`, { cwd: folder.dir, env: folder.env });
    assert.equal(install.code, 0, install.stderr);
    sandbox = await startTestSandbox();
    // The CI's variables and secrets; the sandbox's CA as a staging IdP's private CA.
    store = {
      OIDC_ISSUER: sandbox.env.SANDBOX_ISSUER!,
      OIDC_CLIENT_ID: sandbox.env.SANDBOX_CLIENT_ID!,
      OIDC_CLIENT_SECRET: sandbox.env.SANDBOX_CLIENT_SECRET!,
      GATEWAY_URL: sandbox.env.SANDBOX_GATEWAY_URL!,
    };
  });
  after(async () => {
    await sandbox?.close();
    if (folder) rmSync(folder.dir, { recursive: true, force: true });
  });

  /** Runs the recipe's command lines in order, as the job would (stops at the first failure). */
  async function runJob(lines: string[], variables: Record<string, string>) {
    const env = { ...folder.env, ...variables, NODE_EXTRA_CA_CERTS: sandbox.env.SANDBOX_CA_FILE! };
    const cwd = join(folder.dir, 'repo');
    rmSync(join(cwd, 'oidc-flow-report.xml'), { force: true });
    let log = '';
    for (const line of lines) {
      const command = line === INSTALL ? `npm i -g file:${tarball}` : line;
      const done = await sh(command, { cwd, env });
      log += `$ ${line}\n${done.stdout}${done.stderr}`;
      if (done.code !== 0) return { code: done.code, log, cwd };
    }
    return { code: 0, log, cwd };
  }

  /** The passing run and the refused one, with what the job must show for each. */
  async function proveJob(lines: string[], variablesFor: (store: Record<string, string>) => Record<string, string>) {
    assert.equal(lines[0], INSTALL, `the recipe installs the current version first: ${INSTALL}`);
    const passing = await runJob(lines, variablesFor(store));
    assert.equal(passing.code, 0, passing.log);
    const report = readFileSync(join(passing.cwd, 'oidc-flow-report.xml'), 'utf8');
    assert.match(report, /<testsuite name="smoke" tests="2" failures="0" errors="0"/);
    assert.match(passing.log, /passed: 2 passed/);

    // A staging gateway that refuses the token (scopes read from the wrong claim): the job fails, saying why.
    const refused = await runJob(lines, variablesFor({ ...store, GATEWAY_URL: `${store.GATEWAY_URL}/scope-claim` }));
    assert.equal(refused.code, 1, refused.log);
    if (process.env.SHOW_LOG) console.log(refused.log);
    assert.match(refused.log, /✖ orders +call/);
    assert.match(refused.log, /status was 403, expected 200/);
    assert.match(refused.log, /why: Kong answered 403 insufficient_scope/);
    const failedReport = readFileSync(join(refused.cwd, 'oidc-flow-report.xml'), 'utf8');
    assert.match(failedReport, /failures="1"/);
    for (const text of [passing.log, refused.log, report, failedReport])
      assert.ok(!text.includes(store.OIDC_CLIENT_SECRET!), 'the client secret reached the log or the report');
  }

  it('GitHub Actions: install, run with the step env from secrets and vars, publish the report always', async () => {
    const workflow = parse(files.get('.github/workflows/oidc-flow.yml') ?? '') as {
      jobs: Record<string, { steps: Step[] }>;
      permissions?: Record<string, string>;
    };
    const steps = Object.values(workflow.jobs)[0]!.steps;
    const runSteps = steps.filter((s) => s.run !== undefined);
    // The step env names each variable once, from the store of its kind.
    const runStep = runSteps.find((s) => s.env)!;
    assert.deepEqual(Object.keys(runStep.env!).sort(), Object.keys(store).sort());
    for (const [name, value] of Object.entries(runStep.env!))
      assert.equal(value, `\${{ ${name === 'OIDC_CLIENT_SECRET' ? 'secrets' : 'vars'}.${name} }}`);
    const publish = steps.find((s) => s.uses?.startsWith('mikepenz/action-junit-report@'));
    assert.ok(publish, 'no step publishes the JUnit report');
    assert.equal(publish.if, 'always()', 'the report must be published when the run failed too');
    assert.equal(publish.with?.report_paths, 'oidc-flow-report.xml');
    assert.equal(workflow.permissions?.checks, 'write');

    await proveJob(
      runSteps.map((s) => s.run!.trim()),
      (values) => Object.fromEntries(Object.keys(runStep.env!).map((name) => [name, values[name]!])),
    );
  });

  it('GitLab CI: the script lines with the project variables, the report kept as junit always', async () => {
    const pipeline = parse(files.get('.gitlab-ci.yml') ?? '') as Record<
      string,
      { script: string[]; artifacts: { when: string; reports: { junit: string } } }
    >;
    const job = pipeline['oidc-flow']!;
    assert.equal(job.artifacts.when, 'always');
    assert.equal(job.artifacts.reports.junit, 'oidc-flow-report.xml');
    await proveJob(job.script, (values) => values);
  });

  it('the flow file of the page is valid (oidc-flow validate)', async () => {
    const file = join(folder.dir, 'repo', '.oidc-flow', 'staging.oidc-flow.yaml');
    assert.ok(existsSync(file), dirname(file));
    const done = await sh(`oidc-flow validate ${file}`, { cwd: folder.dir, env: folder.env });
    assert.equal(done.code, 0, done.stdout + done.stderr);
  });
});
