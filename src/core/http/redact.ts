import { headerValue } from './headers';
import type { HeaderList, HttpExchange, RecordedRequest, RecordedResponse } from './types';

/**
 * Redaction for everything an exchange shows or exports (timeline, curl, HAR,
 * error messages). One mask format everywhere: `[redacted N chars]`, keeping
 * the Authorization scheme and cookie names so the shape stays readable.
 */

export interface RedactOptions {
  /** Show secrets as they are (the user explicitly asked). */
  reveal?: boolean;
  /**
   * Bodies come back as `prettyJson` prints them: the results view shows JSON indented, and
   * printing it while redacting saves parsing a big body a second time.
   */
  prettyJson?: boolean;
}

/** JSON text indented by 2, or the text unchanged when it is not a JSON object or array. */
export function prettyJson(text: string): string {
  const first = text.trimStart()[0];
  if (first !== '{' && first !== '[') return text;
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** Secrets shorter than this are not masked in free text: masking "a" everywhere helps nobody. */
const MIN_SECRET_LENGTH = 4;

const SECRET_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'dpop',
  'x-api-key',
  'kong-admin-token',
  'apikey',
  // Kong's openid-connect plugin also reads bearer tokens from these.
  'access-token',
  'x-access-token',
]);

const SECRET_FIELDS = new Set([
  'client_secret',
  'client_assertion',
  'assertion',
  'token',
  'access_token',
  'refresh_token',
  'id_token',
  'password',
  'code',
  'code_verifier',
  'device_code',
  'subject_token',
  'actor_token',
  'private_key',
  // Credentials by other names: a JWT in ?jwt=, API keys, bare secrets and passwords.
  'jwt',
  'apikey',
  'api_key',
  'secret',
  'passwd',
]);

/**
 * Headers that carry a credential whatever their exact name (X-Token, X-Auth-Token,
 * X-Amz-Security-Token, Private-Token, X-Api-Key, X-Client-Secret, X-Session...).
 */
const SECRET_HEADER_WORD = /(^|-)(token|secret|password|passwd|api-?key|apikey|session)(-|$)/;

/** The mask that replaces a secret value. */
export function mask(value: string): string {
  return `[redacted ${value.length} chars]`;
}

/** Whether a header's value is a credential. */
export function isSecretHeader(name: string): boolean {
  let secret = secretHeaderNames.get(name);
  if (secret === undefined) {
    const lower = name.toLowerCase();
    secret = SECRET_HEADERS.has(lower) || SECRET_HEADER_WORD.test(lower);
    // A few dozen names recur in every exchange; a hostile server's endless new names only refill it.
    if (secretHeaderNames.size >= 256) secretHeaderNames.clear();
    secretHeaderNames.set(name, secret);
  }
  return secret;
}

/** isSecretHeader's answers by the name as written: learning an exchange's secrets asks for each of its headers. */
const secretHeaderNames = new Map<string, boolean>();

/** Whether a form/JSON field or query parameter of this name holds a credential. */
export function isSecretField(name: string): boolean {
  const lower = name.toLowerCase();
  return (
    SECRET_FIELDS.has(lower) || lower.endsWith('_token') || lower.endsWith('_secret') || lower.endsWith('_password')
  );
}

/** Characters that URL, form and JSON encoding all leave as they are. */
const PLAIN_SECRET = /^[A-Za-z0-9._-]*$/;

/** The forms a secret takes on the wire: as is, URL-encoded, form-encoded, JSON-escaped. */
function encodings(secret: string): string[] {
  // Tokens are mostly base64url: every encoding of those characters is the text itself.
  if (PLAIN_SECRET.test(secret)) return secret.length >= MIN_SECRET_LENGTH ? [secret] : [];
  const forms = new Set<string>([secret]);
  try {
    forms.add(encodeURIComponent(secret));
  } catch {
    // Lone surrogates cannot be URL-encoded; the raw form is still masked.
  }
  forms.add(new URLSearchParams({ s: secret }).toString().slice(2));
  forms.add(JSON.stringify(secret).slice(1, -1));
  return [...forms].filter((form) => form.length >= MIN_SECRET_LENGTH);
}

/** One wire form of a secret and the mask that replaces it; `order` is its place among forms of its length. */
interface SecretForm {
  form: string;
  mask: string;
  order: number;
}

/**
 * From this many forms on, redact() looks up which forms a text holds by their first characters
 * instead of searching the text for each form: a run that learns a token per iteration (a 1,000-
 * iteration repeat) masked every line it printed with every token so far, a cost that grew with
 * the run (issue #14, the CLI's CPU per iteration end to end).
 */
