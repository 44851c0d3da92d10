import { tryUrl } from '../../core/url';
import { parseArgs } from 'node:util';
import { EXPLAIN_OPTIONS } from '../command-options';
import { parse as parseYaml } from 'yaml';
import type { Clock } from '../../core/clock';
import { systemClock } from '../../core/clock';
import { asOidcError, OidcError } from '../../core/errors';
import { checkToken, gatewayKindOf, tokenInput } from '../../core/diagnosis/check-token';
import type { IdpAnswer, LocalCheck } from '../../core/diagnosis/check-token';
import { diagnose } from '../../core/diagnosis/diagnose';
import type { DiagnosisInput, Expectations, IdpRecord, Verdict } from '../../core/diagnosis/diagnose';
import { oktaRecord, recordSubject } from '../../core/diagnosis/okta-record';
import type { OktaApiConfig } from '../../core/flow/file-format';
import { isSecretRef } from '../../core/flow/secret-ref';
import { OKTA_API_TOKEN_ENV } from '../../core/oauth/connect-idp';
import { readGatewayLogFor, requestWindowOf } from '../../core/diagnosis/gateway-log';
import type { LogEvidence } from '../../core/diagnosis/gateway-log';
import { parseWwwAuthenticate } from '../../core/diagnosis/www-authenticate';
import type { KongOidcConfig } from '../../core/gateway/kong-oidc-config';
import { PROFILES } from '../../core/gateway/profiles';
import type { GatewayProfileId } from '../../core/gateway/profiles';
import { headerValue } from '../../core/http/headers';
import { redactText, redactUrl } from '../../core/http/redact';
import { formatLocal, formatRelative } from '../../core/jwt/time-format';
import { splitScope } from '../../core/oauth/token-response';
import { CLIENT_OPTIONS_HELP, rejectSecretFlags, resolveIdpSpec, SERVER_OPTIONS_HELP } from '../idp-options';
import { connectIdp } from '../idp-connect';
import type { ConnectedIdp } from '../idp-connect';
import type { CliIo, Styler } from '../io';
import { EXIT, styler, UsageError } from '../io';
import { cliHttpClient } from '../runtime';
import { readTokenArgument } from '../token-input';
import { readNamedFile } from '../read-input';

export const explainHelp = `Usage: oidc-flow explain <url> [--token-env NAME | --token-stdin] [--method M] [--header "Name: value"]...
                         [--kong-config FILE] [--gateway-profile ID] [--gateway-log FILE [--log-utc-offset MINUTES]]
                         [--check-accepted] [--output text|json] [<IdP options>]
                         [--audience AUD]... [--scope S]... [--claim NAME=VALUE]...
                         [--okta-api-token-env NAME] [--okta-org-url URL]

Calls a gateway route with the token and explains its answer. When the gateway
refuses, the token is also checked locally against the IdP's keys and
introspected at the IdP (with IdP options), and the three views are shown side
by side with a one-sentence verdict, its evidence and the fix.

Options:
  --token-env NAME   send the token from this environment variable
  --token-stdin      send the token read from standard input
                     (with neither, the route is called without a token)
  --method M         HTTP method (default GET)
  --header "N: v"    an extra request header (repeatable)
  --kong-config FILE the route's openid-connect plugin config (JSON or YAML; a whole plugin
                     object with "config" is accepted, and its "name: jwt" picks Kong's jwt
                     plugin), so route rules can be explained
  --gateway-profile ID
                     which gateway answered, when its answer does not say: kong-openid-connect,
                     kong-jwt, apache-introspection, apache-jwt or generic-rfc6750 (default:
                     from --kong-config, the answer's X-Kong-* or Server header, else generic)
  --gateway-log FILE the gateway's error log (Apache ErrorLog, Kong's logs/error.log): after
                     the call, its tail is read and the lines about this very request (Kong's
                     request id, else the client port, path and time) are shown and weighed
  --log-utc-offset MINUTES
                     minutes east of UTC of the clock the log was written in (gateways write
                     local time without a zone); default this machine's offset
  --check-accepted   also check a token the gateway accepted (finds revoked tokens a
                     caching gateway still lets through)
  --audience AUD     the audience the API expects (repeatable: any one will do)
  --scope S          a scope the API requires (repeatable: all are needed)
  --claim NAME=VALUE a claim the API requires (repeatable), for rules that refuse
                     without a WWW-Authenticate challenge
  --okta-api-token-env NAME
                     an Okta API token (SSWS) in this environment variable: for a refused
                     token, Okta's management API is asked whether the token's application
                     (by client id) and user are ACTIVE, and the verdict says what Okta
                     confirmed (default: ${OKTA_API_TOKEN_ENV}, when set, for an Okta IdP)
  --okta-org-url URL the Okta org to ask (default: --okta-domain, or the issuer's origin)
  --output json      print one JSON object instead (also: --json): "verdict" {code,
                     summary, fix, confidence, decidedBy, evidence [{source, text}]},
                     "checked" {local (the JWT checks), introspection (the IdP's answer or
                     its error code), gateway {status, challenge}}, "gatewayLog" {file,
                     lines [{level, signal, text}]}, "idpRecord" (Okta's record: app, user
                     {status, active} or error {code, message}; or notAsked) and "request"
                     {method, url}; tokens and secrets masked as everywhere else

Checking the token needs the IdP options below; introspecting it also needs
--client-id and its secret. The transport options apply to the gateway call too.

${SERVER_OPTIONS_HELP}${CLIENT_OPTIONS_HELP}
Exit codes: 0 the gateway accepted, 1 it refused (or failed), 2 wrong options.
`;

