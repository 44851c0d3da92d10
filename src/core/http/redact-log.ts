/**
 * Redaction for free text from logs: the gateway's error log shown as
 * evidence, and the extension's own output channel. Log text is written by
 * other programs, so besides the run's own secrets it masks anything shaped
 * like a credential. One place for this: the extension and the diagnosis
 * each used to keep a pattern of their own, and both were quadratic on a
 * long run of "eyJ".
 */
import { compactJoseInText } from '../jwt/token-patterns';
import { redactText } from './redact';

const AUTHORIZATION_CREDENTIAL = String.raw`\b(Bearer|DPoP|Basic)\s+([A-Za-z0-9._~+/=-]{8,})`;
const TOKEN_PAIR = String.raw`(\b(?:token|access_token|bearer token|client_secret|OIDC_access_token)(?:=|: ))([^\s,&"]{4,})`;
// Alternatives in one pass; each starts only where its first word or "eyJ" run starts, so the scan stays linear.
const CREDENTIAL_SHAPES = new RegExp(`${compactJoseInText().source}|${AUTHORIZATION_CREDENTIAL}|${TOKEN_PAIR}`, 'gi');

/** The text with listed secrets, JWT/JWE-shaped values (whole or truncated), Authorization credentials and token pairs masked. */
export function redactLogText(text: string, secrets: readonly string[] = []): string {
  return redactText(text, secrets).replace(
    CREDENTIAL_SHAPES,
    (whole, scheme?: string, credential?: string, label?: string, value?: string) => {
      if (scheme && credential) return `${scheme} [redacted ${credential.length} chars]`;
      if (label && value) return `${label}[redacted ${value.length} chars]`;
      return `[redacted ${whole.length} chars]`;
    },
  );
}