const INDEXED_FROM = 64;

/**
 * Every wire form of a set of secrets, longest first, and the one masking pass over a text.
 * Built once per set of secrets and grown as secrets arrive (SecretRegistry), never recomputed.
 */
export class SecretForms {
  private readonly forms: SecretForm[] = [];
  private readonly seen = new Set<string>();
  /** Forms by prefixKey of their first characters, made when first needed, then kept up to date. */
  private byPrefix: Map<number, SecretForm[]> | undefined;
  private added = 0;

  constructor(
    secrets: Iterable<string> = [],
    /** How many forms make redact() use the index; tests lower it to compare the two ways. */
    private readonly indexedFrom = INDEXED_FROM,
  ) {
    for (const secret of secrets) this.add(secret);
  }

  /** Adds a secret's forms (once; values too short to mask are ignored). */
  add(secret: string): void {
    if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH || this.seen.has(secret)) return;
    this.seen.add(secret);
    for (const form of encodings(secret)) {
      // Binary insertion keeps the order without sorting the whole list again.
      let low = 0;
      let high = this.forms.length;
      while (low < high) {
        const mid = (low + high) >>> 1;
        if (this.forms[mid]!.form.length >= form.length) low = mid + 1;
        else high = mid;
      }
      const entry: SecretForm = { form, mask: mask(secret), order: this.added++ };
      this.forms.splice(low, 0, entry);
      if (this.byPrefix) indexForm(this.byPrefix, entry);
    }
  }

  /** `text` with every occurrence of every form masked. */
  redact(text: string): string {
    if (text === '') return text;
    if (this.forms.length >= this.indexedFrom) return this.redactIndexed(text);
    return this.redactEach(text);
  }

  /** redact() testing each form that fits in the text, longest first. */
  private redactEach(text: string): string {
    // A form longer than the text cannot occur in it, and the list is longest first: every form
    // before the first that fits is longer than the text, so none of them can match while nothing
    // is masked yet, and skipping them changes nothing. A run that learns a token per iteration
    // masks every short line it prints; testing each of those tokens made the cost grow with the
    // run's length (issue #14).
    const forms = this.forms;
    let low = 0;
    let high = forms.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (forms[mid]!.form.length > text.length) low = mid + 1;
      else high = mid;
    }
    let out = text;
    for (let i = low; i < forms.length; i += 1) {
      const { form, mask: masked } = forms[i]!;
      if (out.includes(form)) out = out.split(form).join(masked);
    }
    return out;
  }

  /**
   * redact() for many forms: the forms the text holds, found by their first characters at each
   * position, masked in redactEach's order. A mask can only make a new occurrence of a form when
   * the form itself holds a mask's text; a text that still holds any form after the pass is
   * masked by redactEach instead, so no form ever survives. The property test in redact.test.ts
   * holds the result equal to redactEach's, adversarial secrets included.
   */
  private redactIndexed(text: string): string {
    const found = this.occurring(text);
    if (found.length === 0) return text;
    found.sort((a, b) => b.form.length - a.form.length || a.order - b.order);
    let out = text;
    for (const { form, mask: masked } of found) if (out.includes(form)) out = out.split(form).join(masked);
    return this.occurring(out).length === 0 ? out : this.redactEach(text);
  }

  /** The forms that occur in `text`, each once. */
  private occurring(text: string): SecretForm[] {
    if (!this.byPrefix) {
      this.byPrefix = new Map();
      for (const entry of this.forms) indexForm(this.byPrefix, entry);
    }
    const found: SecretForm[] = [];
    for (let i = 0; i + MIN_SECRET_LENGTH <= text.length; i += 1) {
      const candidates = this.byPrefix.get(prefixKey(text, i));
      if (candidates === undefined) continue;
      for (const entry of candidates) if (text.startsWith(entry.form, i) && !found.includes(entry)) found.push(entry);
    }
    return found;
  }
}

/**
 * A number for the four characters (MIN_SECRET_LENGTH) of `text` at `at`: the low 7 bits of each, a small
 * integer. occurring() looks up every position of a text by it; a substring per position was an
 * allocation each, most of the CLI's masking of its step lines (issue #14 point 1). Characters
 * that differ only in their high bits share a key; the lookup's startsWith tells them apart.
 */
function prefixKey(text: string, at: number): number {
  return (
    (text.charCodeAt(at) & 0x7f) |
    ((text.charCodeAt(at + 1) & 0x7f) << 7) |
    ((text.charCodeAt(at + 2) & 0x7f) << 14) |
    ((text.charCodeAt(at + 3) & 0x7f) << 21)
  );
}

