import { writeFileAtomic } from '../../core/atomic-write';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { RUN_OPTIONS } from '../command-options';
import { OidcError } from '../../core/errors';
import { loadFlowFile } from '../../core/flow/load';
import { SecretRegistry } from '../../core/http/secret-registry';
import type { RunEvent, RunResult } from '../../core/flow/runner';
import { getFlow, runStartEvent, selectEnvironment } from '../../core/flow/select';
import type { CliIo } from '../io';
import { EXIT, runExitCode, styler, UsageError } from '../io';
import { createProgress, progressReporter } from '../progress';
import { runtimeFor } from '../runtime';
import type { prettyReporter } from '../reporters/pretty';
import { runStartLine } from '../reporters/run-start-line';
import { toJunit } from '../reporters/junit';
import { toJsonReport } from '../reporters/json';
import { readNamedFile } from '../read-input';
import { deferredQueue, GATHER_MS, gatheredOutput } from '../gathered-output';

export const runHelp = `Usage: oidc-flow run <file> [--flow NAME] [--env NAME] [--reporter pretty|json|junit] [--output FILE]
                     [--sandbox] [--ca FILE] [--insecure] [--proxy URL] [--timeout MS] [--reveal-secrets] [--quiet]

Runs a flow from a flow file (YAML or JSON) and reports every step, every HTTP
exchange, and why the gateway said 401 or 403.

Options:
  --flow NAME        the flow to run (default: the only flow in the file)
  --env NAME         the environment to use (default: defaultEnvironment, or the first)
  --reporter R       pretty (default), json (full run with redacted exchanges) or junit
  --output FILE      write the json/junit report to FILE; standard output then shows the
                     run as pretty does (the CI log, with the verdict of a refused call)
  --sandbox          start the local sandbox (IdP + gateway) for the run; its URLs and
                     credentials are offered as \${env:SANDBOX_ISSUER}, \${env:SANDBOX_CLIENT_ID},
                     \${env:SANDBOX_CLIENT_SECRET}, \${env:SANDBOX_GATEWAY_URL}, \${env:SANDBOX_CA_FILE}
  --ca FILE          trust this extra CA certificate (PEM) for every request
  --insecure         skip TLS verification (every exchange is marked with a warning)
  --proxy URL        send requests through this HTTP(S) proxy (default: HTTPS_PROXY/NO_PROXY)
  --timeout MS       deadline per request: connect, headers and whole body (default 60000)
  --reveal-secrets   show tokens and secrets in the json report (they are redacted by default)
  -q, --quiet        no progress line on the terminal while a repeat or a device-code sign-in
                     waits (there is none when standard error is not a terminal)

Secrets come from \${env:NAME} references: set the variables before running.
With OKTA_API_TOKEN set (or an IdP's oktaApi), a refused call's verdict also asks
Okta's management API whether the token's application and user are active.
Exit codes: 0 the run passed, 1 a step failed (with continueOnFailure too) or errored,
2 the file, the options or the environment are wrong (e.g. an unset \${env:NAME}).
`;

