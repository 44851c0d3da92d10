import { parseArgs } from 'node:util';
import { LINT_OPTIONS } from '../command-options';
import type { LintContext, LintFinding } from '../../core/gateway/lint';
import { isAuthPlugin } from '../../core/gateway/model';
import type { GlobalPluginLintResult, RouteLintResult } from '../../core/gateway/route-lint';
import type { CliIo } from '../io';
import { EXIT, styler, UsageError } from '../io';
import { httpFromValues, loadModelForCli, SOURCE_HELP, SOURCE_USAGE, sourceFromValues } from './routes';

export const lintHelp = `Usage: oidc-flow lint ${SOURCE_USAGE}
        [--issuer URL] [--token-env NAME] [--route NAME] [--max-revocation-delay SECONDS] [--json]

Checks each route's OIDC configuration against the IdP's discovery document
(from --issuer, or from the plugin's own issuer) and, with --token-env, a real
access token: issuer, introspection endpoint and auth method, revocation
delays, scope and audience requirements, TLS verification, token in query,
plain-text secrets, consumer mapping, anonymous consumers. Kong's
openid-connect, jwt (credentials and RSA keys against the IdP's JWKS),
oauth2-introspection and the community oidc plugin are checked; any other
auth plugin is reported as not checked. A global plugin is checked once and
listed before the routes. Prints each finding with the config field, the
evidence and the fix.

${SOURCE_HELP}
Lint:
  --issuer URL              the IdP issuer or discovery URL (default: each plugin's issuer)
  --token-env NAME          env variable holding a real access token to check requirements against
  --route NAME              only this route (name or id)
  --max-revocation-delay S  longest acceptable delay before a revoked token is refused (default 60)
  --json                    print the findings as JSON

Exit codes: 0 no error-severity finding, 1 at least one, 2 usage or source error.
`;

async function tokenContext(
  io: CliIo,
  name: string | undefined,
): Promise<{ token?: LintContext['token']; note?: string }> {
  if (!name) return {};
  const raw = io.env[name];
  if (!raw || !raw.trim())
    throw new UsageError(`The environment variable ${name} (from --token-env) is not set or empty.`);
  // The JWT decoder only for --token-env: a lint without a token never decodes one (issue #14, CLI start).
  const { classifyToken, decodeJwt } = await import('../../core/jwt/decode');
  const kind = classifyToken(raw);
  if (kind !== 'jwt') {
    return {
      note: `The token in ${name} is ${kind === 'jwe' ? 'an encrypted JWT' : 'opaque'}: only the IdP can tell its claims, so the scope and audience checks against it were skipped.`,
    };
  }
  return { token: { kind: 'jwt', claims: decodeJwt(raw).payload } };
}

