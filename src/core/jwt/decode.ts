/**
 * Decoding a JWT WITHOUT verifying it. Everything returned here is what the
 * token claims about itself; nothing is trusted until verify.ts checks the
 * signature and the claims. Results carry `verified: false` to keep that
 * visible wherever they travel.
 */
import { OidcError } from '../errors';
import { nestedDeeperThan } from '../nesting';

/** Deeper than any real header or claims set; deeper would overflow the stack when printed. */
const MAX_JSON_DEPTH = 64;

export type JwtPartName = 'header' | 'payload' | 'signature';

export interface DecodedJwt {
  /** JOSE header (alg, kid, typ, ...), unverified. */
  header: Record<string, unknown>;
  /** Claims, unverified. */
  payload: Record<string, unknown>;
  /** The signature part as sent (base64url); empty for `alg: none`. */
  signature: string;
  /** `header.payload` exactly as sent: the bytes the signature covers. */
  signingInput: string;
  /** The token after removing a `Bearer ` prefix, quotes and whitespace. */
  raw: string;
  /** `header.alg` when it is a string. */
  alg?: string;
  /** `header.kid` when it is a string. */
  kid?: string;
  /** `alg: none`: the token carries no signature at all and must never be accepted. */
  unsecured: boolean;
  /** Always false: decoding never checks the signature. */
  verified: false;
}

/** The shape the CLI and the extension's decode command use. */
export interface DecodedJwtParts {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signature: string;
}

export type TokenKind = 'jwt' | 'jwe' | 'opaque';

const PART_NAMES: readonly JwtPartName[] = ['header', 'payload', 'signature'];
const QUOTES = new Set(['"', "'", '`']);
const BASE64URL = /^[A-Za-z0-9_-]*$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Strips what people paste along with a token: surrounding whitespace and
 * quotes, an `Authorization:` header name and a `Bearer`/`DPoP` scheme.
 */
export function normalizeToken(input: string): string {
  let token = input.trim();
  for (let round = 0; round < 2; round += 1) {
    token = stripQuotes(token);
    token = token
      .replace(/^authorization\s*:\s*/i, '')
      .replace(/^(?:bearer|dpop)(?:\s+|$)/i, '')
      .trim();
  }
  return stripQuotes(token);
}

function stripQuotes(value: string): string {
  let out = value;
  while (out.length >= 2 && QUOTES.has(out[0]!) && out[out.length - 1] === out[0]) out = out.slice(1, -1).trim();
  return out;
}

/**
 * Decodes a signed JWT (JWS compact) without verifying it; throws OidcError `jwt.*` when it is not one.
 * The result, its header and its claims are frozen (not the values inside a claim, which freezing
 * too cost a verification ~1 µs), so the last token's decode can be handed out again.
 */
export function decodeJwt(token: string): DecodedJwt {
  // A flow or a gateway sends the same token on every call until it expires, and classifyToken,
  // the call diagnosis and verifyJwt each decode it: the last token's decode serves them all
  // (issue #14 point 4: decoding again was ~5 % of a verification).
  if (token === lastDecoded.token && lastDecoded.decoded) return lastDecoded.decoded;
  const decoded = decodeFresh(token);
  lastDecoded = { token, decoded };
  return decoded;
}

let lastDecoded: { token: string | undefined; decoded: DecodedJwt | undefined } = {
  token: undefined,
  decoded: undefined,
};

function decodeFresh(token: string): DecodedJwt {
  const raw = normalizeToken(token);
  if (raw === '') {
    throw new OidcError('jwt.empty', 'The token is empty.', {
      where: 'token',
      hint: 'Paste the whole token, e.g. the access_token value from the token response.',
    });
  }
  const parts = raw.split('.');
  if (parts.length === 5) throw encryptedError(parts[0]!);
  if (parts.length !== 3) throw partsError(parts.length);

  const header = decodeHeader(parts[0]!);
  const payload = decodeJsonPart(parts[1]!, 'payload');
  const signature = parts[2]!;
  checkBase64url(signature, 'signature');

  const alg = typeof header.alg === 'string' ? header.alg : undefined;
  const kid = typeof header.kid === 'string' ? header.kid : undefined;
  return Object.freeze({
    header,
    payload: Object.freeze(payload),
    signature,
    signingInput: `${parts[0]}.${parts[1]}`,
    raw,
    alg,
    kid,
    // Flagged case-insensitively: some libraries once accepted "None"/"NONE".
    unsecured: alg !== undefined && alg.toLowerCase() === 'none',
    verified: false as const,
  });
}

/** Placeholder-compatible decode: header, payload and signature only (unverified). */
export function decodeJwtParts(token: string): DecodedJwtParts {
  const { header, payload, signature } = decodeJwt(token);
  return { header, payload, signature };
}

/** Tells a signed JWT, an encrypted JWT and an opaque (reference) token apart; never throws. */
export function classifyToken(token: string): TokenKind {
  // A flow sends the same token on every call, and the runner and the diagnosis ask about it each time.
  if (token === lastClassified.token) return lastClassified.kind;
  const kind = classifyFresh(token);
  lastClassified = { token, kind };
  return kind;
}

let lastClassified: { token: string | undefined; kind: TokenKind } = { token: undefined, kind: 'opaque' };

function classifyFresh(token: string): TokenKind {
  const raw = normalizeToken(token);
  const parts = raw.split('.');
  try {
    if (parts.length === 3) {
      decodeJwt(raw);
      return 'jwt';
    }
    if (parts.length === 5) {
      const header = decodeHeader(parts[0]!);
      return typeof header.enc === 'string' ? 'jwe' : 'opaque';
    }
  } catch {
    // Three dot-separated parts that do not decode are some other format (e.g. PASETO-like).
  }
  return 'opaque';
}