/** One column of the side-by-side display. */
export interface View {
  title: string;
  headline: string;
  /** true: good news (green), false: bad news (red), undefined: neutral. */
  ok?: boolean;
  lines: string[];
}

export type { IdpAnswer, LocalCheck };

export interface GatewayAnswer {
  status: number;
  headers: Record<string, string>;
  body?: string;
}

/** The local JWT check as a column. */
export function localView(check: LocalCheck): View {
  const title = 'Local JWT check';
  if (check.state === 'skipped') return { title, headline: 'not checked', lines: [check.reason] };
  if (check.state === 'error') return { title, headline: '✖ could not check', ok: false, lines: [check.message] };
  const { verification } = check;
  const passed = verification.checks.filter((c) => c.ok).map((c) => c.id);
  const lines = verification.checks.filter((c) => !c.ok).map((c) => `✖ ${c.message}`);
  if (passed.length > 0) lines.push(`✔ ${passed.join(', ')}`);
  return { title, headline: verification.valid ? '✔ valid' : '✖ invalid', ok: verification.valid, lines };
}

/**
 * The IdP's introspection answer as a column; `now` is epoch ms. An inactive
 * answer lists only the causes the local check did not rule out: a JWT that
 * verifies against the IdP's keys has neither expired nor come from elsewhere.
 */
export function idpView(answer: IdpAnswer, now: number, timeZone?: string, local?: LocalCheck): View {
  const title = 'IdP introspection';
  if (answer.state === 'skipped') return { title, headline: 'not asked', lines: [answer.reason] };
  if (answer.state === 'error')
    return { title, headline: '✖ failed', ok: false, lines: [`${answer.message} [${answer.code}]`] };
  if (!answer.active)
    return {
      title,
      headline: '✖ active: false',
      ok: false,
      lines: [
        local?.state === 'verified' && local.verification.valid
          ? "Revoked, or its application or user was deactivated (not expired, and issued here: the JWT verifies against the IdP's keys)."
          : 'Expired, revoked, unknown to the IdP, or its application or user was deactivated.',
      ],
    };
  const c = answer.claims;
  const lines: string[] = [];
  const scopes = splitScope(c.scope) ?? splitScope(c.scp);
  if (scopes) lines.push(`scope: ${scopes.join(' ') || '(none)'}`);
  const client = c.client_id ?? c.cid;
  if (client !== undefined) lines.push(`client: ${String(client)}`);
  if (c.sub !== undefined) lines.push(`sub: ${String(c.sub)}`);
  if (c.aud !== undefined) lines.push(`aud: ${Array.isArray(c.aud) ? c.aud.join(', ') : String(c.aud)}`);
  if (typeof c.exp === 'number')
    lines.push(`exp: ${formatLocal(c.exp, timeZone)} (${formatRelative(c.exp, now / 1000)})`);
  return { title, headline: '✔ active: true', ok: true, lines };
}

