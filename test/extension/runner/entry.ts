/**
 * One bundle, two ways in:
 * - `run()`: @vscode/test-electron's extensionTestsPath contract (the host
 *   awaits it; a rejection fails the run; console output reaches the terminal);
 * - `activate()`: a tiny test-runner extension installed into code-server,
 *   activated onStartupFinished, that writes the results as JSON to the path in
 *   OIDC_EXTENSION_TEST_RESULTS for the harness outside to read.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { formatRun, RESULTS_ENV, runSucceeded } from '../results';
import type { ExtensionTestRun } from '../results';
import { runSuites } from './run-suites';
import type { SuiteLoader } from './run-suites';

let loader: SuiteLoader = () => {
  throw new Error('no suites were bundled (the build did not call setSuiteLoader)');
};
let started = false;

/** Called by the generated bundle entry with a function that requires every suite file. */
export function setSuiteLoader(load: SuiteLoader): void {
  loader = load;
}

/** @vscode/test-electron entry point. */
export async function run(): Promise<void> {
  const results = await runSuites('electron', loader);
  console.log(formatRun(results));
  if (!runSucceeded(results))
    throw new Error(
      results.passed === 0 && results.failed === 0
        ? 'no extension tests ran'
        : `${results.failed} extension test(s) failed`,
    );
}

/** Test-runner extension entry point (code-server). */
export function activate(): void {
  const target = process.env[RESULTS_ENV];
  // Installed by hand without the harness: do nothing. Run once per host.
  if (!target || started) return;
  started = true;
  void runSuites('code-server', loader)
    .catch((error: unknown): ExtensionTestRun => ({
      host: 'code-server',
      vscodeVersion: 'unknown',
      nodeVersion: process.versions.node,
      tests: [],
      passed: 0,
      failed: 0,
      skipped: 0,
      runnerError: error instanceof Error ? (error.stack ?? error.message) : String(error),
    }))
    .then((results) => {
      // Written whole, then renamed: the harness never reads half a file.
      writeFileSync(`${target}.partial`, JSON.stringify(results, null, 2));
      renameSync(`${target}.partial`, target);
    });
}

export function deactivate(): void {}