function partLabel(part: JwtPartName): string {
  return `${part} (part ${PART_NAMES.indexOf(part) + 1} of 3)`;
}

function encryptedError(headerPart: string): OidcError {
  let detail = '';
  try {
    const header = decodeJsonPart(headerPart, 'header');
    const names = ['alg', 'enc'].filter((k) => typeof header[k] === 'string').map((k) => `${k} ${String(header[k])}`);
    if (names.length > 0) detail = ` (${names.join(', ')})`;
  } catch {
    // The header is only used for a nicer message.
  }
  return new OidcError(
    'jwt.encrypted',
    `The token is an encrypted JWT (JWE, 5 parts)${detail}: its claims cannot be decoded without the decryption key.`,
    {
      where: 'token',
      hint: 'Only the intended recipient can read it; ask the authorization server for a signed (JWS) token, or introspect it.',
    },
  );
}

function partsError(count: number): OidcError {
  const dots = count - 1;
  if (dots === 0) {
    return new OidcError(
      'jwt.malformed.parts',
      'The token has no dots, so it is not a JWT: it looks like an opaque (reference) token.',
      {
        where: 'token',
        hint: 'Opaque tokens cannot be decoded; ask the authorization server about them with introspection.',
      },
    );
  }
  return new OidcError(
    'jwt.malformed.parts',
    `The token has ${count} parts (${dots} dot${dots === 1 ? '' : 's'}); a signed JWT has 3 parts (header.payload.signature) and an encrypted one has 5.`,
    {
      where: 'token',
      hint: 'Check that the whole token was copied, without line breaks or a cut-off end.',
    },
  );
}

function checkBase64url(segment: string, part: JwtPartName): void {
  if (!BASE64URL.test(segment)) {
    const index = [...segment].findIndex((ch) => !/[A-Za-z0-9_-]/.test(ch));
    const ch = [...segment][index] ?? '';
    throw new OidcError(
      'jwt.malformed.base64',
      `The ${partLabel(part)} is not base64url: it contains ${describeChar(ch)} at position ${index + 1}.`,
      { where: `token ${part}`, hint: base64Hint(ch) },
    );
  }
  if (segment.length % 4 === 1) {
    throw new OidcError(
      'jwt.malformed.base64',
      `The ${partLabel(part)} has a length (${segment.length}) that no base64url text can have.`,
      {
        where: `token ${part}`,
        hint: 'The token was probably cut when it was copied; copy it again in full.',
      },
    );
  }
}

function describeChar(ch: string): string {
  if (ch === '=') return 'padding "="';
  if (/\s/.test(ch)) return 'whitespace or a line break';
  if (/^[\x21-\x7e]$/.test(ch)) return `the character "${ch}"`;
  return `the character U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

function base64Hint(ch: string): string {
  if (ch === '+' || ch === '/' || ch === '=') {
    return 'JWTs use unpadded base64url ("-" and "_" instead of "+" and "/", no "="); the token was re-encoded or is not a JWT.';
  }
  if (/\s/.test(ch)) return 'Remove line breaks and spaces that crept in when the token was copied.';
  return 'Check that only the token was copied, without surrounding text.';
}

/**
 * Every token of one signer carries the same header bytes (alg, kid, typ), and verifying one
 * decoded it twice (here and in jose): the last header's parse is kept by its exact text and
 * shared, frozen like everything decodeJwt hands out.
 */
let lastHeader: { segment: string; value: Record<string, unknown> } | undefined;

function decodeHeader(segment: string): Record<string, unknown> {
  const last = lastHeader;
  if (last !== undefined && last.segment === segment) return last.value;
  // Frozen, so the next token with the same header can share it.
  const value = Object.freeze(decodeJsonPart(segment, 'header'));
  lastHeader = { segment, value };
  return value;
}

function decodeJsonPart(segment: string, part: JwtPartName): Record<string, unknown> {
  if (segment === '') {
    throw new OidcError('jwt.malformed.json', `The ${partLabel(part)} is empty; it must be base64url-encoded JSON.`, {
      where: `token ${part}`,
      hint: 'Check that the whole token was copied.',
    });
  }
  checkBase64url(segment, part);
  let text: string;
  try {
    // Node's decoder: checkBase64url has already refused what it would read leniently, and jose's
    // (atob and a byte loop) cost as much as the JSON.parse after it.
    text = utf8.decode(Buffer.from(segment, 'base64url'));
  } catch (cause) {
    throw new OidcError(
      'jwt.malformed.json',
      `The ${partLabel(part)} does not decode to UTF-8 text, so it cannot be JSON.`,
      {
        where: `token ${part}`,
        hint: 'The part is binary data; the token may be corrupted or not a JWT.',
        cause,
      },
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new OidcError(
      'jwt.malformed.json',
      `The ${partLabel(part)} is base64url but not JSON (${text.length} characters after decoding).`,
      {
        where: `token ${part}`,
        hint: 'The token may be corrupted, or it is a different format that merely has dots in it.',
        cause,
      },
    );
  }
  if (nestedDeeperThan(value, MAX_JSON_DEPTH))
    throw new OidcError(
      'jwt.malformed.json',
      `The ${partLabel(part)} nests lists or objects deeper than ${MAX_JSON_DEPTH} levels; no JWT does.`,
      { where: `token ${part}`, hint: 'This is not a token an IdP issued; check where it came from.' },
    );
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const seen = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    throw new OidcError(
      'jwt.malformed.not_object',
      `The ${partLabel(part)} is JSON ${seen}, but a JWT ${part} must be a JSON object.`,
      {
        where: `token ${part}`,
        hint: 'This is not a JWT as RFC 7519 defines it; check where the token came from.',
      },
    );
  }
  return value as Record<string, unknown>;
}
