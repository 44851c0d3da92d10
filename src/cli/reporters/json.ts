import type { RunResult, StepRun } from '../../core/flow/runner';
import { runSecrets } from '../../core/flow/run-secrets';
import { isSecretHeader, mask } from '../../core/http/redact';
import type { SecretRegistry } from '../../core/http/secret-registry';
import { redactValue } from '../../core/flow/assertions';

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
        isSecretHeader(name) && typeof value === 'string'
          ? value.replace(/^(\S+\s+)?(.*)$/, (_m, scheme: string | undefined, rest: string) =>
              /^(authorization|proxy-authorization)$/i.test(name) && scheme
                ? `${scheme}${mask(rest)}`
                : mask(`${scheme ?? ''}${rest}`),
            )
          : value;
    }
    copy[part] = { ...section, headers };
  }
  return copy;
}

/**
 * The run as JSON, redacted unless the user asked to reveal secrets: by name
 * (credential headers and fields) and by value, with every secret the run
 * read, sent or received (`secrets`, else what the result shows), wherever it
 * shows up again: an echoed header, a server's error text, an assertion's
 * actual value and message.
 */
export function toJsonReport(result: RunResult, options: { reveal?: boolean; secrets?: SecretRegistry } = {}): unknown {
  if (options.reveal) return result;
  const secrets = runSecrets(result, options.secrets);
  const step = (run: StepRun): unknown => ({
    ...run,
    exchanges: run.exchanges.map((exchange) => secrets.exchange(exchange)),
    result: maskHeaders(redactValue(run.result)),
    children: run.children?.map(step),
  });
  return secrets.value({ ...result, steps: result.steps.map(step) });
}
