/** Whether a string could be a token an IdP issued at all, before anyone asks the IdP about it. */
import { decodeJwt, normalizeToken } from './decode';

// Values people send by mistake: unfilled templates and placeholders.
const PLACEHOLDER =
  /^(?:<[^>]*>|\$\{[^}]*\}|\{\{[^}]*\}\}|%[A-Z_]+%|\$[A-Z_]+|undefined|null|none|token|access_?token|your[-_]?token|changeme|test|abc\w{0,3}|x+|\.\.\.|\*+)$/i;
// RFC 6750 b64token: the characters a bearer token may hold.
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
/** Shorter than any access or reference token an IdP issues (Okta's opaque ones are 40+; kept low so test doubles pass). */
const MIN_LENGTH = 8;

/** Why this string is not a token an IdP issued (a placeholder, truncated, not token characters), or undefined when it may be one. */
export function notATokenReason(input: string): string | undefined {
  const raw = normalizeToken(input);
  if (raw === '') return 'it is empty';
  if (PLACEHOLDER.test(raw)) return `"${raw.length > 24 ? `${raw.slice(0, 24)}…` : raw}" is a placeholder, not a token`;
  if (!B64TOKEN.test(raw)) return 'it holds characters no bearer token has (spaces, quotes or other punctuation)';
  const parts = raw.split('.');
  if (raw.startsWith('eyJ') && parts.length !== 5) {
    if (parts.length !== 3)
      return `it starts like a JWT but has ${parts.length} part${parts.length === 1 ? '' : 's'} instead of 3 (cut off?)`;
    try {
      decodeJwt(raw);
    } catch {
      return 'it starts like a JWT but does not decode (cut off or altered?)';
    }
    return undefined;
  }
  if (raw.length < MIN_LENGTH) return `it is only ${raw.length} characters long, shorter than any token an IdP issues`;
  return undefined;
}
