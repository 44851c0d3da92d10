import { parseArgs } from 'node:util';
import { CAPTURE_OPTIONS } from '../command-options';
import { writeFileAtomic } from '../../core/atomic-write';
import { createCaptureJudge, startCapture } from '../../core/capture';
import type { CaptureGateway, CaptureRecord, CaptureSession } from '../../core/capture';
import { OidcError } from '../../core/errors';
import type { KongOidcConfig } from '../../core/gateway/kong-oidc-config';
import { VERSION } from '../../core/version';
import { CLIENT_OPTIONS_HELP, rejectSecretFlags, resolveIdpSpec, SERVER_OPTIONS_HELP } from '../idp-options';
import { connectIdp } from '../idp-connect';
import type { CliIo, Styler } from '../io';
import { EXIT, styler, UsageError } from '../io';
import { cliHttpClient, readCaFile } from '../runtime';
import { formatVerdict, profileFromOptions, readKongConfig } from './explain';
import { readNamedFile } from '../read-input';

export const captureHelp = `Usage: oidc-flow capture --target URL [--listen HOST:PORT [--allow-remote]] [--preserve-host]
                         [--file F --route NAME] [--kong-config FILE] [--gateway-profile ID]
                         [--check-accepted] [--har FILE] [--max-exchanges N] [--max-body-bytes N]
                         [--fail-on-refusal] [<IdP options>]

Starts a local reverse proxy in front of a gateway (or any API): point the
application at the listen address and every request goes to the target
unchanged (method, path, headers in order and case, body, streaming,
server-sent events, WebSocket), and every answer comes back unchanged. Each
exchange is printed as it passes (status, method, path, the token's subject
and client, time); every 401 or 403 then gets its verdict, with the IdP and
JWT checks as in \`explain\`, a moment later (never delaying the answer).
Ctrl-C stops it.

What the proxy changes: the Host header becomes the target's (a gateway
routes on it; --preserve-host keeps the application's), and when the target
cannot be reached the proxy answers 502 itself, with a text body saying so
and the header X-Oidc-Flow-Capture: proxy-error. Nothing else.

Options:
  --target URL        where requests go: the gateway's base URL (the application's path
                      is appended to its path)
  --listen HOST:PORT  where the application connects (default 127.0.0.1:8089; port 0: a
                      free one). Only loopback unless --allow-remote
  --allow-remote      confirm listening on a non-loopback address: every token the
                      application sends then passes through a port other machines reach
  --preserve-host     send the application's Host header instead of the target's
  --file F --route NAME
                      take the target (the route's baseUrl), the gateway's kind and config
                      (where it reads the token, how fixes are worded) and the IdP from a
                      flow file's route (--env picks the environment, --idp the IdP)
  --kong-config FILE  the route's openid-connect plugin config (as in explain)
  --gateway-profile ID
                      kong-openid-connect, kong-jwt, apache-introspection, apache-jwt or
                      generic-rfc6750: where the gateway reads tokens (header, query,
                      cookie) and how verdicts word fixes (default: from the route, else
                      the Authorization header)
  --check-accepted    also ask the IdP about tokens the gateway accepted (2xx) and flag
                      those it calls inactive (a caching gateway letting a revoked token by)
  --har FILE          on Ctrl-C, write the kept exchanges as a HAR file (redacted, mode 600)
  --max-exchanges N   exchanges kept for the HAR, the oldest dropped first (default 1000)
  --max-body-bytes N  bytes of each body kept (default 10485760); larger bodies pass whole
                      and are recorded truncated
  --target-timeout MS how long the gateway may stay silent after a request before the
                      capture answers 504 itself (default 60000)
  --fail-on-refusal   exit 1 when any answer was a 401 or 403

Verdicts need the IdP options below to check tokens against the IdP's keys and
to introspect them (with --client-id and its secret); without them the verdict
rests on the token and the gateway's answer. --ca and --insecure apply to an
https target too. Tokens and secrets are masked in everything printed and saved.

${SERVER_OPTIONS_HELP}${CLIENT_OPTIONS_HELP}
Exit codes: 0 stopped (Ctrl-C), 1 with --fail-on-refusal when a 401/403 passed, 2 wrong options.
`;

const DEFAULT_LISTEN = '127.0.0.1:8089';

/** --listen HOST:PORT (IPv6 in brackets) as a host and a port. */
export function parseListen(text: string): { host: string; port: number } {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text.trim());
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65535)
    throw new UsageError(`--listen takes HOST:PORT, e.g. 127.0.0.1:8089 (port 0: a free one), got "${text}".`);
  return { host: match[1] ?? match[2]!, port };
}

function positiveInteger(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < 1)
    throw new UsageError(`${flag} takes a whole number above 0, got "${text}".`);
  return value;
}

