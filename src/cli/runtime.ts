import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline/promises';
import { OidcError } from '../core/errors';
import type { RunnerDeps } from '../core/flow/runner';
import { createHttpClient } from '../core/http/client';
import type { HttpOptions } from '../core/http/types';
import type { Sandbox } from '../core/sandbox/sandbox';
import type { CliIo } from './io';
import { UsageError } from './io';

export interface CliRuntimeOptions {
  io: CliIo;
  ca?: string;
  insecure?: boolean;
  proxy?: string;
  timeout?: string;
  sandbox?: boolean;
}

export interface CliRuntime {
  deps: RunnerDeps;
  sandbox?: Sandbox;
  close(): Promise<void>;
}

/** Opens a URL in the system browser (the authorization-code grant). */
export function openInBrowser(url: string): Promise<void> {
  const [command, args] = process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  return new Promise((resolve, reject) => {
    const child = spawn(command, args as string[], { stdio: 'ignore', detached: true });
    child.once('error', () => reject(new OidcError('cli.browser', `Could not open a browser (${command} failed).`, { hint: `Open this URL yourself: ${url}` })));
    child.once('spawn', () => {
      child.unref();
      resolve();
    });
  });
}

/** Builds what a flow run needs from CLI options: HTTP client, secrets, sandbox, prompts. */
export async function runtimeFor(options: CliRuntimeOptions): Promise<CliRuntime> {
  const { io } = options;
  const httpOptions: HttpOptions = {};
  if (options.ca) {
    try {
      httpOptions.ca = await readFile(options.ca, 'utf8');
    } catch {
      throw new UsageError(`Cannot read the CA file ${options.ca} (--ca).`);
    }
  }
  if (options.insecure) httpOptions.insecureSkipTlsVerify = true;
  if (options.proxy) httpOptions.proxy = options.proxy;
  if (options.timeout) {
    const ms = Number(options.timeout);
    if (!Number.isFinite(ms) || ms <= 0) throw new UsageError(`--timeout takes milliseconds, got "${options.timeout}".`);
    httpOptions.headersTimeout = ms;
    httpOptions.bodyTimeout = ms;
  }
  const http = createHttpClient({ ...httpOptions, env: io.env });
  let sandbox: Sandbox | undefined;
  if (options.sandbox) {
    const { startSandbox } = await import('../core/sandbox/sandbox');
    sandbox = await startSandbox({ createHttpClient: ({ ca }) => createHttpClient({ ca, env: {} }) });
  }
  const interactive = Boolean(process.stdin.isTTY) && io.stdout.isTTY;
  const deps: RunnerDeps = {
    http,
    secrets: { env: { ...io.env, ...(sandbox?.env ?? {}) } },
    admin: sandbox?.admin,
    openBrowser: interactive ? (url) => {
      io.stderr.write(`Opening the browser to sign in: ${url}\n`);
      return openInBrowser(url);
    } : undefined,
    onDeviceCode: (info) => io.stderr.write(`To sign in, open ${info.verificationUriComplete ?? info.verificationUri} and enter the code ${info.userCode}\n`),
    confirm: interactive
      ? async (message) => {
          const rl = createInterface({ input: process.stdin, output: process.stderr });
          try {
            const answer = await rl.question(`${message}\nContinue? [Y/n] `);
            return !/^n/i.test(answer.trim());
          } finally {
            rl.close();
          }
        }
      : undefined,
  };
  return {
    deps,
    sandbox,
    close: async () => {
      await sandbox?.close();
      await http.close();
    },
  };
}
