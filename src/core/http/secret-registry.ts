import { headerValue } from './headers';
import {
  isSecretField,
  isSecretHeader,
  MAY_NAME_SECRET_FIELD,
  redactExchange,
  redactUrlWith,
  SecretForms,
  shareSecretForms,
} from './redact';
import type { RedactOptions } from './redact';
import { parsedJson, recordedJson } from './response-json';
import type { HeaderList, HttpExchange, RecordedResponse } from './types';

/**
 * Every secret value one run read, sent or received (client secrets,
 * passwords, assertions, keys, access/refresh/ID tokens), and the one
 * redactor every exit uses: reporters, error messages, history, exports,
 * the results view. Masking by name misses a token sent as `?jwt=`, in an
 * `X-Token` header or echoed in a server's error text; masking by value
 * catches it wherever it shows up again.
 */
export class SecretRegistry {
  private values = new Set<string>();
  /**
   * Basic credentials already decoded and their password learned: a client_secret_basic run sends
   * the same header with every token request, and decoding it again was a base64 decode an
   * iteration (8.6 µs of `oidc-flow run`'s in a profile, issue #14 point 1).
   */
  private basicDecoded = new Set<string>();
  /** The values' wire forms, grown as values are learned, never computed again (see SecretForms). */
  private forms = new SecretForms();
  /** What list() hands out until a new value arrives. */
  private listed: readonly string[] | undefined;
  /**
   * Exchanges whose headers, query and bodies are not read yet: learning parses them, and a run
   * whose shells print, store or show nothing before its next run (a benchmark, a soak loop)
   * never needs it. Every method that masks or lists learns them first, so what leaves is masked
   * exactly as if they had been learned on arrival. Bounded: past PENDING_LIMIT they are learned.
   */
  private pending: HttpExchange[] = [];
  private static readonly PENDING_LIMIT = 16;

  /**
   * Values learned by a name alone (a cookie, an `X-Session` header) count from this length: a
   * cookie `theme=dark` must not mask every "dark" of a report. Real credentials are longer.
   */
  private static readonly LEARNED_MIN_LENGTH = 8;

  /**
   * Values given to add() whose forms are not made yet: like the pending exchanges, learned the
   * first time something masks or lists (a run's new token each iteration made its forms between
   * the token's answer and the call that uses it, issue #14 point 1). Bounded like them.
   */
  private pendingValues: string[] = [];

  /**
   * Learns secret values; empty and missing ones are ignored. One shorter than any value learned by
   * name is learned at once, since value() skips learning for values whose strings are all shorter.
   */
  add(...values: ReadonlyArray<string | undefined>): void {
    this.addAll(values);
  }

  /** add() of a list as it is: an exchange's secrets without spreading them into arguments. */
  private addAll(values: ReadonlyArray<string | undefined>): void {
    for (const value of values) {
      if (typeof value !== 'string' || this.values.has(value)) continue;
      if (value.length < SecretRegistry.LEARNED_MIN_LENGTH) this.addNow(value);
      else this.pendingValues.push(value);
    }
    if (this.pendingValues.length > SecretRegistry.PENDING_LIMIT) this.learnPending();
  }

  private addNow(value: string): void {
    if (value.trim() === '' || this.values.has(value)) return;
    this.values.add(value);
    this.forms.add(value);
    this.listed = undefined;
  }

  /**
   * Learns what an exchange carried: the secrets its sender listed, credential headers, query
   * parameters and form/JSON fields it sent, and the credentials its answer held (a token
   * response's access_token, refresh_token, id_token...).
   */
  addExchange(exchange: HttpExchange): void {
    // What the exchange carried is learned when asked; the values its sender listed, as add() learns.
    if (exchange.secrets) this.addAll(exchange.secrets);
    this.pending.push(exchange);
    if (this.pending.length > SecretRegistry.PENDING_LIMIT) this.learnPending();
  }

  /** Learns what the pending exchanges carried. */
  private learnPending(): void {
    if (this.pendingValues.length > 0) {
      const values = this.pendingValues;
      this.pendingValues = [];
      for (const value of values) this.addNow(value);
    }
    if (this.pending.length === 0) return;
    const exchanges = this.pending;
    this.pending = [];
    for (const exchange of exchanges) this.learnExchange(exchange);
  }

