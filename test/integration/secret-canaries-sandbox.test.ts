import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { styler } from '../../src/cli/io';
import { toJsonReport } from '../../src/cli/reporters/json';
import { toJunit } from '../../src/cli/reporters/junit';
import { prettyReporter } from '../../src/cli/reporters/pretty';
import { runtimeFor } from '../../src/cli/runtime';
import { loadFlowFile } from '../../src/core/flow/load';
import { FlowRunner } from '../../src/core/flow/runner';
import type { StepRun } from '../../src/core/flow/runner';
import { SecretRegistry } from '../../src/core/http/secret-registry';
import { captureIo } from '../support/capture-io';

const EXAMPLE = join(__dirname, '..', '..', 'examples', 'introspection-scenario.yaml');

/**
 * The documented example against the sandbox, with the sandbox's client
 * secrets, its management API token and every token the run received as
 * canaries: the pretty, JSON and JUnit reports hold none of them.
 */
describe('secret canaries against the sandbox: examples/introspection-scenario.yaml', function () {
  this.timeout(60_000);

  it('no client secret, API token or received token reaches any report', async () => {
    const runtime = await runtimeFor({ io: captureIo().io, sandbox: true });
    try {
      const env = runtime.sandbox!.env;
      const secrets = new SecretRegistry();
      let pretty = '';
      const reporter = prettyReporter((text) => (pretty += text), styler({ isTTY: false }, {}), secrets);
      const file = loadFlowFile(readFileSync(EXAMPLE, 'utf8'), { fileName: EXAMPLE }).file;
      const result = await new FlowRunner(file, { ...runtime.deps, secretRegistry: secrets }).run({
        flow: 'introspection-scenario',
        env: 'sandbox',
        onEvent: (event) => reporter.onEvent(event),
      });
      assert.equal(result.status, 'passed');

      const tokens: string[] = [];
      const visit = (runs: StepRun[]): void => {
        for (const run of runs) {
          const t = run.result.token;
          for (const value of [t?.access_token, t?.refresh_token, t?.id_token]) if (value) tokens.push(value);
          visit(run.children ?? []);
        }
      };
      visit(result.steps);
      assert.ok(tokens.length > 0, 'the run received a token');
      const canaries = [
        env.SANDBOX_CLIENT_SECRET!,
        env.SANDBOX_GATEWAY_CLIENT_SECRET!,
        env.SANDBOX_OKTA_API_TOKEN!,
        ...tokens,
      ].filter(Boolean);
      const reports = {
        pretty,
        json: JSON.stringify(toJsonReport(result, { secrets }), null, 2),
        junit: toJunit(result, 'introspection-scenario.yaml', secrets),
      };
      for (const [name, text] of Object.entries(reports))
        assert.deepEqual(
          canaries.filter((canary) => text.includes(canary)).map((canary) => `${canary.slice(0, 6)}…`),
          [],
          `${name} report`,
        );
    } finally {
      await runtime.close();
    }
  });
});