/** The gateway's answer as a column; with its log, how many lines it wrote about the request. */
export function gatewayView(answer: GatewayAnswer, log?: readonly LogEvidence[]): View {
  const lines: string[] = [];
  const challenge = parseWwwAuthenticate(headerValue(answer.headers, 'www-authenticate'))[0];
  if (challenge) {
    lines.push(`challenge: ${challenge.scheme}`);
    if (challenge.params.error) lines.push(`error: ${challenge.params.error}`);
    if (challenge.params.error_description) lines.push(`description: ${challenge.params.error_description}`);
    if (challenge.params.scope) lines.push(`scope: ${challenge.params.scope}`);
  }
  const body = answer.body?.trim();
  if (body) lines.push(`body: ${body.length > 200 ? `${body.slice(0, 200)}...` : body}`);
  if (log)
    lines.push(
      log.length === 0
        ? 'log: nothing about this request'
        : `log: ${log.length} line${log.length === 1 ? '' : 's'} about this request (below)`,
    );
  const ok = answer.status < 400;
  return { title: 'Gateway', headline: `${ok ? '✔' : '✖'} HTTP ${answer.status}`, ok, lines };
}

/** What Okta's management API said about the token's application and user, or why it was not asked. */
export type RecordAnswer = { state: 'asked'; record: IdpRecord } | { state: 'not asked'; reason: string };

/** Okta's record as a block under the views: what it confirmed, or why it was not asked. */
export function formatIdpRecord(answer: RecordAnswer, s: Styler): string {
  const head = `${s.bold("Okta's record")} ${s.dim('(its management API, a fact rather than an inference)')}`;
  if (answer.state === 'not asked') return `${head}\n  ${s.dim(`not asked: ${answer.reason}`)}\n`;
  const { app, user, error } = answer.record;
  const mark = (active: boolean) => (active ? s.green('✔') : s.red('✖'));
  const lines: string[] = [];
  if (app)
    lines.push(
      `${mark(app.active)} application ${app.label ? `${app.label} ` : ''}(client ${app.clientId}): ${app.status}`,
    );
  if (user)
    lines.push(`${mark(user.active)} user ${user.login ? `${user.login} (${user.id})` : user.id}: ${user.status}`);
  if (error) lines.push(`${s.red('✖')} asking failed: ${error.message} [${error.code}]`);
  return `${head}\n${lines.map((line) => `  ${line}`).join('\n')}\n`;
}

/**
 * --okta-api-token-env and --okta-org-url as the IdP's oktaApi (the token as
 * a reference, never its value); undefined leaves the connector's default
 * (OKTA_API_TOKEN, when set, for an Okta IdP).
 */
export function parseOktaApiFlags(
  tokenEnv: string | undefined,
  orgUrl: string | undefined,
  env: Record<string, string | undefined>,
): OktaApiConfig | undefined {
  if (tokenEnv === undefined && orgUrl === undefined) return undefined;
  const name = tokenEnv ?? OKTA_API_TOKEN_ENV;
  const ref = `\${env:${name}}`;
  if (!isSecretRef(ref))
    throw new UsageError(
      `--okta-api-token-env takes an environment variable name (letters, digits, _ . - /), got "${name}".`,
    );
  if (!env[name])
    throw new UsageError(
      tokenEnv !== undefined
        ? `The environment variable ${name} (from --okta-api-token-env) is not set or empty.`
        : `--okta-org-url needs an Okta API token: set ${OKTA_API_TOKEN_ENV} or name another variable with --okta-api-token-env.`,
    );
  if (orgUrl !== undefined && !/^https?:$/.test(tryUrl(orgUrl)?.protocol ?? ''))
    throw new UsageError(
      `--okta-org-url takes the org's http(s) URL, e.g. https://dev-123456.okta.com, got "${orgUrl}".`,
    );
  return { apiToken: ref, ...(orgUrl !== undefined ? { orgUrl } : {}) };
}

