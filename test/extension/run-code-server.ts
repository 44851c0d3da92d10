/**
 * Runs test/extension/suite inside code-server's extension host (a real
 * VS Code 1.139 on Node 24): installs the product VSIX and a test-runner
 * extension, connects Chromium (the extension host starts only when a
 * window connects), waits for the runner's JSON results and prints them.
 * Exit code 0 only when tests ran and none failed.
 *
 *   bash scripts/install-code-server.sh && npm run package && tsx test/extension/run-code-server.ts
 *
 * With --oldest it runs the same suite in the code-server whose VS Code is
 * the oldest package.json's engines.vscode allows, and fails unless the
 * extension host really is that version (npm run test:extension:oldest).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openWorkbench, requireChromium } from '../e2e/support/browser';
import type { Workbench } from '../e2e/support/browser';
import {
  oldestCodeServer,
  productVsixPath,
  REPO_ROOT,
  requireCodeServer,
  requireVsix,
  selectCodeServer,
  startCodeServer,
} from '../e2e/support/code-server';
import type { CodeServer } from '../e2e/support/code-server';
import { buildRunnerVsix } from './build-runner';
import { formatRun, RESULTS_ENV, runSucceeded } from './results';
import type { ExtensionTestRun } from './results';

const RESULTS_TIMEOUT_MS = Number(process.env.OIDC_EXTENSION_TEST_TIMEOUT_MS ?? 180_000);

async function waitForFile(path: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (existsSync(path)) return true;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return existsSync(path);
}

/** "^1.90.0" → "1.90": the oldest VS Code the manifest admits. */
function oldestEngine(): string {
  const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { engines: { vscode: string } };
  const match = /^\^(\d+)\.(\d+)\.0$/.exec(pkg.engines.vscode);
  if (!match) throw new Error(`package.json engines.vscode is ${pkg.engines.vscode}; expected ^<major>.<minor>.0`);
  return `${match[1]}.${match[2]}`;
}

async function main(): Promise<number> {
  const oldest = process.argv.includes('--oldest');
  if (oldest) selectCodeServer(oldestCodeServer());
  requireCodeServer();
  requireChromium();
  requireVsix(productVsixPath());

  const work = mkdtempSync(join(tmpdir(), 'oidc-extension-tests-'));
  const resultsPath = join(work, 'results.json');
  let server: CodeServer | undefined;
  let workbench: Workbench | undefined;
  try {
    const runnerVsix = await buildRunnerVsix(work);
    server = await startCodeServer({ vsixPaths: [productVsixPath(), runnerVsix], env: { [RESULTS_ENV]: resultsPath } });
    workbench = await openWorkbench(server.workbenchUrl);
    if (!(await waitForFile(resultsPath, RESULTS_TIMEOUT_MS))) {
      const shot = await workbench.screenshot('extension-tests-timeout').catch(() => 'none');
      process.stderr.write(
        `extension tests in code-server: no results within ${RESULTS_TIMEOUT_MS} ms (the test-runner extension did not finish or did not activate)\n` +
          `screenshot: ${shot}\ncode-server output (last 3000 chars):\n${server.output().slice(-3000)}\n` +
          `browser console (last 30 lines):\n${workbench.consoleLog().slice(-30).join('\n')}\n`,
      );
      return 1;
    }
    const run = JSON.parse(readFileSync(resultsPath, 'utf8')) as ExtensionTestRun;
    process.stdout.write(`${formatRun(run)}\n`);
    if (oldest && !run.vscodeVersion.startsWith(`${oldestEngine()}.`)) {
      process.stderr.write(
        `extension tests: package.json admits VS Code ${oldestEngine()}, but the oldest code-server runs VS Code ${run.vscodeVersion}: raise engines.vscode or OIDC_OLDEST_CODE_SERVER\n`,
      );
      return 1;
    }
    if (run.passed === 0 && run.failed === 0 && !run.runnerError)
      process.stderr.write('extension tests in code-server: no tests ran\n');
    return runSucceeded(run) ? 0 : 1;
  } finally {
    await workbench?.close().catch(() => undefined);
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`extension tests in code-server: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