  private learnExchange(exchange: HttpExchange): void {
    for (const secret of exchange.secrets ?? []) this.addNow(secret);
    const { request, response } = exchange;
    this.addHeaders(request.headers);
    this.addQuery(request.url);
    if (request.body !== undefined) this.addBody(request.body, headerValue(request.headers, 'content-type'));
    if (response) {
      this.addHeaders(response.headers);
      this.addBody(response.body, response.contentType, response);
    }
    for (const hop of exchange.redirects ?? []) this.learnExchange(hop);
  }

  /**
   * Forgets every value (a long-lived runner starts each run with an empty registry). What is
   * already empty is kept: a run that learned nothing (a benchmark's, whose exchanges stay
   * pending) made two arrays, a form set and a Set#clear (a call into V8's C++ runtime) a run;
   * a set that holds something is replaced, as clearing makes a new table anyway
   * (issue #14 point 2). Forms are only ever made with a value (addNow), so no values, no forms;
   * a list handed out shares its forms (shareSecretForms), so those are never grown after it.
   */
  clear(): void {
    if (this.pending.length > 0) this.pending = [];
    if (this.pendingValues.length > 0) this.pendingValues = [];
    if (this.values.size > 0 || this.listed !== undefined) {
      this.values = new Set();
      this.forms = new SecretForms();
    }
    if (this.basicDecoded.size > 0) this.basicDecoded = new Set();
    this.listed = undefined;
  }

  /** The known values, for code that takes a plain list (redactText, redactExchange). */
  list(): readonly string[] {
    this.learnPending();
    if (!this.listed) {
      this.listed = Object.freeze([...this.values]);
      shareSecretForms(this.listed, this.forms);
    }
    return this.listed;
  }

  /** `text` with every known secret masked, in each form it travels in (raw, URL- and JSON-encoded). */
  text(text: string): string {
    this.learnPending();
    return this.forms.redact(text);
  }

  /** A URL with credential parameters and every known secret masked. */
  url(url: string): string {
    // Not through list(): a run that learns a value per iteration would copy every value for each URL it prints.
    this.learnPending();
    return redactUrlWith(url, this.forms);
  }

  /** A deep copy of `value` with every string in it masked by `text`. */
  value<T>(value: T): T {
    // A learned value is at least LEARNED_MIN_LENGTH long, so a value whose strings are all shorter
    // (an assertion's status text, a short field) cannot hold one: its masking needs no learning.
    if (
      (this.pending.length > 0 || this.pendingValues.length > 0) &&
      longestString(value, 0) >= SecretRegistry.LEARNED_MIN_LENGTH
    )
      this.learnPending();
    return maskedCopy(value, this.forms) as T;
  }

  /** The exchange redacted with its own secrets and every other one the run knows. */
  exchange(exchange: HttpExchange, options: Pick<RedactOptions, 'prettyJson'> = {}): HttpExchange {
    this.learnPending();
    // Usually the run learned the exchange's own secrets already: then the shared list serves.
    const own = exchange.secrets ?? [];
    const known = own.every((secret) => this.values.has(secret));
    return redactExchange({ ...exchange, secrets: known ? this.list() : [...own, ...this.list()] }, options);
  }

  private learn(value: string | undefined): void {
    if (value !== undefined && value.length >= SecretRegistry.LEARNED_MIN_LENGTH) this.addNow(value);
  }

  private addHeaders(headers: HeaderList): void {
    for (const [name, value] of headers) {
      if (!isSecretHeader(name)) continue;
      const credentials = /^([A-Za-z][A-Za-z0-9._~+-]*) +(\S.*)$/.exec(value);
      const lower = name.toLowerCase();
      if ((lower === 'authorization' || lower === 'proxy-authorization') && credentials) {
        this.learn(credentials[2]);
        // Basic: the password part is a secret wherever it shows up alone.
        if (/^basic$/i.test(credentials[1]!) && !this.basicDecoded.has(credentials[2]!)) {
          this.basicDecoded.add(credentials[2]!);
          const decoded = Buffer.from(credentials[2]!, 'base64').toString('utf8');
          const colon = decoded.indexOf(':');
          if (colon >= 0) this.learn(decoded.slice(colon + 1));
        }
      } else if (lower === 'cookie' || lower === 'set-cookie') {
        for (const pair of value.split(';').slice(0, lower === 'cookie' ? undefined : 1)) {
          const eq = pair.indexOf('=');
          if (eq >= 0) this.learn(pair.slice(eq + 1).trim());
        }
      } else this.learn(value);
    }
  }

