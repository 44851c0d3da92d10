import type * as Tty from 'node:tty';
import type { Progress } from './progress';
import { deviceCodeCountdown } from './progress';
import { isOidcError, OidcError } from '../core/errors';
import { readCaText } from '../core/http/ca-file';
import type { RunnerDeps } from '../core/flow/runner';
import type { HttpClient, HttpOptions, HttpRequest, HttpResponse } from '../core/http/types';
import type { Sandbox } from '../core/sandbox/sandbox';
import type { CliIo } from './io';
import { terminalText, UsageError } from './io';

/** Named as the flags (--ca, --insecure, --proxy, --timeout, --sandbox): a command passes `{ io, ...values }`. */
export interface CliRuntimeOptions {
  io: CliIo;
  ca?: string;
  insecure?: boolean;
  proxy?: string;
  timeout?: string;
  sandbox?: boolean;
  /** The progress line of a device-code wait (run's); without it, only the sentence is printed. */
  progress?: Progress;
  /** Told each time the run's HTTP client has sent a request (see HttpClientOptions.onRequestSent). */
  onRequestSent?: () => void;
}

export interface CliRuntime {
  deps: RunnerDeps;
  sandbox?: Sandbox;
  close(): Promise<void>;
}

/**
 * The program and arguments that open `url` in the system browser, with no
 * shell: on Windows `cmd /c start` would read `&` in an authorize URL as a
 * command separator, so rundll32's URL handler gets the URL as one argument.
 */
export function browserCommand(platform: NodeJS.Platform, url: string): [string, string[]] {
  if (!/^https?:\/\//i.test(url))
    throw new OidcError('cli.browser', `Only http(s) URLs are opened in a browser, not ${url.slice(0, 40)}.`, {
      hint: "Check the IdP's authorization_endpoint.",
    });
  if (platform === 'darwin') return ['open', [url]];
  if (platform === 'win32') return ['rundll32', ['url.dll,FileProtocolHandler', url]];
  return ['xdg-open', [url]];
}

/** Opens a URL in the system browser (the authorization-code grant). */
export function openInBrowser(url: string): Promise<void> {
  const [command, args] = browserCommand(process.platform, url);
  // child_process (and readline, below) load when used: routes and lint import this module for
  // readCaFile, and every start paid about 3 ms for them (issue #14, CLI start).
  return import('node:child_process').then(
    ({ spawn }) =>
      new Promise((resolve, reject) => {
        const child = spawn(command, args, { stdio: 'ignore', detached: true, shell: false });
        child.once('error', () =>
          reject(
            new OidcError('cli.browser', `Could not open a browser (${command} failed).`, {
              hint: `Open this URL yourself: ${url}`,
            }),
          ),
        );
        child.once('spawn', () => {
          child.unref();
          resolve();
        });
      }),
  );
}

/** Reads the --ca file: it must exist and hold at least one PEM certificate. */
export async function readCaFile(path: string): Promise<string> {
  try {
    return await readCaText(path, '--ca');
  } catch (error) {
    throw isOidcError(error) ? new UsageError(error.message) : error;
  }
}

/** A URL as it may be shown: whatever stands before an "@" in its authority (user and password) becomes "***". */
function withoutUserinfo(value: string): string {
  // Up to the last "@": a password may hold an unencoded "/", "?" or "#", and a proxy URL has no path.
  const start = value.indexOf('//') >= 0 ? value.indexOf('//') + 2 : 0;
  const at = value.lastIndexOf('@');
  return at < start ? value : `${value.slice(0, start)}***${value.slice(at)}`;
}

/** Checks --proxy: an absolute http(s) URL of the proxy itself (no path); never echoes its credentials. */
export function checkProxyUrl(value: string): string {
  const shown = withoutUserinfo(value);
  const example = 'e.g. http://proxy.example:3128 or http://user:password@proxy.example:3128';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--proxy takes the proxy's absolute URL, ${example}; got "${shown}".`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError(`--proxy takes an http(s) proxy URL, ${example}; got "${shown}".`);
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    throw new UsageError(
      `--proxy takes only the proxy's scheme, host and port, without a path or query; got "${shown}".`,
    );
  }
  return value;
}

/**
 * The HTTP client of the server flags (--proxy, --ca, --insecure, --timeout), checked in that
 * order. For a command that only sends requests (verify, introspect, revoke, explain, capture):
 * runtimeFor adds the secrets, the sandbox and the prompts, and asks the terminal whether it may
 * prompt (node:tty), which such a command never needs (issue #14, CLI start).
 *
 * The flags are checked now, so a wrong one stops the command before its first line; the client
 * itself (core/http/client.ts with the proxy, limits and error modules, ~1 ms of a start) is made
 * at the first request: `run` prints its first line before it sends anything (issue #14 point 3).
 */
