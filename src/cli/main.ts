import { runCli } from './cli';

async function readStdin(): Promise<string | undefined> {
  if (process.stdin.isTTY) return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

// Listening for SIGINT turns off Node's own exit on Ctrl-C, so the commands
// can stop cleanly (close the sandbox, skip the rest of a run). If one does
// not finish within 3 s, or Ctrl-C comes again, the process ends anyway.
const interrupted = new Promise<void>((resolve) => {
  let stopping = false;
  const onSignal = (): void => {
    if (stopping) process.exit(130);
    stopping = true;
    process.stderr.write('\nStopping... (Ctrl-C again to quit at once)\n');
    resolve();
    setTimeout(() => process.exit(130), 3000).unref();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
});

// `oidc-flow ... | head`: a closed pipe ends the output, not with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}

runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, readStdin, interrupted }).then(
  (code) => {
    process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(`oidc-flow: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  },
);