  private addQuery(url: string): void {
    const question = url.indexOf('?');
    if (question >= 0) this.addPairs(url.slice(question + 1).split('#')[0]!);
  }

  /**
   * The credential fields' values of a form or query, as URLSearchParams reads them: split on `&`,
   * the name before the first `=`, `+` and percent-escapes decoded. Only a name that needs it is
   * decoded, and only a credential field's value: URLSearchParams decoded every pair of every
   * token request's form: 8.7 µs an iteration of `oidc-flow run` in a profile (issue #14 point 1).
   */
  private addPairs(text: string): void {
    let start = 0;
    while (start < text.length) {
      let end = text.indexOf('&', start);
      if (end === -1) end = text.length;
      // The pair alone: a search for '=' from `start` in the whole text would read the rest of it
      // again for every pair without one, quadratic on a hostile form.
      const pair = text.slice(start, end);
      const eq = pair.indexOf('=');
      if (pair !== '' && isSecretField(formDecoded(eq === -1 ? pair : pair.slice(0, eq))))
        this.learn(eq === -1 ? '' : formDecoded(pair.slice(eq + 1)));
      start = end + 1;
    }
  }

  /**
   * A request's body, or the body of `response`, whose JSON is parsed once for the registry and the
   * steps that read it (recordedJson). A response's `code` is an error code more often than an
   * authorization code; masking "invalid_token" everywhere would hide the very diagnosis.
   */
  private addBody(body: string, contentType: string | undefined, response?: RecordedResponse): void {
    if (contentType && /application\/x-www-form-urlencoded/i.test(contentType)) {
      this.addPairs(body);
      return;
    }
    const first = body.trimStart()[0];
    if (first !== '{' && first !== '[') return;
    // Parsing a body whose text names no credential field (nor hides a name in a \u escape) finds nothing;
    // an echoed or API answer usually names none, and parsing every one showed in the runner's profile.
    if (!MAY_NAME_SECRET_FIELD.test(body)) return;
    const parsed = response ? recordedJson(response) : parsedJson(body);
    if (parsed) this.learnFields(parsed.value, 0, response ? 'response' : 'request');
  }

  /** The credential fields' values in a parsed JSON body, 8 levels deep. */
  private learnFields(item: unknown, depth: number, side: 'request' | 'response'): void {
    if (depth > 8 || item === null || typeof item !== 'object') return;
    // for-in rather than Object.entries: no pair array per field (a parsed body has only own fields).
    const fields = item as Record<string, unknown>;
    for (const key in fields) {
      const inner = fields[key];
      if (typeof inner === 'string' && isSecretField(key) && !(side === 'response' && key === 'code'))
        this.learn(inner);
      else this.learnFields(inner, depth + 1, side);
    }
  }
}

/** One name or value of a form as URLSearchParams decodes it (`+` a space, percent-escapes as UTF-8). */
function formDecoded(raw: string): string {
  return raw.includes('%') || raw.includes('+') ? new URLSearchParams(`v=${raw}`).get('v')! : raw;
}

/**
 * A deep copy of `item` with every string masked by `forms`. A module function, not a closure made
 * per call: these run for every assertion of every step (bench/runner-overhead.ts's profile).
 */
function maskedCopy(item: unknown, forms: SecretForms): unknown {
  if (typeof item === 'string') return forms.redact(item);
  if (Array.isArray(item)) return item.map((inner) => maskedCopy(inner, forms));
  if (item !== null && typeof item === 'object')
    return Object.fromEntries(Object.entries(item).map(([key, inner]) => [key, maskedCopy(inner, forms)]));
  return item;
}

/** The length of the longest string in `item` (8 levels deep; deeper counts as long, so it is learned for). */
function longestString(item: unknown, depth: number): number {
  if (typeof item === 'string') return item.length;
  if (item === null || typeof item !== 'object') return 0;
  if (depth > 8) return Number.POSITIVE_INFINITY;
  let longest = 0;
  const fields = item as Record<string, unknown>;
  // Keys are not masked (maskedCopy keeps them), so only values count.
  for (const key in fields) longest = Math.max(longest, longestString(fields[key], depth + 1));
  return longest;
}
