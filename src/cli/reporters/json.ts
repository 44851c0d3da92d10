import type { RunResult, StepRun } from '../../core/flow/runner';
import { redactExchange } from '../../core/http/redact';
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
      headers[name] = CREDENTIAL_HEADER.test(name) && typeof value === 'string' ? value.replace(/^(\S+\s+)?.*$/, (_m, scheme: string | undefined) => `${scheme ?? ''}<redacted>`) : value;
    }
    copy[part] = { ...section, headers };
  }
  return copy;
}

/** The run as JSON, exchanges redacted unless the user asked to reveal secrets. */
export function toJsonReport(result: RunResult, options: { reveal?: boolean } = {}): unknown {
  const step = (run: StepRun): unknown => ({
    ...run,
    exchanges: run.exchanges.map((exchange) => redactExchange(exchange, { reveal: options.reveal })),
    result: options.reveal ? run.result : maskHeaders(redactValue(run.result)),
    children: run.children?.map(step),
  });
  return { ...result, steps: result.steps.map(step) };
}