function clock(time: number): string {
  return new Date(time).toISOString().slice(11, 23);
}

/** Why the proxy answered itself, in a few words for the line (the record's error says it whole). */
function proxyReason(record: CaptureRecord): string {
  if (record.exchange.response?.status === 504) return 'target silent';
  const code = record.exchange.error?.code;
  if (code === 'http.headers_too_large' || code === 'http.malformed_response') return "target's answer broken";
  return 'target unreachable';
}

/** One exchange as a line: number, time, status, method, path, who, client, milliseconds. */
export function formatExchangeLine(record: CaptureRecord, session: Pick<CaptureSession, 'secrets'>, s: Styler): string {
  const { exchange, token } = record;
  const status = exchange.response?.status;
  const shownStatus =
    status === undefined ? s.red('---') : status >= 400 ? s.red(String(status)) : s.green(String(status));
  let path: string;
  try {
    const url = new URL(session.secrets.url(exchange.request.url));
    path = `${url.pathname}${url.search}`;
  } catch {
    path = session.secrets.url(exchange.request.url);
  }
  const who = token
    ? `${token.subject ? `sub=${token.subject}` : `${token.kind} token`}${token.clientId ? ` client=${token.clientId}` : ''}${token.source.in === 'header' ? '' : ` (${token.source.in} ${token.source.name})`}`
    : s.dim('no token');
  const extra = [
    record.kind === 'upgrade' ? 'upgrade' : undefined,
    exchange.response?.truncated ? 'body truncated' : undefined,
    record.answeredByProxy ? `answered by the capture proxy: ${proxyReason(record)}` : undefined,
    exchange.error && !record.answeredByProxy ? exchange.error.message : undefined,
  ].filter(Boolean);
  const line = `${s.dim(`#${record.seq}`)} ${s.dim(clock(exchange.startedAt))} ${shownStatus} ${exchange.request.method} ${path}  ${who}  ${Math.round(exchange.timings.total)} ms${extra.length ? `  ${s.yellow(extra.join('; '))}` : ''}`;
  return `${session.secrets.text(line)}\n`;
}

/** A verdict under its exchange's number (verdicts arrive after later exchanges may have printed). */
export function formatCaptureVerdict(
  record: CaptureRecord,
  session: Pick<CaptureSession, 'secrets'>,
  s: Styler,
): string {
  const { verdict } = record;
  const head = `${s.dim(`#${record.seq}`)} ${record.exchange.response?.status ?? '---'} ${record.exchange.request.method}`;
  if (verdict.state === 'skipped') return `${session.secrets.text(`${head}: ${verdict.reason}`)}\n`;
  if (verdict.state !== 'done') return '';
  const body = formatVerdict(verdict.verdict, s)
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => `    ${line}`)
    .join('\n');
  return `${session.secrets.text(`${head}\n${body}`)}\n`;
}

/** The route of a flow file: its base URL (templates filled from the environment) and its gateway. */
async function routeFromFile(
  file: string,
  route: string,
  envName: string | undefined,
  io: CliIo,
): Promise<{ target: string; gateway?: CaptureGateway }> {
  const text = await readNamedFile(file, `${file} (--file)`, { where: '--file' });
  const [{ loadFlowFile }, { selectEnvironment }, { renderEnvironment, renderTemplateString }] = await Promise.all([
    import('../../core/flow/load'),
    import('../../core/flow/select'),
    import('../../core/flow/template'),
  ]);
  const { file: flow } = loadFlowFile(text, { fileName: file });
  const routes = Object.keys(flow.routes ?? {});
  const found = flow.routes?.[route];
  if (!found) throw new UsageError(`${file} has no route "${route}"; it has: ${routes.join(', ') || 'none'}.`);
  const env = renderEnvironment(selectEnvironment(flow, envName), { env: io.env });
  const base = renderTemplateString(found.baseUrl, { env, steps: {} }, { where: `routes.${route}.baseUrl` });
  const g = found.gateway;
  const gateway: CaptureGateway | undefined = g
    ? {
        kind: g.kind,
        ...(g.plugin ? { plugin: g.plugin } : {}),
        ...(g.config ? { config: g.config as KongOidcConfig } : {}),
        ...(g.expected ? { expected: g.expected } : {}),
        ...(g.plugin === 'jwt' && (g.kind === 'kong' || g.kind === 'apache')
          ? { profile: g.kind === 'kong' ? ('kong-jwt' as const) : ('apache-jwt' as const) }
          : {}),
      }
    : undefined;
  return { target: base, ...(gateway ? { gateway } : {}) };
}

