/**
 * The soak of issue #13, shared by `npm run soak` (bench/soak.ts) and its bounded CI test
 * (test/integration/soak.test.ts): the documented introspection scenario
 * (examples/introspection-scenario.yaml, environment sandbox) run again and again in one process
 * against the sandbox, and a burst of concurrent introspections at the sandbox IdP.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { asOidcError } from '../src/core/errors';
import { loadFlowFile } from '../src/core/flow/load';
import { FlowRunner } from '../src/core/flow/runner';
import type { RunResult } from '../src/core/flow/runner';
import { createHttpClient } from '../src/core/http/client';
import { clientCredentials, discover, introspect } from '../src/core/oauth';
import { startSandbox } from '../src/core/sandbox/sandbox';

const EXAMPLE = join(__dirname, '..', 'examples', 'introspection-scenario.yaml');

/**
 * A full collection, also without `node --expose-gc` (mocha): V8 lets a running process turn the
 * flag on, and a fresh context then has `gc`. Heap used after it is what the runs kept.
 */
export function heapAfterGc(): number {
  const gc = (globalThis as { gc?: () => void }).gc ?? gcFromFlag();
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

function gcFromFlag(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

export interface Soak {
  /** One run of the scenario; the client the scenario deactivates is reactivated after it. */
  runOnce(): Promise<RunResult>;
  /**
   * `count` introspections of one fresh token at once, as the gateway's client; returns the
   * failures, each named by its error code and message (none is expected).
   */
  introspectAtOnce(count: number): Promise<{ active: number; failures: Map<string, number> }>;
  close(): Promise<void>;
}

/** Starts the sandbox and loads the example; nothing runs until `runOnce`. */
export async function startSoak(): Promise<Soak> {
  const sandbox = await startSandbox({ createHttpClient: ({ ca }) => createHttpClient({ ca, env: {} }) });
  const http = createHttpClient({ env: {} });
  // The burst's own client, trusting the sandbox IdP's CA (the runner reads it from the flow's caFile).
  const idpHttp = createHttpClient({ ca: sandbox.idp.caPem, env: {} });
  try {
    const { file } = loadFlowFile(readFileSync(EXAMPLE, 'utf8'), { fileName: EXAMPLE });
    // One runner for every run, as the extension keeps one per file: whatever it caches must not grow.
    const runner = new FlowRunner(file, { http, secrets: { env: sandbox.env }, admin: sandbox.admin });
    const clientId = sandbox.env.SANDBOX_CLIENT_ID!;
    return {
      async runOnce() {
        try {
          return await runner.run({ flow: 'introspection-scenario', env: 'sandbox' });
        } finally {
          sandbox.admin.reactivateClient(clientId);
        }
      },
      async introspectAtOnce(count) {
        const { metadata } = await discover(idpHttp, sandbox.idp.issuer);
        const client = (id: string, secret: string) => ({
          http: idpHttp,
          metadata,
          client: { clientId: id, clientSecret: secret, authMethod: 'client_secret_basic' as const },
        });
        const env = sandbox.env;
        const { accessToken } = await clientCredentials(client(env.SANDBOX_CLIENT_ID!, env.SANDBOX_CLIENT_SECRET!), {
          scope: ['orders:read'],
        });
        const gateway = client(env.SANDBOX_GATEWAY_CLIENT_ID!, env.SANDBOX_GATEWAY_CLIENT_SECRET!);
        const failures = new Map<string, number>();
        const fail = (key: string) => failures.set(key, (failures.get(key) ?? 0) + 1);
        let active = 0;
        await Promise.all(
          Array.from({ length: count }, async () => {
            try {
              if ((await introspect(gateway, accessToken)).active) active += 1;
              else fail('the IdP said inactive');
            } catch (error) {
              const e = asOidcError(error);
              fail(`${e.code}: ${e.message}`);
            }
          }),
        );
        return { active, failures };
      },
      async close() {
        await idpHttp.close();
        await http.close();
        await sandbox.close();
      },
    };
  } catch (error) {
    await idpHttp.close();
    await http.close();
    await sandbox.close();
    throw error;
  }
}