/** Word-wraps text to `width` columns, breaking words longer than a line (tokens, URLs). */
export function wrapText(text: string, width: number): string[] {
  const out: string[] = [];
  let line = '';
  for (let word of text.split(/\s+/).filter(Boolean)) {
    while (word.length > width) {
      if (line) {
        out.push(line);
        line = '';
      }
      out.push(word.slice(0, width));
      word = word.slice(width);
    }
    if (!line) line = word;
    else if (line.length + 1 + word.length <= width) line += ` ${word}`;
    else {
      out.push(line);
      line = word;
    }
  }
  if (line || out.length === 0) out.push(line);
  return out;
}

/** The views as columns when `width` allows it, else one after the other. */
export function renderViews(views: readonly View[], width: number, s: Styler): string {
  const paint = (view: View, text: string) =>
    view.ok === true ? s.green(text) : view.ok === false ? s.red(text) : s.yellow(text);
  const gap = ' │ ';
  const columnWidth = Math.floor((width - gap.length * (views.length - 1)) / views.length);
  if (columnWidth < 26) {
    return (
      views
        .map((view) =>
          [
            s.bold(view.title),
            `  ${paint(view, view.headline)}`,
            ...view.lines.flatMap((line) => wrapText(line, Math.max(20, width - 4)).map((l) => `    ${l}`)),
          ].join('\n'),
        )
        .join('\n\n') + '\n'
    );
  }
  type Cell = { text: string; style?: (text: string) => string };
  const columns: Cell[][] = views.map((view) => [
    { text: view.title, style: s.bold },
    ...wrapText(view.headline, columnWidth).map((text): Cell => ({ text, style: (t) => paint(view, t) })),
    ...view.lines.flatMap((line) => wrapText(line, columnWidth).map((text): Cell => ({ text }))),
  ]);
  const rows = Math.max(...columns.map((c) => c.length));
  const out: string[] = [];
  for (let row = 0; row < rows; row += 1) {
    const cells = columns.map((column, index) => {
      const cell = column[row] ?? { text: '' };
      const shown = cell.style ? cell.style(cell.text) : cell.text;
      return index === columns.length - 1 ? shown : shown + ' '.repeat(columnWidth - cell.text.length);
    });
    out.push(cells.join(gap).trimEnd());
    if (row === 0) out.push(views.map(() => '─'.repeat(columnWidth)).join('─┼─'));
  }
  return `${out.join('\n')}\n`;
}

/** The gateway's log lines about the request, marked as its own words. */
export function formatGatewayLog(file: string, log: readonly LogEvidence[], s: Styler): string {
  const head = `${s.bold('Gateway log')} ${s.dim(`(the gateway's own words, ${file})`)}`;
  if (log.length === 0) return `${head}\n  ${s.dim('nothing about this request')}\n`;
  return `${head}\n${log.map((line) => `  ${line.level ? `[${line.level}] ` : ''}${line.text}`).join('\n')}\n`;
}

/** The verdict: its sentence, the evidence and the fix; `logAbove`: the log lines were printed already, count them. */
export function formatVerdict(verdict: Verdict, s: Styler, options: { logAbove?: boolean } = {}): string {
  const mark = verdict.code === 'ok' ? s.green('✔') : s.red('✖');
  const confidence = verdict.confidence === 'certain' ? '' : ` ${s.dim(`(${verdict.confidence})`)}`;
  const lines = [`${mark} ${s.bold('Verdict')}: ${verdict.summary}${confidence} ${s.dim(`[${verdict.code}]`)}`];
  let evidence = verdict.evidence;
  const logLines = evidence.filter((e) => e.source === 'gateway-log').length;
  if (options.logAbove && logLines > 0) {
    evidence = evidence.filter((e) => e.source !== 'gateway-log');
    evidence.push({ source: 'gateway-log', text: `the ${logLines === 1 ? 'line' : `${logLines} lines`} above` });
  }
  if (evidence.length > 0) {
    lines.push(s.bold('Evidence:'));
    const width = Math.max(...evidence.map((e) => e.source.length));
    for (const e of evidence) lines.push(`  ${s.cyan(e.source.padEnd(width))}  ${e.text}`);
  }
  if (verdict.fix) lines.push(`${s.bold('Fix')}: ${verdict.fix}`);
  return `${lines.join('\n')}\n`;
}

/** Repeated "Name: value" flags as headers. */
export function parseHeaders(list: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of list) {
    const at = item.indexOf(':');
    const name = at > 0 ? item.slice(0, at).trim() : '';
    if (!name || /\s/.test(name)) throw new UsageError(`--header takes "Name: value", got "${item}".`);
    out[name] = item.slice(at + 1).trim();
  }
  return out;
}