/** --issuer must be an absolute http(s) URL: a typo must not lint against nothing and pass. */
function issuerUrl(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--issuer takes an absolute URL, got "${value}".`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new UsageError(`--issuer takes an http(s) URL, got "${value}".`);
  return value;
}

const LABEL: Record<LintFinding['severity'], string> = { error: 'ERROR  ', warning: 'WARNING', info: 'INFO   ' };

/** oidc-flow lint */
export async function lintCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: LINT_OPTIONS,
  });
  const source = sourceFromValues(values, io);
  const issuer = issuerUrl(values.issuer);
  const { token, note } = await tokenContext(io, values['token-env']);
  const threshold = values['max-revocation-delay'] === undefined ? undefined : Number(values['max-revocation-delay']);
  if (threshold !== undefined && (!Number.isFinite(threshold) || threshold < 0))
    throw new UsageError(`--max-revocation-delay takes seconds, got "${values['max-revocation-delay']}".`);
  const { http, httpOptions } = await httpFromValues(values, io);
  try {
    const model = await loadModelForCli('lint', source, http, httpOptions, io);
    if (!model) return EXIT.usage;
    if (values.route && !model.routes.some((route) => route.name === values.route || route.id === values.route)) {
      throw new UsageError(
        `No route named "${values.route}" in ${model.source.description}; its routes are: ${model.routes.map((route) => route.name).join(', ') || 'none'}.`,
      );
    }
    const s = styler(io.stdout, io.env);
    if (!values.json) {
      // What is being linted is known before any IdP answers: said now, so the first lines do not
      // wait for the HTTP layer to load and the discovery requests to return (issue #14, CLI start).
      io.stdout.write(`${s.bold(model.source.description)}\n`);
      for (const warning of model.warnings) io.stdout.write(`${s.yellow('warning')}: ${warning}\n`);
      if (note) io.stdout.write(`${s.yellow('note')}: ${note}\n`);
    }
    // The rules, discovery and the JWKS reader load after the lines above are written: a start's first
    // output waits only for the gateway file to be read (issue #14, CLI start).
    const { lintGateway } = await import('../../core/gateway/route-lint');
    const report = await lintGateway(http, model, {
      ...(issuer ? { issuer } : {}),
      ...(token ? { token } : {}),
      ...(values.route ? { route: values.route } : {}),
      ...(threshold !== undefined ? { revocationDelayThreshold: threshold } : {}),
    });
    const all = [
      ...report.gateway,
      ...report.global.flatMap((result) => result.findings),
      ...report.routes.flatMap((result) => result.findings),
    ];
    const errors = all.filter((f) => f.severity === 'error').length;
    if (values.json) {
      io.stdout.write(
        `${JSON.stringify(
          {
            source: model.source,
            warnings: model.warnings,
            ...(note ? { note } : {}),
            ...(report.gateway.length ? { gateway: report.gateway } : {}),
            global: report.global.map(globalJson),
            routes: report.routes.map(resultJson),
          },
          null,
          2,
        )}\n`,
      );
      return errors > 0 ? EXIT.failed : EXIT.ok;
    }
    const printFindings = (findings: LintFinding[]) => {
      if (findings.length === 0) io.stdout.write(`  ${s.green('no findings')}\n`);
      for (const finding of findings) {
        const color = finding.severity === 'error' ? s.red : finding.severity === 'warning' ? s.yellow : s.dim;
        io.stdout.write(`  ${color(LABEL[finding.severity])} ${s.cyan(finding.field)}  ${finding.message}\n`);
        if (finding.evidence) io.stdout.write(`           evidence: ${finding.evidence}\n`);
        io.stdout.write(`           fix: ${finding.fix}\n`);
      }
    };
    if (report.gateway.length) {
      io.stdout.write(`\n${s.bold('the configuration as a whole')}\n`);
      printFindings(report.gateway);
    }
    // A global plugin's findings are the same on every route: said once here, pointed at from each route.
    for (const result of report.global) {
      io.stdout.write(
        `\nglobal plugin ${s.bold(result.plugin.name)} (${result.plugin.origin}), on ${result.routes.length ? `routes ${result.routes.join(', ')}` : 'no route'}${result.issuer ? `, checked against ${result.issuer}` : ''}\n`,
      );
      printFindings(result.findings);
    }
    for (const result of report.routes) {
      const { route } = result;
      const own = (route.plugins ?? []).filter((plugin) => isAuthPlugin(plugin.name) && plugin.scope !== 'global');
      const from = route.plugins
        ? own.map((plugin) => `${plugin.name} from the ${plugin.scope} (${plugin.origin})`).join(', ')
        : route.oidc
          ? `openid-connect from the ${route.oidc.scope} (${route.oidc.origin})`
          : '';
      io.stdout.write(
        `\nroute ${s.bold(route.name)}${route.service ? ` (service ${route.service})` : ''}${from ? `: ${from}` : ''}${result.issuer ? `, checked against ${result.issuer}` : ''}\n`,
      );
      for (const plugin of result.globalPlugins ?? [])
        io.stdout.write(`  ${s.dim(`global ${plugin.name} applies: its findings are listed once, above`)}\n`);
      if (result.findings.length || !result.globalPlugins?.length) printFindings(result.findings);
    }
    const warnings = all.filter((f) => f.severity === 'warning').length;
    const infos = all.length - errors - warnings;
    io.stdout.write(
      `\n${errors} error(s), ${warnings} warning(s), ${infos} note(s) in ${report.routes.length} route(s)${report.global.length ? ` and ${report.global.length} global plugin(s)` : ''}\n`,
    );
    return errors > 0 ? EXIT.failed : EXIT.ok;
  } finally {
    await http.close();
  }
}

function resultJson(result: RouteLintResult) {
  return {
    route: result.route.name,
    service: result.route.service,
    ...(result.route.oidc ? { plugin: { scope: result.route.oidc.scope, origin: result.route.oidc.origin } } : {}),
    ...(result.globalPlugins?.length
      ? { globalPlugins: result.globalPlugins.map((plugin) => ({ name: plugin.name, origin: plugin.origin })) }
      : {}),
    ...(result.issuer ? { issuer: result.issuer } : {}),
    findings: result.findings,
  };
}

function globalJson(result: GlobalPluginLintResult) {
  return {
    plugin: { name: result.plugin.name, origin: result.plugin.origin },
    routes: result.routes,
    ...(result.issuer ? { issuer: result.issuer } : {}),
    findings: result.findings,
  };
}
