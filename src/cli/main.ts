// The CLI's shell: dist/cli-main.js, which dist/cli.js (src/cli/boot.ts) loads through the start-up
// code cache once it has turned the cache on. Run from source (tests, tsx), this file starts the CLI.
import { runCli } from './cli';
import { terminalText } from './io';
import { stdOutput } from './std-output';

// `oidc-flow ... | head`: a closed pipe ends the output, not with a stack trace.
const closedPipe = (): void => process.exit(0);
const nodeStream = (stream: NodeJS.WriteStream): NodeJS.WriteStream =>
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') closedPipe();
    throw error;
  });

// Straight to the descriptor for a pipe, socket or file; Node's stream for a terminal, made when
// first asked for (src/cli/std-output.ts): process.stdout for a pipe cost every start ~3 ms.
const stdout = stdOutput(1, () => nodeStream(process.stdout), closedPipe);
const stderr = stdOutput(2, () => nodeStream(process.stderr), closedPipe);

async function readStdin(): Promise<string | undefined> {
  if (process.stdin.isTTY) return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

// Listening for SIGINT turns off Node's own exit on Ctrl-C. A command that
// can stop cleanly (close the sandbox, skip the rest of a run) asks for
// `io.interrupted`; only then does Ctrl-C wait for it, under a second, and a
// second Ctrl-C quits at once. Any other command ends at the first Ctrl-C.
let graceful = false;
let stopping = false;
let markInterrupted!: () => void;
const interrupted = new Promise<void>((resolve) => (markInterrupted = resolve));
const onSignal = (): void => {
  if (stopping || !graceful) process.exit(130);
  stopping = true;
  stderr.write('\nStopping... (Ctrl-C again to quit at once)\n');
  markInterrupted();
  setTimeout(() => process.exit(130), 900).unref();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);

const io = {
  stdout,
  stderr,
  env: process.env,
  readStdin,
  get interrupted(): Promise<void> {
    graceful = true;
    return interrupted;
  },
};

runCli(process.argv.slice(2), io).then(
  (code) => {
    process.exit(code);
  },
  (error: unknown) => {
    stderr.write(terminalText(`oidc-flow: ${error instanceof Error ? error.message : String(error)}\n`));
    process.exit(2);
  },
);
