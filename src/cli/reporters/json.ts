import type { RunResult, StepRun } from '../../core/flow/runner';
import { redactExchange, redactText } from '../../core/http/redact';
import { redactValue } from '../../core/flow/assertions';

const CREDENTIAL_HEADER = /^(authorization|proxy-authorization|cookie|set-cookie|dpop)$/i;

/** Masks credential headers in a step result's request and response, keeping the scheme visible. */
function maskHeaders(result: unknown): unknown {
  if (!result || typeof result !== 'object') return result;
  const copy = { ...(result as Record<string, unknown>) };
  for (const part of ['request', 'response']) {
    const section = copy[part] as { headers?: Record<string, unknown> } | undefined;
    if (!section?.headers) continue;
    const headers: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(section.headers)) {
      headers[name] =
        CREDENTIAL_HEADER.test(name) && typeof value === 'string'
          ? value.replace(/^(\S+\s+)?.*$/, (_m, scheme: string | undefined) => `${scheme ?? ''}<redacted>`)
          : value;
    }
    copy[part] = { ...section, headers };
  }
  return copy;
}

/** Replaces every known secret in every string of a value (an echoed header, a body field). */
function scrub(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === 'string') return redactText(value, secrets);
  if (Array.isArray(value)) return value.map((item) => scrub(item, secrets));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrub(v, secrets)]));
  return value;
}

function collectSecrets(runs: readonly StepRun[], into: Set<string>): Set<string> {
  for (const run of runs) {
    for (const exchange of run.exchanges) for (const secret of exchange.secrets) into.add(secret);
    const token = run.result.token;
    for (const value of [token?.access_token, token?.refresh_token, token?.id_token]) if (value) into.add(value);
    if (run.children) collectSecrets(run.children, into);
  }
  return into;
}

/**
 * The run as JSON, exchanges redacted unless the user asked to reveal secrets.
 * Step results are scrubbed of every secret the run handled, wherever it shows
 * up again (an echo upstream returns the Authorization header it received).
 */
export function toJsonReport(result: RunResult, options: { reveal?: boolean } = {}): unknown {
  const secrets = options.reveal ? [] : [...collectSecrets(result.steps, new Set())];
  const step = (run: StepRun): unknown => ({
    ...run,
    exchanges: run.exchanges.map((exchange) => redactExchange(exchange, { reveal: options.reveal })),
    result: options.reveal ? run.result : scrub(maskHeaders(redactValue(run.result)), secrets),
    notes: options.reveal ? run.notes : (scrub(run.notes, secrets) as string[]),
    children: run.children?.map(step),
  });
  return { ...result, steps: result.steps.map(step) };
}
