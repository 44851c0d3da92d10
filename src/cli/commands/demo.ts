import { parseArgs } from 'node:util';
import { DEMO_OPTIONS } from '../command-options';
import { loadFlowFile } from '../../core/flow/load';
import { FlowRunner } from '../../core/flow/runner';
import { createHttpClient } from '../../core/http/client';
import type { HttpExchange } from '../../core/http/types';
import type { CliIo } from '../io';
import { EXIT, runExitCode, styler } from '../io';
import { prettyReporter } from '../reporters/pretty';
import { DEMO_FLOW_FILE } from '../../core/sandbox/demo-flow';

export const demoHelp = `Usage: oidc-flow demo [--skip-cached]

Plays the introspection scenario against the local sandbox (an Okta-like IdP
and a gateway that behaves like Kong's openid-connect plugin, on 127.0.0.1):
client-credentials token, route call 200 (the gateway introspects), our own
introspection says active, the client application is deactivated at the IdP,
and the next call gets 401 with the reason. Then the cached variant: with
introspection caching on, the dead token is still accepted until the cache
entry expires, and the output says so.

Options:
  --skip-cached   run only the first scenario (the cached one waits up to ~40 s)
`;

/** oidc-flow demo */
export async function demoCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args, options: DEMO_OPTIONS });
  const s = styler(io.stdout, io.env);
  const gatewayCalls: HttpExchange[] = [];
  io.stdout.write(`${s.dim('Starting the sandbox (IdP over https with its own CA, gateway, echo upstream)...')}\n`);
  // Loaded on demand: the sandbox brings oidc-provider, which no other command needs.
  const { startSandbox } = await import('../../core/sandbox/sandbox');
  const sandbox = await startSandbox({
    createHttpClient: ({ ca }) => createHttpClient({ ca, env: {}, onExchange: (x) => gatewayCalls.push(x) }),
  });
  const http = createHttpClient({ env: {} });
  try {
    io.stdout.write(
      `IdP      ${sandbox.idp.issuer}\nGateway  ${sandbox.gateway.url}  (routes: ${sandbox.gateway.routes.map((r) => r.paths[0]).join(', ')})\n\n`,
    );
    const { file } = loadFlowFile(DEMO_FLOW_FILE, { fileName: 'built-in demo' });
    // Ctrl-C stops the demo where it is (the sandbox is still closed below).
    const stop = new AbortController();
    void io.interrupted?.then(() => stop.abort());
    const runner = new FlowRunner(file, {
      http,
      secrets: { env: sandbox.env },
      admin: sandbox.admin,
      signal: stop.signal,
    });
    const flows = values['skip-cached'] ? ['introspection-scenario'] : ['introspection-scenario', 'cached-variant'];
    let status: number = EXIT.ok;
    for (const flow of flows) {
      if (stop.signal.aborted) return EXIT.interrupted;
      const reporter = prettyReporter((t) => io.stdout.write(t), s, runner.secrets);
      const result = await runner.run({
        flow,
        onEvent: (event) => {
          if (event.type === 'step-end' || event.type === 'run-end') {
            // Show the gateway's own calls to the IdP inside the step that caused them.
            for (const exchange of gatewayCalls.splice(0)) {
              // The gateway's client secret and the tokens it introspects are the run's secrets too.
              runner.secrets.addExchange(exchange);
              if (event.type === 'step-end')
                reporter.onEvent({
                  type: 'exchange',
                  path: event.step.path,
                  exchange: {
                    ...exchange,
                    lane: 'gateway',
                    label: exchange.label?.startsWith('gateway')
                      ? exchange.label
                      : `gateway: ${exchange.label ?? 'IdP call'}`,
                  },
                });
            }
          }
          reporter.onEvent(event);
        },
      });
      if (status === EXIT.ok) status = runExitCode(result);
      io.stdout.write('\n');
    }
    return stop.signal.aborted ? EXIT.interrupted : status;
  } finally {
    await http.close();
    await sandbox.close();
  }
}
