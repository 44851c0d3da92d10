/**
 * The results of one extension-host test run, as the in-host runner writes
 * them (JSON) and as the Node-side scripts print them (mocha's spec style
 * with the repo's closing line "tests: N passed, N failed, N skipped").
 */

/** Environment variable naming the file the code-server test runner writes its results to. */
export const RESULTS_ENV = 'OIDC_EXTENSION_TEST_RESULTS';

export interface ExtensionTestResult {
  /** Titles of the enclosing `describe` blocks, outermost first. */
  suites: string[];
  title: string;
  state: 'passed' | 'failed' | 'pending';
  durationMs?: number;
  error?: { message: string; stack?: string };
}

export interface ExtensionTestRun {
  /** Where the suite ran: "code-server" or "electron". */
  host: string;
  vscodeVersion: string;
  nodeVersion: string;
  tests: ExtensionTestResult[];
  passed: number;
  failed: number;
  skipped: number;
  /** Set when the runner itself broke (e.g. a suite file threw while loading). */
  runnerError?: string;
}

/** Renders a run like mocha's spec reporter, ending with the summary line CI reads. */
export function formatRun(run: ExtensionTestRun): string {
  const out: string[] = [
    `extension tests in VS Code ${run.vscodeVersion} (${run.host} extension host, Node ${run.nodeVersion})`,
    '',
  ];
  let open: string[] = [];
  const failures: ExtensionTestResult[] = [];
  for (const test of run.tests) {
    let common = 0;
    while (common < open.length && common < test.suites.length && open[common] === test.suites[common]) common += 1;
    for (let depth = common; depth < test.suites.length; depth += 1)
      out.push(`${'  '.repeat(depth + 1)}${test.suites[depth]}`);
    open = test.suites;
    const indent = '  '.repeat(test.suites.length + 1);
    if (test.state === 'passed')
      out.push(`${indent}✔ ${test.title}${test.durationMs !== undefined ? ` (${test.durationMs}ms)` : ''}`);
    else if (test.state === 'pending') out.push(`${indent}- ${test.title}`);
    else {
      failures.push(test);
      out.push(`${indent}${failures.length}) ${test.title}`);
    }
  }
  out.push('');
  failures.forEach((test, index) => {
    out.push(`  ${index + 1}) ${[...test.suites, test.title].join(' ')}:`);
    out.push(indentBlock(test.error?.stack ?? test.error?.message ?? 'failed without an error', '     '));
    out.push('');
  });
  if (run.runnerError) out.push(`runner error: ${run.runnerError}`, '');
  for (const test of run.tests)
    if (test.state === 'pending') out.push(`skipped: ${[...test.suites, test.title].join(' ')}`);
  out.push(`tests: ${run.passed} passed, ${run.failed} failed, ${run.skipped} skipped`);
  return out.join('\n');
}

/** A run succeeds only when something passed and nothing failed or broke. */
export function runSucceeded(run: ExtensionTestRun): boolean {
  return run.failed === 0 && run.passed > 0 && !run.runnerError;
}

function indentBlock(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((line) => prefix + line)
    .join('\n');
}
