/** The sandbox as the integration tests start it: its gateway reaches its IdP over a client trusting the sandbox CA. */
import { createHttpClient } from '../../src/core/http/client';
import { startSandbox } from '../../src/core/sandbox/sandbox';
import type { Sandbox } from '../../src/core/sandbox/sandbox';

export function startTestSandbox(): Promise<Sandbox> {
  return startSandbox({ createHttpClient: ({ ca }) => createHttpClient({ ca, env: {} }) });
}
