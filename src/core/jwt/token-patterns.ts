/**
 * Patterns for tokens written inside other text. A module of its own, with no
 * imports, so the extension's output channel can mask log lines without
 * loading the JWT decoder at activation.
 */

/**
 * A JWT written inside other text. It must start where a run of base64url
 * characters starts: without that lookbehind, text like "eyJeyJeyJ..." made
 * the engine rescan the rest of the run from every "eyJ" (quadratic).
 */
const JWT_IN_TEXT = '(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]*';

/** A fresh pattern for JWTs inside text (`g` to find them all; fresh, so no lastIndex is shared). */
export function jwtInText(flags = ''): RegExp {
  return new RegExp(JWT_IN_TEXT, flags);
}

/**
 * Any compact JOSE value inside text, for masking only: a JWT, a JWE (whose
 * second part is an encrypted key, empty with "dir", not a JSON payload), or
 * either cut short by a log: two to five parts. Parts hold no dots, so with
 * the same lookbehind as above the scan stays linear.
 */
const COMPACT_JOSE_IN_TEXT = '(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]*(?:\\.[A-Za-z0-9_-]*){0,3}';

/** A fresh pattern for compact JWS/JWE values inside text, for redaction. */
export function compactJoseInText(flags = ''): RegExp {
  return new RegExp(COMPACT_JOSE_IN_TEXT, flags);
}
