/**
 * Runs test/extension/suite in desktop VS Code with @vscode/test-electron,
 * VS Code's own way (it downloads VS Code from Microsoft: fine on a laptop,
 * impossible on the CI machines, which run the same suite in code-server via
 * run-code-server.ts instead).
 *
 * When VS Code cannot be downloaded this prints
 * "extension tests in VS Code (electron): cannot run here: <reason>" and exits
 * 0, or 1 when OIDC_REQUIRE_ELECTRON=1. Test failures always exit 1.
 *
 *   npm run build && tsx test/extension/run-electron.ts
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { downloadAndUnzipVSCode, runTests } from '@vscode/test-electron';
import { buildTestBundle } from './build-runner';

const REPO_ROOT = resolve(__dirname, '..', '..');
const PREFIX = 'extension tests in VS Code (electron)';

async function main(): Promise<number> {
  const required = process.env.OIDC_REQUIRE_ELECTRON === '1';
  let vscodeExecutablePath: string;
  try {
    vscodeExecutablePath = await downloadAndUnzipVSCode({
      version: process.env.OIDC_VSCODE_VERSION ?? 'stable',
      cachePath: join(REPO_ROOT, '.vscode-test'),
      timeout: 20_000,
      extensionDevelopmentPath: REPO_ROOT,
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    process.stdout.write(`${PREFIX}: cannot run here: ${reason.split('\n')[0]}\n`);
    process.stdout.write(
      required
        ? `${PREFIX}: OIDC_REQUIRE_ELECTRON=1, so this is a failure\n`
        : `${PREFIX}: skipped; the same suite runs in code-server with: tsx test/extension/run-code-server.ts\n`,
    );
    return required ? 1 : 0;
  }

  if (!existsSync(join(REPO_ROOT, 'dist', 'extension.js'))) {
    process.stderr.write(`${PREFIX}: dist/extension.js is missing: run \`npm run build\` first\n`);
    return 1;
  }
  const work = mkdtempSync(join(tmpdir(), 'oidc-electron-tests-'));
  try {
    const extensionTestsPath = await buildTestBundle(work);
    mkdirSync(join(work, 'workspace'));
    // runTests rejects when the run fails; the results were already printed by the host.
    await runTests({
      vscodeExecutablePath,
      extensionDevelopmentPath: REPO_ROOT,
      extensionTestsPath,
      launchArgs: [
        join(work, 'workspace'),
        '--disable-extensions',
        '--disable-workspace-trust',
        '--skip-welcome',
        '--skip-release-notes',
      ],
    });
    return 0;
  } catch (error) {
    process.stderr.write(`${PREFIX}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${PREFIX}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
