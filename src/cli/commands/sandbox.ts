import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../../core/atomic-write';
import { parseArgs } from 'node:util';
import { SANDBOX_OPTIONS } from '../command-options';
import { OidcError } from '../../core/errors';
import { createHttpClient } from '../../core/http/client';
import type { CliIo } from '../io';
import { EXIT, styler, UsageError } from '../io';

export const sandboxHelp = `Usage: oidc-flow sandbox [--idp-port N] [--gateway-port N] [--write-env FILE [--force]] [--deck FILE]
                       [--gateway-log FILE]

Starts the local sandbox on 127.0.0.1 until you press Ctrl-C:
  - an IdP that looks like an Okta custom authorization server (https, its own CA),
    with clients for every client-authentication method and users alice / bob;
  - a gateway that behaves like Kong's openid-connect plugin, with one route per
    behaviour (introspection, cached introspection, local JWT, groups, a scope-claim
    misconfiguration), in front of an echo upstream.
Every gateway decision is printed as it happens.

Options:
  --idp-port N       port for the IdP (default: a free one)
  --gateway-port N   port for the gateway (default: a free one)
  --deck FILE        configure the gateway from this decK file instead of the built-in routes
                     (see examples/sandbox-kong.yaml; the sandbox fills in DECK_SANDBOX_ISSUER,
                     DECK_SANDBOX_UPSTREAM, DECK_SANDBOX_GATEWAY_CLIENT_ID/_SECRET, and DECK_*
                     variables from your environment)
  --gateway-log FILE append the gateway's decisions to FILE as Kong's error log writes them
                     (nginx lines with request_id, the X-Kong-Request-Id of each answer)
  --write-env FILE   write SANDBOX_* variables (URLs, CA file, client id and secret, the
                     Okta-style management API's org URL and SSWS token) to
                     FILE (mode 600) for "set -a; . FILE" or other tools; secrets are
                     never printed to the terminal. An existing FILE is left alone
                     unless --force is given.
  --force            let --write-env replace an existing file
`;

function port(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`${name} takes a port number, got "${value}".`);
  return n;
}

/** oidc-flow sandbox */
export async function sandboxCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: SANDBOX_OPTIONS,
  });
  const envFile = values['write-env'];
  // Refuse before starting anything: the file may be the person's own (.env, app.env).
  if (envFile && existsSync(envFile) && !values.force) {
    throw new UsageError(
      `${envFile} already exists; --write-env never overwrites a file. Pick a new path, or add --force to replace it.`,
    );
  }
  let deckText: string | undefined;
  if (values.deck) {
    try {
      deckText = await readFile(values.deck, 'utf8');
    } catch {
      throw new UsageError(`Cannot read the decK file ${values.deck} (--deck).`);
    }
  }
  const s = styler(io.stdout, io.env);
  // Loaded on demand: the sandbox brings oidc-provider, which no other command needs.
  const { startSandbox } = await import('../../core/sandbox/sandbox');
  const sandbox = await startSandbox({
    createHttpClient: ({ ca }) => createHttpClient({ ca, env: {} }),
    deckText,
    deckFileName: values.deck,
    deckEnv: io.env,
    idpPort: port(values['idp-port'], '--idp-port'),
    gatewayPort: port(values['gateway-port'], '--gateway-port'),
    errorLogPath: values['gateway-log'],
    onDecision: (event) =>
      io.stdout.write(
        `${s.dim(new Date().toISOString())} gateway ${event.route ?? '-'} → ${event.status >= 400 ? s.red(String(event.status)) : s.green(String(event.status))}${event.authMethod ? ` via ${event.authMethod}` : ''}${event.introspection ? ` (introspection ${event.introspection})` : ''}${event.reason ? `: ${event.reason}` : ''}${event.requestId ? s.dim(` [${event.requestId}]`) : ''}\n`,
      ),
  });
  try {
    io.stdout.write(`${s.bold('Sandbox running')} (Ctrl-C to stop)\n`);
    io.stdout.write(
      `  IdP issuer   ${sandbox.idp.issuer}\n  discovery    ${sandbox.idp.issuer}/.well-known/openid-configuration\n  CA file      ${sandbox.caFile}\n`,
    );
    io.stdout.write(
      `  clients      ${Object.values(sandbox.idp.clients)
        .map((c) => `${c.clientId} (${c.authMethod})`)
        .join(', ')}\n`,
    );
    io.stdout.write(
      `  users        ${sandbox.idp.users.map((u) => `${u.username} [${u.groups.join(', ')}]`).join(', ')}  (password: <name>-password)\n`,
    );
    io.stdout.write(`  gateway      ${sandbox.gateway.url}\n`);
    if (values['gateway-log']) io.stdout.write(`  gateway log  ${values['gateway-log']} (Kong error-log format)\n`);
    for (const route of sandbox.gateway.routes) {
      const c = route.oidc?.config ?? {};
      io.stdout.write(
        `    ${route.paths[0]!.padEnd(22)} auth_methods ${JSON.stringify(c.auth_methods)}${c.cache_introspection ? `, cache_ttl_max ${String(c.cache_ttl_max)}` : ''}${c.scopes_required ? `, scopes_required ${JSON.stringify(c.scopes_required)}` : ''}${c.groups_required ? `, groups_required ${JSON.stringify(c.groups_required)}` : ''}\n`,
      );
    }
    if (envFile) {
      await writeEnvFile(
        envFile,
        `${Object.entries(sandbox.env)
          .map(([k, v]) => `${k}=${v}`)
          .join('\n')}\n`,
        values.force === true,
      );
      io.stdout.write(`  SANDBOX_* variables written to ${envFile} (contains secrets; mode 600)\n`);
    } else {
      io.stdout.write(`  ${s.dim('Client secrets are not printed; use --write-env FILE to get them.')}\n`);
    }
    await (io.interrupted ?? new Promise<void>(() => undefined));
    io.stdout.write('Stopping the sandbox.\n');
    return EXIT.ok;
  } finally {
    await sandbox.close();
  }
}

/** Writes the variables readable by the owner only; never replaces a file unless forced. */
async function writeEnvFile(path: string, text: string, force: boolean): Promise<void> {
  try {
    // A temporary owner-only file takes the old one's place: the secrets are never in a readable file.
    await writeFileAtomic(path, text, { mode: 0o600, overwrite: force });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    if (code === 'EEXIST')
      throw new UsageError(
        `${path} already exists; --write-env never overwrites a file. Pick a new path, or add --force to replace it.`,
      );
    throw new OidcError('config.output_unwritable', `Cannot write the SANDBOX_* variables to ${path} (${code}).`, {
      hint: 'Choose a writable path with --write-env; the sandbox was stopped.',
    });
  }
}