function indexForm(index: Map<number, SecretForm[]>, entry: SecretForm): void {
  const prefix = prefixKey(entry.form, 0);
  const list = index.get(prefix);
  if (list) list.push(entry);
  else index.set(prefix, [entry]);
}

/**
 * The forms of a list, by the list's identity: redactExchange masks a dozen
 * texts with one list, a run's registry hands out the same list until it
 * learns a new value. The length guards against a list that grew since.
 */
const formsByList = new WeakMap<readonly string[], { length: number; forms: SecretForms }>();

function formsOf(secrets: readonly string[]): SecretForms {
  const known = formsByList.get(secrets);
  if (known && known.length === secrets.length) return known.forms;
  const forms = new SecretForms(secrets);
  formsByList.set(secrets, { length: secrets.length, forms });
  return forms;
}

/** Lets `secrets` (a list that will not change) be masked with forms its owner keeps up to date. */
export function shareSecretForms(secrets: readonly string[], forms: SecretForms): void {
  formsByList.set(secrets, { length: secrets.length, forms });
}

/** Masks every occurrence of every listed secret (and its URL/JSON encodings) in `text`. */
export function redactText(text: string, secrets: readonly string[]): string {
  if (secrets.length === 0 || text === '') return text;
  return formsOf(secrets).redact(text);
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}

/** Masks the values of credential-named pairs in an `a=1&b=2` string, leaving the rest byte for byte. */
function redactPairs(text: string): string {
  return text
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return pair;
      const name = safeDecode(pair.slice(0, eq));
      return isSecretField(name) ? `${pair.slice(0, eq)}=${mask(safeDecode(pair.slice(eq + 1)))}` : pair;
    })
    .join('&');
}

/** Masks credential query parameters, URL passwords and listed secrets in a URL (absolute or relative). */
export function redactUrl(url: string, secrets: readonly string[] = []): string {
  return redactUrlWith(url, secrets.length === 0 ? NO_FORMS : formsOf(secrets));
}

const NO_FORMS = new SecretForms();

/** redactUrl with forms kept by their owner (a run's registry), without making a list of its secrets first. */
export function redactUrlWith(url: string, forms: SecretForms): string {
  const hash = url.indexOf('#');
  const beforeHash = hash < 0 ? url : url.slice(0, hash);
  const fragment = hash < 0 ? '' : `#${redactPairs(url.slice(hash + 1))}`;
  const question = beforeHash.indexOf('?');
  let base = question < 0 ? beforeHash : beforeHash.slice(0, question);
  const query = question < 0 ? '' : `?${redactPairs(beforeHash.slice(question + 1))}`;
  const userinfo = /^([a-z][a-z0-9+.-]*:\/\/[^/@:]*):([^/@]*)@/i.exec(base);
  if (userinfo) base = `${userinfo[1]}:${mask(safeDecode(userinfo[2]!))}@${base.slice(userinfo[0].length)}`;
  return forms.redact(`${base}${query}${fragment}`);
}

function redactCookieList(value: string): string {
  return value
    .split(';')
    .map((part) => {
      const eq = part.indexOf('=');
      return eq < 0 ? part : `${part.slice(0, eq)}=${mask(part.slice(eq + 1).trim())}`;
    })
    .join(';');
}

function redactHeaderValue(name: string, value: string): string {
  const lower = name.toLowerCase();
  if (!isSecretHeader(lower)) return value;
  if (lower === 'authorization' || lower === 'proxy-authorization') {
    const scheme = /^([A-Za-z][A-Za-z0-9._~+-]*) +(\S.*)$/.exec(value);
    return scheme ? `${scheme[1]} ${mask(scheme[2]!)}` : mask(value);
  }
  if (lower === 'cookie') return redactCookieList(value);
  if (lower === 'set-cookie') {
    // Only the first pair is the cookie; Path, Expires and the like stay readable.
    const semi = value.indexOf(';');
    const first = semi < 0 ? value : value.slice(0, semi);
    const eq = first.indexOf('=');
    const masked = eq < 0 ? mask(first) : `${first.slice(0, eq)}=${mask(first.slice(eq + 1))}`;
    return semi < 0 ? masked : masked + value.slice(semi);
  }
  return mask(value);
}

/** Masks credential headers and listed secrets in a header list. */
export function redactHeaders(headers: HeaderList, secrets: readonly string[] = []): HeaderList {
  return headers.map(([name, value]) => [name, redactText(redactHeaderValue(name, value), secrets)]);
}

/**
 * Every name isSecretField accepts contains one of these (any case, the Kelvin sign K too: hence `u`);
 * `\\u` catches an escaped name. A JSON text it does not match names no credential field.
 */
