/**
 * The servers of bench/e2e-tools.ts, in a process of their own: the sandbox IdP (oidc-provider over
 * https) and the echo upstream behind Apache. In the benchmark's process they shared an event loop
 * with the code that reads each contender's output: a contender that prints (`oidc-flow run`'s step
 * lines, newman's) slowed the very IdP it was waiting on, and the baseline, which prints nothing, did
 * not. Prints one line of JSON (what the benchmark needs to reach them), then serves until its
 * standard input closes, which happens when the benchmark ends, however it ends.
 */
import { startEchoUpstream } from '../../src/core/sandbox/echo-upstream';
import { startSandboxIdp } from '../../src/core/sandbox/sandbox-idp';

/** What the benchmark reads from the line this program prints. */
export interface E2eServers {
  issuer: string;
  caPem: string;
  /** The client Apache introspects with. */
  gateway: { clientId: string; clientSecret: string };
  /** The client the contenders get tokens as (client_secret_basic). */
  client: { clientId: string; clientSecret: string };
  upstream: string;
}

async function main(): Promise<void> {
  const idp = await startSandboxIdp();
  const upstream = await startEchoUpstream();
  const servers: E2eServers = {
    issuer: idp.issuer,
    caPem: idp.caPem,
    gateway: { clientId: idp.clients.gateway.clientId, clientSecret: idp.clients.gateway.clientSecret! },
    client: { clientId: idp.clients['cc-basic'].clientId, clientSecret: idp.clients['cc-basic'].clientSecret! },
    upstream: upstream.url,
  };
  process.stdout.write(`${JSON.stringify(servers)}\n`);
  const close = () => void Promise.all([idp.close(), upstream.close()]).finally(() => process.exit(0));
  process.stdin.on('end', close);
  process.stdin.on('error', close);
  process.stdin.resume();
  process.once('SIGTERM', close);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench/support/e2e-servers: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
