/** What every e2e suite does before and after its tests: check the tools, and show what failed. */
import type { Context } from 'mocha';
import type { Workbench } from './browser';
import { requireChromium } from './browser';
import type { CodeServer } from './code-server';
import { productVsixPath, requireCodeServer, requireVsix } from './code-server';

/** Fails (never skips) when code-server, Chromium or the VSIX is missing, saying what to do. */
export function requireE2eTools(): void {
  requireCodeServer();
  requireChromium();
  requireVsix(productVsixPath());
}

/**
 * In an afterEach: for a failed test, a screenshot named after `prefix` and
 * the test, the tail of code-server's output, the browser console and any
 * `extra` text (a peer's log).
 */
export async function reportFailure(
  ctx: Context,
  prefix: string,
  workbench: Workbench | undefined,
  server: CodeServer | undefined,
  extra?: () => string,
): Promise<void> {
  if (ctx.currentTest?.state !== 'failed' || !workbench) return;
  const path = await workbench
    .screenshot(`failed-${prefix}${ctx.currentTest.title.replace(/\W+/g, '-')}`)
    .catch(() => 'none');
  process.stdout.write(
    `  screenshot: ${path}\n  code-server output (last 3000 chars):\n${server?.output().slice(-3000) ?? ''}\n  browser console (last 20 lines):\n${workbench.consoleLog().slice(-20).join('\n')}\n${extra?.() ?? ''}`,
  );
}
