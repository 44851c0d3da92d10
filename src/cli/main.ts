import { runCli } from './cli';

async function readStdin(): Promise<string | undefined> {
  if (process.stdin.isTTY) return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const interrupted = new Promise<void>((resolve) => {
  process.once('SIGINT', () => resolve());
  process.once('SIGTERM', () => resolve());
});

runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, readStdin, interrupted }).then(
  (code) => {
    process.exit(code);
  },
  (error: unknown) => {
    process.stderr.write(`oidc-flow: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  },
);