/** --kong-config FILE: the file read and parsed (parseKongConfig), or a configuration error naming it. */
export async function readKongConfig(path: string): Promise<{ config: KongOidcConfig; plugin?: string }> {
  const text = await readNamedFile(path, `${path} (--kong-config)`, { hint: 'Check the path.' });
  return parseKongConfig(text, path);
}

/**
 * Reads the plugin config from JSON or YAML: the config itself, or a plugin
 * object holding it under "config" (whose "name" says which plugin it is).
 */
export function parseKongConfig(text: string, fileName: string): { config: KongOidcConfig; plugin?: string } {
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (error) {
    throw new OidcError(
      'config.kong_config_invalid',
      `${fileName} (--kong-config) is neither JSON nor YAML: ${(error as Error).message.split('\n')[0]}`,
      {
        where: '--kong-config',
        hint: 'Give the openid-connect plugin configuration, e.g. from the Admin API (GET /plugins/{id}) or a decK file.',
      },
    );
  }
  const isObject = (v: unknown): v is Record<string, unknown> =>
    v !== null && typeof v === 'object' && !Array.isArray(v);
  let plugin: string | undefined;
  if (
    isObject(value) &&
    isObject(value.config) &&
    (typeof value.name === 'string' || value.config.issuer !== undefined)
  ) {
    if (typeof value.name === 'string') plugin = value.name;
    value = value.config;
  }
  if (!isObject(value)) {
    throw new OidcError(
      'config.kong_config_invalid',
      `${fileName} (--kong-config) does not hold an object of plugin settings.`,
      {
        where: '--kong-config',
        hint: 'Give the openid-connect plugin configuration (issuer, auth_methods, scopes_required, ...).',
      },
    );
  }
  return { config: value as KongOidcConfig, ...(plugin ? { plugin } : {}) };
}

/** The profile --gateway-profile names, or the one a whole Kong plugin object's name implies. */
export function profileFromOptions(
  named: string | undefined,
  plugin: string | undefined,
): GatewayProfileId | undefined {
  if (named !== undefined) {
    if (!Object.hasOwn(PROFILES, named))
      throw new UsageError(`--gateway-profile takes one of ${Object.keys(PROFILES).join(', ')}; got "${named}".`);
    return named as GatewayProfileId;
  }
  if (plugin === 'jwt') return 'kong-jwt';
  return undefined;
}

/** --audience, --scope and --claim as the diagnosis's expectations; undefined when none is given. */
export function parseExpectations(
  audience: readonly string[] | undefined,
  scopes: readonly string[] | undefined,
  claims: readonly string[] | undefined,
): Expectations | undefined {
  const out: Expectations = {};
  if (audience?.length) out.audience = [...audience];
  if (scopes?.length) out.scopes = scopes.flatMap((scope) => scope.split(/\s+/).filter(Boolean));
  for (const item of claims ?? []) {
    const at = item.indexOf('=');
    if (at <= 0) throw new UsageError(`--claim takes NAME=VALUE, got "${item}".`);
    out.claims = { ...out.claims, [item.slice(0, at).trim()]: item.slice(at + 1).trim() };
  }
  return Object.keys(out).length ? out : undefined;
}