export async function cliHttpClient(
  options: Omit<CliRuntimeOptions, 'sandbox' | 'progress'>,
): Promise<HttpClient & { close(): Promise<void> }> {
  const { io } = options;
  const httpOptions: HttpOptions = {};
  if (options.proxy) httpOptions.proxy = checkProxyUrl(options.proxy);
  if (options.ca) httpOptions.ca = await readCaFile(options.ca);
  if (options.insecure) httpOptions.insecureSkipTlsVerify = true;
  let timeoutMs: number | undefined;
  if (options.timeout) {
    timeoutMs = Number(options.timeout);
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
      throw new UsageError(`--timeout takes milliseconds, got "${options.timeout}".`);
  }
  return clientAtFirstSend(async () => {
    // Imported here, not at the top: routes and lint take readCaFile from this module and read a
    // decK file or an Apache config without the HTTP layer (issue #14, CLI start).
    const { createHttpClient, timeoutBudget } = await import('../core/http/client');
    // One budget for every phase and for the whole exchange, so "raise --timeout" holds for each.
    if (timeoutMs !== undefined) Object.assign(httpOptions, timeoutBudget(timeoutMs));
    return createHttpClient({ ...httpOptions, env: io.env, surface: 'cli', onRequestSent: options.onRequestSent });
  });
}

/**
 * A client that makes the real one at its first `send`, then hands every later call straight to
 * the real one's functions (no extra promise per request: a run of 1,000 calls goes through it).
 * Exported for its test.
 */
export function clientAtFirstSend(
  make: () => Promise<HttpClient & { close(): Promise<void> }>,
): HttpClient & { close(): Promise<void> } {
  let made: Promise<HttpClient & { close(): Promise<void> }> | undefined;
  const client = {
    send(request: HttpRequest): Promise<HttpResponse> {
      made ??= make();
      return made.then((real) => {
        client.send = real.send;
        return real.send(request);
      });
    },
    // Nothing to close when nothing was sent; a client that failed to load has nothing open.
    close: (): Promise<void> =>
      made
        ? made.then(
            (real) => real.close(),
            () => undefined,
          )
        : Promise.resolve(),
  };
  return client;
}

/** Builds what a flow run needs from CLI options: HTTP client, secrets, sandbox, prompts. */
export async function runtimeFor(options: CliRuntimeOptions): Promise<CliRuntime> {
  const { io } = options;
  const http = await cliHttpClient(options);
  let sandbox: Sandbox | undefined;
  if (options.sandbox) {
    const [{ startSandbox }, { createHttpClient }] = await Promise.all([
      import('../core/sandbox/sandbox'),
      import('../core/http/client'),
    ]);
    sandbox = await startSandbox({ createHttpClient: ({ ca }) => createHttpClient({ ca, env: {} }) });
  }
  // isatty(0) is what process.stdin.isTTY answers, without making process.stdin: for a file, pipe
  // or /dev/null that is a stream whose modules (fs streams, fs/promises, readline) every `run`
  // loaded for nothing (issue #14). node:tty is required here, not imported: `routes` and `lint`
  // load this module too (readCaFile), and the commands that only send requests take only
  // cliHttpClient; none of them asks. Asked only when standard output is a terminal, whose stream
  // has loaded node:tty already: node:tty loads node:net and its streams, 1.5 to 3 ms before the
  // first line of every `run` to a pipe or a file (CI, a parent process; issue #14 point 3).
  const interactive =
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    io.stdout.isTTY === true && (require('node:tty') as typeof Tty).isatty(0);
  const deps: RunnerDeps = {
    http,
    secrets: { env: { ...io.env, ...(sandbox?.env ?? {}) } },
    admin: sandbox?.admin,
    openBrowser: interactive
      ? (url) => {
          io.stderr.write(`Opening the browser to sign in: ${url}\n`);
          return openInBrowser(url);
        }
      : undefined,
    onDeviceCode: (info) => {
      io.stderr.write(
        `To sign in, open ${info.verificationUriComplete ?? info.verificationUri} and enter the code ${info.userCode}\n`,
      );
      if (options.progress) deviceCodeCountdown(options.progress, info, Date.now());
    },
    confirm: interactive
      ? async (message) => {
          const { createInterface } = await import('node:readline/promises');
          const rl = createInterface({ input: process.stdin, output: process.stderr });
          try {
            // The prompt goes to the terminal outside io: the flow file's message is escaped here.
            const answer = await rl.question(terminalText(`${message}\nContinue? [Y/n] `));
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
