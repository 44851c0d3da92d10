/**
 * Workspace folders for the e2e tests: each test opens a fresh copy of a
 * folder under test/fixtures/e2e, so nothing VS Code or the extension writes
 * lands in the repository.
 */
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './code-server';

export const E2E_FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'e2e');

export interface FixtureWorkspace {
  folder: string;
  remove(): void;
}

/** Copies test/fixtures/e2e/<name> into a temporary folder. */
export function copyFixtureWorkspace(name: string): FixtureWorkspace {
  const source = join(E2E_FIXTURES, name);
  if (!existsSync(source)) throw new Error(`no e2e fixture workspace ${source}`);
  const root = mkdtempSync(join(tmpdir(), `oidc-e2e-${name}-`));
  const folder = join(root, name);
  cpSync(source, folder, { recursive: true });
  return { folder, remove: () => rmSync(root, { recursive: true, force: true }) };
}