/** oidc-flow run */
export async function runCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: RUN_OPTIONS,
  });
  const path = positionals[0];
  if (!path) throw new UsageError('Name the flow file to run.');
  if (!['pretty', 'json', 'junit'].includes(values.reporter!))
    throw new UsageError(`Unknown reporter "${values.reporter}": use pretty, json or junit.`);
  const text = await readNamedFile(path, `the flow file ${path}`, { hint: 'Check the path.' });
  const { file } = loadFlowFile(text, { fileName: path });
  const flows = Object.keys(file.flows ?? {});
  const flow = values.flow ?? (flows.length === 1 ? flows[0] : undefined);
  if (!flow)
    throw new UsageError(
      flows.length === 0
        ? `${path} defines no flows.`
        : `${path} has several flows; pick one with --flow: ${flows.join(', ')}.`,
    );

  const progress = createProgress(io.stderr, { quiet: values.quiet, env: io.env });
  const progressEvents = progressReporter(progress);
  // To a pipe or a file (CI, the benchmark), the step lines are made while the next request is on the
  // network and leave in batches; to a terminal, as they come.
  // Each waits at most half of GATHER_MS, so a line is out at most GATHER_MS after its event.
  const out = io.stdout.isTTY ? undefined : gatheredOutput((t) => io.stdout.write(t), GATHER_MS / 2);
  const s = styler(io.stdout, io.env);
  // One registry for the run and every report of it: what the run reads, sends and receives is masked.
  const secrets = new SecretRegistry();
  // With the report going to a file, the log still shows the run: in CI the
  // job's log is where a person reads why the gateway refused the call.
  const write = out ? out.write : (t: string) => io.stdout.write(t);
  const wantsPretty = values.reporter === 'pretty' || values.output !== undefined;
  // Made once the first line is out, with the runner (see below); the queue reads it only later.
  let pretty: ReturnType<typeof prettyReporter> | undefined;
  const lines =
    wantsPretty && out ? deferredQueue((event: RunEvent) => pretty!.onEvent(event), GATHER_MS / 2) : undefined;
  const runtime = await runtimeFor({ io, ...values, progress, onRequestSent: lines?.soon });
  try {
    // Ctrl-C stops the run where it is: the rest is skipped and the report still written.
    const stop = new AbortController();
    void io.interrupted?.then(() => stop.abort());
    // The run's first line (the flow, its environment, how many steps) leaves before the runner and the
    // pretty reporter load, from the runner's own run-start event (core/flow/select.ts): the flow and
    // the environment selected the same way, throwing the same errors before any output (issue #14,
    // CLI start: 69 KB of bundles less before the first byte). The runner's run-start is then dropped.
    const start = runStartEvent(flow, getFlow(file, flow), selectEnvironment(file, values.env, flow), Date.now());
    // First: the progress line leaves the terminal before the reporter writes.
    progressEvents.onEvent(start);
    if (wantsPretty) {
      write(secrets.text(runStartLine(start, s)));
      // No request is on the network yet to make room for, and a log read while the run goes shows it began.
      out?.flush();
    }
    const [{ FlowRunner }, reporter] = await Promise.all([
      import('../../core/flow/runner'),
      wantsPretty ? import('../reporters/pretty') : undefined,
    ]);
    pretty = reporter?.prettyReporter(write, s, secrets);
    const runner = new FlowRunner(file, { ...runtime.deps, signal: stop.signal, secretRegistry: secrets });
    const result: RunResult = await runner.run({
      flow,
      env: values.env,
      onEvent: (event: RunEvent) => {
        if (event.type === 'run-start') return;
        progressEvents.onEvent(event);
        if (!lines) pretty?.onEvent(event);
        else lines.push(event);
      },
    });
    // Every step line is out before the report or an error follows them.
    lines?.flush();
    out?.flush();
    if (values.reporter !== 'pretty') {
      const report =
        values.reporter === 'json'
          ? `${JSON.stringify(toJsonReport(result, { reveal: values['reveal-secrets'], secrets }), null, 2)}\n`
          : toJunit(result, basename(path), secrets);
      if (values.output) await writeReport(values.output, report, io, values['reveal-secrets'] === true);
      else io.stdout.write(report);
    }
    if (stop.signal.aborted) return EXIT.interrupted;
    return runExitCode(result);
  } finally {
    try {
      lines?.flush();
    } catch {
      // The error that ended the run is the one to report; a failed line after it would hide it.
    }
    out?.flush();
    // A run stopped mid-wait (Ctrl-C, an error) leaves no line behind.
    progress.stop();
    await runtime.close();
  }
}

/**
 * Writes the report file; when it cannot, the report goes to standard output
 * so the run is not lost, unless it holds revealed secrets (the person chose a
 * mode-600 file to keep those out of terminals and CI logs).
 */
async function writeReport(path: string, report: string, io: CliIo, revealed: boolean): Promise<void> {
  try {
    const { replaced } = await writeFileAtomic(path, report, { mode: 0o600 });
    // Never a silent overwrite: a report from an earlier run was there.
    if (replaced) io.stderr.write(`Replaced the earlier report at ${path}.\n`);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    if (!revealed) io.stdout.write(report);
    throw new OidcError(
      'config.output_unwritable',
      `Cannot write the report to ${path} (${code}); ${revealed ? 'it holds revealed secrets, so it was not printed either' : 'it was printed to standard output instead'}.`,
      {
        hint: 'Choose a writable path with --output, or leave --output out to print the report.',
      },
    );
  }
}