/** Asks Okta's management API about the token's application and user (through the IdP's transport options). */
async function askRecord(idp: ConnectedIdp, claims: Record<string, unknown>, clock: Clock): Promise<RecordAnswer> {
  const access = idp.oktaApi;
  if (!access || access.state === 'unavailable')
    return { state: 'not asked', reason: access?.reason ?? 'No Okta API token was given.' };
  // The client that introspected is not necessarily the token's: only the token's own claims name it here.
  const record = await oktaRecord(
    idp.ctx.http,
    { orgUrl: access.orgUrl, apiToken: access.apiToken, clock },
    recordSubject(claims),
  );
  return record
    ? { state: 'asked', record }
    : {
        state: 'not asked',
        reason: 'The token names no client (client_id, cid, azp) and no user (uid, sub) to ask about.',
      };
}

function apiTokenOf(idp: ConnectedIdp | undefined): string[] | undefined {
  return idp?.oktaApi?.state === 'ready' ? [idp.oktaApi.apiToken] : undefined;
}

/** What `explain --output json` prints: the verdict, what was checked and the gateway's log lines. */
export interface ExplainReport {
  request: { method: string; url: string };
  verdict: Pick<Verdict, 'code' | 'summary' | 'fix' | 'confidence' | 'decidedBy' | 'evidence'>;
  checked: {
    local: LocalCheck;
    introspection: IdpAnswer;
    gateway: { status: number; challenge?: { scheme: string; params: Record<string, string> }; body?: string };
  };
  gatewayLog?: { file: string; lines: LogEvidence[] };
  /** Okta's own record of the token's application and user (asked for a refused token with an API token). */
  idpRecord?: IdpRecord | { source: 'okta-management-api'; notAsked: string };
}

/** The JSON report of one explain run; URLs and bodies masked, tokens never in it. */
export function explainReport(parts: {
  request: { method: string; url: string };
  gateway: GatewayAnswer;
  local: LocalCheck;
  idp: IdpAnswer;
  log?: { file: string; lines: LogEvidence[] };
  record?: RecordAnswer;
  verdict: Verdict;
}): ExplainReport {
  const { verdict, gateway } = parts;
  const challenge = parseWwwAuthenticate(headerValue(gateway.headers, 'www-authenticate'))[0];
  const body = gateway.body?.trim();
  const local: LocalCheck =
    parts.local.state === 'verified'
      ? {
          state: 'verified',
          verification: { valid: parts.local.verification.valid, checks: parts.local.verification.checks },
        }
      : parts.local;
  return {
    request: { method: parts.request.method, url: redactUrl(parts.request.url) },
    verdict: {
      code: verdict.code,
      summary: verdict.summary,
      ...(verdict.fix ? { fix: verdict.fix } : {}),
      confidence: verdict.confidence,
      decidedBy: verdict.decidedBy,
      evidence: verdict.evidence,
    },
    checked: {
      local,
      introspection: parts.idp,
      gateway: {
        status: gateway.status,
        ...(challenge ? { challenge: { scheme: challenge.scheme, params: challenge.params } } : {}),
        ...(body ? { body: body.length > 500 ? `${body.slice(0, 500)}...` : body } : {}),
      },
    },
    ...(parts.log ? { gatewayLog: parts.log } : {}),
    ...(parts.record
      ? {
          idpRecord:
            parts.record.state === 'asked'
              ? parts.record.record
              : { source: 'okta-management-api' as const, notAsked: parts.record.reason },
        }
      : {}),
  };
}

/** --log-utc-offset: whole minutes east of UTC, as time zones go (-14 h to +14 h). */
export function parseUtcOffset(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const minutes = Number(text);
  if (!/^[+-]?\d+$/.test(text.trim()) || Math.abs(minutes) > 14 * 60)
    throw new UsageError(
      `--log-utc-offset takes minutes east of UTC between -840 and 840 (e.g. 60 for CET, -300 for EST), got "${text}".`,
    );
  return minutes;
}