/** oidc-flow capture */
export async function captureCommand(args: string[], io: CliIo): Promise<number> {
  rejectSecretFlags(args);
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: CAPTURE_OPTIONS,
  });
  if (positionals.length > 0)
    throw new UsageError(`capture takes no positional arguments (got ${positionals.join(' ')}); give --target URL.`);
  if (values.route && !values.file)
    throw new UsageError('--route NAME goes with --file F (the flow file that has it).');
  const fromFile = values.route ? await routeFromFile(values.file!, values.route, values.env, io) : undefined;
  const target = values.target ?? fromFile?.target;
  if (!target)
    throw new UsageError(
      'Name the gateway to capture in front of: --target http://localhost:8000, or --file F --route NAME.',
    );
  const { host, port } = parseListen(values.listen ?? DEFAULT_LISTEN);
  const maxExchanges = positiveInteger(values['max-exchanges'], '--max-exchanges');
  const maxBodyBytes = positiveInteger(values['max-body-bytes'], '--max-body-bytes');
  const targetTimeoutMs = positiveInteger(values['target-timeout'], '--target-timeout');
  let gateway: CaptureGateway = fromFile?.gateway ?? {};
  if (values['kong-config']) {
    const { config, plugin } = await readKongConfig(values['kong-config']);
    gateway = { ...gateway, kind: 'kong', config, ...(plugin ? { plugin } : {}) };
  }
  const profile = profileFromOptions(values['gateway-profile'], gateway.plugin);
  if (profile) gateway = { ...gateway, profile };
  const spec = resolveIdpSpec(values, io.env);
  const s = styler(io.stdout, io.env);
  const http = await cliHttpClient({ io, ...values });
  const ca = values.ca ? await readCaFile(values.ca) : undefined;
  let refusals = 0;
  let idpWarned = false;
  let session: CaptureSession | undefined;
  try {
    const judge = createCaptureJudge({
      gateway,
      ...(spec
        ? {
            idp: async () => {
              try {
                return await connectIdp(spec, { http, io, needClient: false });
              } catch (error) {
                // Said once: every refusal tries again, and a busy application would fill the terminal.
                if (idpWarned) throw error;
                idpWarned = true;
                io.stderr.write(
                  `${s.yellow('IdP not reached')}: ${error instanceof Error ? error.message : String(error)}; verdicts rest on the token and the gateway's answer.\n`,
                );
                throw error;
              }
            },
          }
        : {}),
    });
    session = await startCapture(
      {
        target,
        host,
        port,
        allowRemote: values['allow-remote'] === true,
        preserveHost: values['preserve-host'] === true,
        gateway,
        checkAccepted: values['check-accepted'] === true,
        ...(maxExchanges ? { maxExchanges } : {}),
        ...(maxBodyBytes ? { maxBodyBytes } : {}),
        ...(targetTimeoutMs ? { targetTimeoutMs } : {}),
        ...(ca || values.insecure
          ? { tls: { ...(ca ? { ca } : {}), insecureSkipTlsVerify: values.insecure === true } }
          : {}),
      },
      { judge },
    );
    const running = session;
    running.onExchange((record) => {
      const status = record.exchange.response?.status;
      if (status === 401 || status === 403) refusals++;
      io.stdout.write(formatExchangeLine(record, running, s));
    });
    running.onVerdict((record) => io.stdout.write(formatCaptureVerdict(record, running, s)));
    io.stdout.write(
      `${s.bold('Capturing')} ${running.url} → ${running.target} (Ctrl-C to stop)\n${s.dim(
        `Point the application at ${running.url}; Host is sent as the ${values['preserve-host'] ? "application's" : "target's"}.`,
      )}\n`,
    );
    if (!spec)
      io.stdout.write(
        `${s.dim('No IdP options: verdicts rest on the token and the answer (give --issuer or --file).')}\n`,
      );
    await (io.interrupted ?? new Promise<void>(() => undefined));
    await running.close();
    const { total, evicted } = running.stats();
    io.stdout.write(`Stopped: ${total} exchange${total === 1 ? '' : 's'}, ${refusals} refused.\n`);
    if (values.har) {
      const har = running.har({ creatorVersion: VERSION });
      try {
        await writeFileAtomic(values.har, `${JSON.stringify(har, null, 2)}\n`, { mode: 0o600 });
      } catch (error) {
        throw new OidcError(
          'config.output_unwritable',
          `Cannot write the HAR to ${values.har} (${(error as NodeJS.ErrnoException).code ?? String(error)}).`,
          { hint: 'Choose a writable path with --har.' },
        );
      }
      io.stdout.write(
        `HAR written to ${values.har} (${har.log.entries.length} exchanges${evicted ? `; the ${evicted} oldest were dropped` : ''}; redacted, mode 600).\n`,
      );
    }
    return values['fail-on-refusal'] && refusals > 0 ? EXIT.failed : EXIT.ok;
  } finally {
    await session?.close({ graceMs: 0 });
    await http.close();
  }
}
