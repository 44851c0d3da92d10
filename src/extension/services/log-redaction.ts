/**
 * Redaction for log lines: the run's own secrets, plus anything shaped like
 * a JWT or a bearer credential, so a token pasted into an error message
 * never reaches the output channel. No vscode import.
 */
import { redactText } from '../../core/http/redact';

const JWT_LIKE = /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g;
const BEARER = /\b(Bearer|DPoP|Basic)\s+([A-Za-z0-9._~+/=-]{8,})/gi;

/** The line with listed secrets, JWT-shaped strings and Authorization credentials masked. */
export function redactLine(line: string, secrets: readonly string[] = []): string {
  return redactText(line, secrets)
    .replace(JWT_LIKE, (jwt) => `[redacted ${jwt.length} chars]`)
    .replace(BEARER, (_all, scheme: string, value: string) => `${scheme} [redacted ${value.length} chars]`);
}