export const MAY_NAME_SECRET_FIELD = /token|secret|password|passwd|assertion|code|jwt|api_?key|private_key|\\u/iu;

function redactJsonValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactJsonValue);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      out[key] =
        isSecretField(key) && (typeof inner === 'string' || typeof inner === 'number')
          ? mask(String(inner))
          : redactJsonValue(inner);
    }
    return out;
  }
  return value;
}

function looksLikeJson(text: string, contentType: string | undefined): boolean {
  if (contentType && /[/+]json\b/i.test(contentType)) return true;
  const first = text.trimStart()[0];
  return first === '{' || first === '[';
}

/** Masks credential fields in a form or JSON body and listed secrets anywhere in it; never throws. */
export function redactBody(
  body: string,
  contentType: string | undefined,
  secrets: readonly string[] = [],
  options: Pick<RedactOptions, 'prettyJson'> = {},
): string {
  let out = body;
  let printed = false;
  try {
    if (contentType && /application\/x-www-form-urlencoded/i.test(contentType)) {
      out = redactPairs(body);
    } else if (looksLikeJson(body, contentType)) {
      const parsed: unknown = JSON.parse(body);
      // A body that names no credential field has nothing to mask by name: copying it field by field
      // took a third of the results view's time for a 5 MB API answer (bench/results-view.ts).
      const masked = MAY_NAME_SECRET_FIELD.test(body) ? redactJsonValue(parsed) : parsed;
      out = JSON.stringify(masked, null, options.prettyJson || body.includes('\n') ? 2 : undefined);
      printed = true;
    }
  } catch {
    // Not valid JSON (or anything else odd): fall back to masking the listed secrets only.
    out = body;
  }
  const masked = redactText(out, secrets);
  return options.prettyJson && !printed ? prettyJson(masked) : masked;
}

function redactRequest(request: RecordedRequest, secrets: readonly string[], options: RedactOptions): RecordedRequest {
  const contentType = headerValue(request.headers, 'content-type');
  return {
    ...request,
    url: redactUrl(request.url, secrets),
    headers: redactHeaders(request.headers, secrets),
    ...(request.body === undefined ? {} : { body: redactBody(request.body, contentType, secrets, options) }),
  };
}

function redactResponse(
  response: RecordedResponse,
  secrets: readonly string[],
  options: RedactOptions,
): RecordedResponse {
  const headers: HeaderList = response.headers.map(([name, value]) => {
    // Redirect targets can carry codes and tokens in their query or fragment.
    const urlValued = name.toLowerCase() === 'location' || name.toLowerCase() === 'content-location';
    return [name, urlValued ? redactUrl(value, secrets) : value];
  });
  return {
    ...response,
    headers: redactHeaders(headers, secrets),
    body: redactBody(response.body, response.contentType, secrets, options),
  };
}

function copyExchange(exchange: HttpExchange): HttpExchange {
  // Bodies are strings, which nobody can change: the copy shares them. Cloning a 5 MB answer's body
  // only to replace it with its redacted text cost the results view a copy and its garbage.
  const { request, response } = exchange;
  const copy = structuredClone({
    ...exchange,
    secrets: [],
    request: { ...request, body: undefined },
    ...(response ? { response: { ...response, body: '' } } : {}),
  }) as HttpExchange;
  if ('body' in request) copy.request.body = request.body;
  else delete copy.request.body;
  if (response && copy.response) copy.response.body = response.body;
  return copy;
}

/** A deep copy without the `secrets` list, with credentials masked unless `reveal`. */
export function redactExchange(exchange: HttpExchange, options: RedactOptions = {}): HttpExchange {
  if (options.reveal) {
    const copy = copyExchange(exchange);
    if (exchange.redirects) copy.redirects = exchange.redirects.map((hop) => redactExchange(hop, options));
    return copy;
  }
  const secrets = exchange.secrets ?? [];
  const copy = copyExchange(exchange);
  copy.request = redactRequest(copy.request, secrets, options);
  if (copy.response) copy.response = redactResponse(copy.response, secrets, options);
  if (copy.error) copy.error = { code: copy.error.code, message: redactText(copy.error.message, secrets) };
  copy.warnings = copy.warnings.map((warning) => redactText(warning, secrets));
  if (exchange.redirects) {
    // A hop's own secrets plus the final request's: the same token travels the whole chain.
    copy.redirects = exchange.redirects.map((hop) =>
      redactExchange({ ...hop, secrets: [...(hop.secrets ?? []), ...secrets] }, options),
    );
  }
  return copy;
}