/** oidc-flow explain */
export async function explainCommand(args: string[], io: CliIo): Promise<number> {
  rejectSecretFlags(args);
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: EXPLAIN_OPTIONS,
  });
  if (values.output !== 'text' && values.output !== 'json')
    throw new UsageError(`--output takes text or json, got "${values.output}".`);
  const asJson = values.json === true || values.output === 'json';
  const expected = parseExpectations(values.audience, values.scope, values.claim);
  const [target, ...rest] = positionals;
  if (!target)
    throw new UsageError('Name the route to call: oidc-flow explain https://gateway.example/orders --token-env TOKEN.');
  if (rest.length > 0)
    throw new UsageError(
      `Only one URL, please (also got ${rest.join(' ')}); the token goes in --token-env or --token-stdin.`,
    );
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new UsageError(`"${target}" is not an absolute URL.`);
  }
  if (values['token-env'] !== undefined && values['token-stdin'])
    throw new UsageError('Give the token one way: --token-env or --token-stdin.');
  const method = values.method!.toUpperCase();
  if (!/^[A-Z]+$/.test(method)) throw new UsageError(`--method takes an HTTP method, got "${values.method}".`);
  const headers = parseHeaders(values.header ?? []);
  const token =
    values['token-env'] !== undefined
      ? await readTokenArgument(undefined, values['token-env'], io)
      : values['token-stdin']
        ? await readTokenArgument('-', undefined, io)
        : undefined;
  if (token && headerValue(headers, 'authorization') !== undefined)
    throw new UsageError('The token is sent as "Authorization: Bearer ..."; leave out the Authorization --header.');
  if (token) headers.Authorization = `Bearer ${token}`;
  let kongConfig: KongOidcConfig | undefined;
  let plugin: string | undefined;
  if (values['kong-config']) ({ config: kongConfig, plugin } = await readKongConfig(values['kong-config']));
  const gatewayProfile = profileFromOptions(values['gateway-profile'], plugin);
  const logFile = values['gateway-log'];
  if (values['log-utc-offset'] !== undefined && !logFile)
    throw new UsageError('--log-utc-offset goes with --gateway-log FILE.');
  const utcOffsetMinutes = parseUtcOffset(values['log-utc-offset']);
  const spec = resolveIdpSpec(values, io.env);
  const oktaApi = parseOktaApiFlags(values['okta-api-token-env'], values['okta-org-url'], io.env);
  if (oktaApi && !spec)
    throw new UsageError(
      '--okta-api-token-env and --okta-org-url go with the IdP options (--issuer, --okta-domain or --file with --idp).',
    );
  const clock = systemClock;
  const out = styler(io.stdout, io.env);

  const http = await cliHttpClient({ io, ...values });
  try {
    const response = await http.send({
      method,
      url: url.toString(),
      headers,
      label: 'gateway route',
      lane: 'gateway',
      secrets: token ? [token] : [],
    });
    const gateway: GatewayAnswer = {
      status: response.status,
      headers: response.headers,
      body: response.text.slice(0, 2000),
    };
    const accepted = response.status < 400;
    if (!asJson) {
      io.stdout.write(
        `${out.bold(`${method} ${url.toString()}`)} → ${accepted ? out.green(`HTTP ${response.status}`) : out.red(`HTTP ${response.status}`)}\n`,
      );
      const challenge = headerValue(response.headers, 'www-authenticate');
      if (challenge) io.stdout.write(`WWW-Authenticate: ${challenge}\n`);
      if (response.text.trim())
        io.stdout.write(`${response.text.trim().slice(0, 500)}${response.text.trim().length > 500 ? '...' : ''}\n`);
      io.stdout.write('\n');
    }

    const input: DiagnosisInput = {
      now: clock.now(),
      gateway,
      request: { tokenLocation: token ? 'header' : 'none', authorizationScheme: token ? 'Bearer' : undefined },
      gatewayKind: gatewayKindOf(kongConfig, response.headers),
      ...(gatewayProfile ? { gatewayProfile } : {}),
      kongConfig,
      ...(expected ? { expected } : {}),
    };
    if (logFile) {
      const { evidence } = await readGatewayLogFor(logFile, requestWindowOf(response.exchange), {
        utcOffsetMinutes,
        secrets: token ? [token] : [],
        where: '--gateway-log',
      });
      input.gatewayLog = evidence;
    }
    let local: LocalCheck = {
      state: 'skipped',
      reason: token ? "Give --issuer (or --jwks-uri) to check the token against the IdP's keys." : 'No token was sent.',
    };
    let idpAnswer: IdpAnswer = {
      state: 'skipped',
      reason: token ? 'Give --issuer and --client-id (with its secret) to ask the IdP.' : 'No token was sent.',
    };
    let record: RecordAnswer | undefined;
    let idpUsed: ConnectedIdp | undefined;
    if (token) {
      const parsed = tokenInput(token);
      const decoded = parsed.decoded;
      input.token = parsed.input;
      if (accepted && !values['check-accepted']) {
        local = {
          state: 'skipped',
          reason: 'The gateway accepted the token (add --check-accepted to check it anyway).',
        };
        idpAnswer = {
          state: 'skipped',
          reason: 'The gateway accepted the token (add --check-accepted to ask the IdP anyway).',
        };
      } else if (spec) {
        let idp: ConnectedIdp | undefined;
        try {
          idp = await connectIdp(spec, { http, io, clock, needClient: false, oktaApi });
        } catch (error) {
          if (error instanceof UsageError) throw error;
          const e = asOidcError(error);
          local = { state: 'error', message: e.message };
          idpAnswer = { state: 'error', code: e.code, message: e.message };
        }
        idpUsed = idp;
        if (idp) {
          const checked = await checkToken(token, decoded, idp, kongConfig?.leeway, clock);
          local = checked.local;
          idpAnswer = checked.idp;
          if (checked.verification) input.token.verification = checked.verification;
          // diagnose() itself ignores the IdP's claims on routes that do not introspect the token.
          if (checked.idp.state === 'answered') {
            input.introspection = { active: checked.idp.active, claims: checked.idp.claims };
            input.introspectedBy = { clientId: idp.ctx.client.clientId, issuer: idp.ctx.metadata.issuer };
          }
          if (checked.idp.state === 'error')
            input.introspection = { error: { code: checked.idp.code, message: checked.idp.message } };
          if (!accepted && idp.oktaApi) {
            const claims = { ...(checked.idp.state === 'answered' ? checked.idp.claims : {}), ...decoded?.payload };
            record = await askRecord(idp, claims, clock);
            if (record.state === 'asked') input.idpRecord = record.record;
          }
        }
      }
    }
    const verdict = diagnose(input);
    // The API token never goes into a message; masked here all the same, like the bearer token.
    const masked = [...(token ? [token] : []), ...(apiTokenOf(idpUsed) ?? [])];
    if (asJson) {
      const report = explainReport({
        request: { method, url: url.toString() },
        gateway,
        local,
        idp: idpAnswer,
        ...(logFile && input.gatewayLog ? { log: { file: logFile, lines: input.gatewayLog } } : {}),
        ...(record ? { record } : {}),
        verdict,
      });
      io.stdout.write(`${redactText(JSON.stringify(report, null, 2), masked)}\n`);
      return accepted ? EXIT.ok : EXIT.failed;
    }
    const width = Number(io.env.COLUMNS) || 120;
    io.stdout.write(
      renderViews(
        [localView(local), idpView(idpAnswer, clock.now(), undefined, local), gatewayView(gateway, input.gatewayLog)],
        width,
        out,
      ),
    );
    io.stdout.write('\n');
    if (logFile && input.gatewayLog) io.stdout.write(`${formatGatewayLog(logFile, input.gatewayLog, out)}\n`);
    if (record) io.stdout.write(`${redactText(formatIdpRecord(record, out), masked)}\n`);
    io.stdout.write(redactText(formatVerdict(verdict, out, { logAbove: Boolean(logFile) }), masked));
    return accepted ? EXIT.ok : EXIT.failed;
  } finally {
    await http.close();
  }
}
