/**
 * A JWKS fetched through the project's HttpClient (so every fetch shows up
 * in the timeline and HAR), cached, and refetched when a token names a key
 * the cached set does not have (key rotation), at most once per cooldown.
 */
import type { JWK, JWTVerifyGetKey } from 'jose';
import type { Clock } from '../clock';
import { systemClock } from '../clock';
import { OidcError } from '../errors';
import { headerValue } from '../http/headers';
import type { HttpClient } from '../http/types';
import type { JwsAlgorithmInfo } from './algorithms';
import { jwsAlgorithmInfo } from './algorithms';
import { loadImportJwk } from './jose-loader';

export interface JwksCacheOptions {
  http: HttpClient;
  jwksUri: string;
  clock?: Clock;
  /** How long a fetched set is used before it is fetched again; default 10 minutes. */
  maxAgeMs?: number;
  /** Minimum time between fetches triggered by an unknown key; default 30 seconds. */
  cooldownMs?: number;
  /** Endpoint name in the timeline and in errors; default "JWKS endpoint". */
  label?: string;
}

export interface JwkSet {
  keys: JWK[];
}

export interface KeyHeader {
  kid?: string;
  alg?: string;
}

type Selection =
  { kind: 'found'; jwk: JWK } | { kind: 'unknown_kid' } | { kind: 'none'; reason: string; retry: boolean };

// Members that only a private key has; a JWKS must not publish them, and verification never needs them.
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

export class JwksCache {
  readonly jwksUri: string;
  private readonly http: HttpClient;
  private readonly clock: Clock;
  private readonly maxAgeMs: number;
  private readonly cooldownMs: number;
  private refetchedAt?: number;
  private readonly label: string;
  private keySet?: JwkSet;
  private fetchedAt?: number;
  private inFlight?: Promise<JwkSet>;
  private imported = new WeakMap<JWK, Map<string, Promise<CryptoKey | Uint8Array>>>();
  /**
   * The key the last token resolved to, for the set it came from. Every token of a run names the
   * same kid and alg, and selecting and importing again cost a tenth of a verification; a new
   * set (fetch) or an expired one drops it, so rotation and maxAgeMs behave as without it.
   */
  private lastKey?: { kid: string | undefined; alg: string; keySet: JwkSet; key: CryptoKey | Uint8Array };
  // One resolver for the cache's life: jose calls it per token, and a closure per call is garbage.
  private readonly resolver: JWTVerifyGetKey = (protectedHeader) =>
    this.cachedKey(protectedHeader) ?? this.resolveKey(protectedHeader);

  constructor(options: JwksCacheOptions) {
    this.http = options.http;
    this.jwksUri = options.jwksUri;
    this.clock = options.clock ?? systemClock;
    this.maxAgeMs = options.maxAgeMs ?? 10 * 60_000;
    this.cooldownMs = options.cooldownMs ?? 30_000;
    this.label = options.label ?? 'JWKS endpoint';
  }

  /** Epoch milliseconds of the last successful fetch, undefined before the first. */
  get lastFetchedAt(): number | undefined {
    return this.fetchedAt;
  }

  /** The key set, from the cache while it is younger than maxAgeMs, otherwise fetched. */
  async getKeySet(): Promise<JwkSet> {
    if (this.keySet && this.fetchedAt !== undefined && this.clock.now() - this.fetchedAt < this.maxAgeMs)
      return this.keySet;
    return this.refresh();
  }

  /** Fetches the key set now (concurrent callers share one request). */
  refresh(): Promise<JwkSet> {
    this.inFlight ??= this.fetch().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /** The public key that verifies a token with this header; refetches once on an unknown key. */
  resolveKey(header: KeyHeader): Promise<CryptoKey | Uint8Array> {
    const cached = this.cachedKey(header);
    return cached === undefined ? this.selectAndImport(header) : Promise.resolve(cached);
  }

  /**
   * The key the previous token with this kid and alg resolved to, while its set is still fresh;
   * undefined when it must be resolved (resolveKey, keyResolver). Never fetches.
   */
  cachedKey(header: KeyHeader): CryptoKey | Uint8Array | undefined {
    const last = this.lastKey;
    if (last === undefined || last.alg !== header.alg || last.kid !== header.kid || last.keySet !== this.keySet)
      return undefined;
    return this.fetchedAt !== undefined && this.clock.now() - this.fetchedAt < this.maxAgeMs ? last.key : undefined;
  }

  private async selectAndImport(header: KeyHeader): Promise<CryptoKey | Uint8Array> {
    const alg = header.alg;
    const info = typeof alg === 'string' ? jwsAlgorithmInfo(alg) : undefined;
    if (alg === undefined || info === undefined) {
      throw new OidcError(
        'jwt.no_matching_key',
        `The token's algorithm (${alg === undefined ? 'none given' : `alg ${alg}`}) cannot be verified with keys from a JWKS.`,
        {
          where: this.where(),
          hint: 'A JWKS holds RSA, EC or OKP public keys for RS*, PS*, ES* and EdDSA tokens.',
        },
      );
    }
    if (info.symmetric) {
      throw new OidcError(
        'jwt.no_matching_key',
        `The token uses ${alg}, a shared-secret (HMAC) algorithm; a JWKS only publishes public keys.`,
        {
          where: this.where(),
          hint: 'Verify HS* tokens with the shared secret, or configure the authorization server to sign with RS256/ES256.',
        },
      );
    }
    const kid = typeof header.kid === 'string' ? header.kid : undefined;
    const fetchedBefore = this.fetchedAt;
    let keySet = await this.getKeySet();
    // A set fetched for this very call is as fresh as a refetch would be.
    const justFetched = this.fetchedAt !== fetchedBefore;
    let selection = select(keySet, kid, alg, info);
    if (
      selection.kind !== 'found' &&
      (selection.kind === 'unknown_kid' || selection.retry) &&
      !justFetched &&
      this.cooledDown()
    ) {
      this.refetchedAt = this.clock.now();
      keySet = await this.refresh();
      selection = select(keySet, kid, alg, info);
    }
    if (selection.kind === 'unknown_kid') throw this.unknownKid(kid ?? '', keySet);
    if (selection.kind === 'none') {
      throw new OidcError('jwt.no_matching_key', `No key in the JWKS fits the token: ${selection.reason}`, {
        where: this.where(),
        hint: 'Compare the token header (alg, kid) with the JWKS; the token may come from another issuer.',
      });
    }
    const key = await this.importKey(selection.jwk, alg);
    // Remembered only once imported, so a key that failed to import is selected (and fails) anew.
    if (this.keySet === keySet) this.lastKey = { kid, alg, keySet, key };
    return key;
  }

  /** A jose key resolver backed by this cache, for jwtVerify/compactVerify. */
  keyResolver(): JWTVerifyGetKey {
    return this.resolver;
  }

  private where(): string {
    return `${this.label} ${this.jwksUri}`;
  }

  /**
   * The cooldown limits refetches triggered by unknown keys (a flood of forged
   * kids must not become a flood of JWKS requests); a routine fetch does not
   * start it, so the first token signed after a rotation is verified at once.
   */
  private cooledDown(): boolean {
    return this.refetchedAt === undefined || this.clock.now() - this.refetchedAt >= this.cooldownMs;
  }

  private async fetch(): Promise<JwkSet> {
    const response = await this.http.send({
      method: 'GET',
      url: this.jwksUri,
      headers: { accept: 'application/jwk-set+json, application/json' },
      label: this.label,
      lane: 'idp',
    });
    if (response.status < 200 || response.status > 299) {
      throw new OidcError(
        'jwks.fetch_failed',
        `The ${this.label} answered HTTP ${response.status} instead of a JWK set.`,
        {
          where: this.where(),
          status: response.status,
          hint: fetchHint(response.status),
        },
      );
    }
    const keySet = parseKeySet(response.text, response.headers, this.where());
    this.keySet = keySet;
    this.fetchedAt = this.clock.now();
    // Imported keys belong to the old set's objects; a new set starts clean.
    this.imported = new WeakMap();
    return keySet;
  }

  private unknownKid(kid: string, keySet: JwkSet): OidcError {
    const kids = keySet.keys.map((k) => (typeof k.kid === 'string' ? `"${k.kid}"` : '(no kid)'));
    const fetched = this.fetchedAt === undefined ? '' : ` (fetched ${new Date(this.fetchedAt).toISOString()})`;
    return new OidcError(
      'jwt.unknown_kid',
      `The token was signed with key "${kid}", which is not in the JWKS${fetched}; the JWKS has ${kids.length === 0 ? 'no keys' : `kids ${kids.join(', ')}`}.`,
      {
        where: this.where(),
        hint: "Were the keys rotated, or does the token come from another issuer than this JWKS (e.g. Okta org vs custom authorization server)? Check the token's iss against the jwks_uri.",
      },
    );
  }

  private importKey(jwk: JWK, alg: string): Promise<CryptoKey | Uint8Array> {
    let byAlg = this.imported.get(jwk);
    if (!byAlg) {
      byAlg = new Map();
      this.imported.set(jwk, byAlg);
    }
    let pending = byAlg.get(alg);
    if (!pending) {
      const publicJwk: JWK = { ...jwk };
      for (const member of PRIVATE_MEMBERS) delete (publicJwk as Record<string, unknown>)[member];
      delete publicJwk.key_ops;
      // jose loads with the first key imported, not with this module (issue #14, CLI start).
      pending = loadImportJwk()
        .then(({ importJWK }) => importJWK(publicJwk, alg))
        .catch((cause: unknown) => {
          byAlg.delete(alg);
          throw new OidcError(
            'jwks.invalid',
            `The key "${jwk.kid ?? '(no kid)'}" in the JWKS cannot be used for ${alg}: ${cause instanceof Error ? cause.message : String(cause)}`,
            {
              where: this.where(),
              hint: 'The key is malformed; check the JWKS the authorization server publishes.',
              cause,
            },
          );
        });
      byAlg.set(alg, pending);
    }
    return pending;
  }
}

function fetchHint(status: number): string {
  if (status === 404)
    return 'Check the jwks_uri (take it from the discovery document; Okta: /oauth2/{authServerId}/v1/keys).';
  if (status === 401 || status === 403)
    return 'A JWKS is public; a proxy, a wrong URL or an IP allow-list is in the way.';
  if (status >= 500) return 'The authorization server failed; try again later.';
  if (status >= 300 && status < 400) return 'The endpoint redirects; use the final URL or allow redirects.';
  return 'Check the jwks_uri in the discovery document.';
}

function parseKeySet(text: string, headers: Record<string, string>, where: string): JwkSet {
  const contentType = headerValue(headers, 'content-type') ?? '';
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    const html = /html/i.test(contentType) || /^\s*</.test(text);
    throw new OidcError(
      'jwks.invalid',
      `The JWKS endpoint answered ${html ? 'HTML' : 'text that is not JSON'}${contentType ? ` (${contentType})` : ''}, not a JWK set.`,
      {
        where,
        hint: html
          ? 'An HTML page (login, error or proxy page) came back; check the URL.'
          : 'Check the jwks_uri in the discovery document.',
        cause,
      },
    );
  }
  if (
    value === null ||
    typeof value !== 'object' ||
    Array.isArray(value) ||
    !Array.isArray((value as { keys?: unknown }).keys)
  ) {
    const looksLikeDiscovery = value !== null && typeof value === 'object' && 'jwks_uri' in value;
    throw new OidcError(
      'jwks.invalid',
      'The JWKS endpoint answered JSON without a "keys" array, so it is not a JWK set.',
      {
        where,
        hint: looksLikeDiscovery
          ? 'That is a discovery document; use its jwks_uri instead.'
          : 'Check the jwks_uri in the discovery document.',
      },
    );
  }
  const keys = (value as { keys: unknown[] }).keys;
  const bad = keys.findIndex(
    (k) => k === null || typeof k !== 'object' || Array.isArray(k) || typeof (k as { kty?: unknown }).kty !== 'string',
  );
  if (bad !== -1) {
    throw new OidcError('jwks.invalid', `Key number ${bad + 1} in the JWK set is not a JWK (it needs a "kty").`, {
      where,
      hint: 'The authorization server publishes a broken JWKS; check its key configuration.',
    });
  }
  return { keys: keys as JWK[] };
}

function usableFor(jwk: JWK, alg: string, info: JwsAlgorithmInfo): string | undefined {
  if (jwk.kty !== info.kty) return `key "${jwk.kid ?? '(no kid)'}" is ${jwk.kty}, but ${alg} needs ${info.kty}`;
  if (info.crv !== undefined && jwk.crv !== info.crv)
    return `key "${jwk.kid ?? '(no kid)'}" is on curve ${jwk.crv ?? '(none)'}, but ${alg} needs ${info.crv}`;
  if (jwk.use !== undefined && jwk.use !== 'sig')
    return `key "${jwk.kid ?? '(no kid)'}" is for use "${jwk.use}", not signatures`;
  if (jwk.alg !== undefined && jwk.alg !== alg)
    return `key "${jwk.kid ?? '(no kid)'}" is for ${jwk.alg}, but the token uses ${alg}`;
  if (Array.isArray(jwk.key_ops) && !jwk.key_ops.includes('verify'))
    return `key "${jwk.kid ?? '(no kid)'}" does not allow "verify"`;
  return undefined;
}

function select(keySet: JwkSet, kid: string | undefined, alg: string, info: JwsAlgorithmInfo): Selection {
  if (kid !== undefined) {
    const sameKid = keySet.keys.filter((k) => k.kid === kid);
    if (sameKid.length === 0) return { kind: 'unknown_kid' };
    const fitting = sameKid.filter((k) => usableFor(k, alg, info) === undefined);
    if (fitting.length === 1) return { kind: 'found', jwk: fitting[0]! };
    if (fitting.length === 0) return { kind: 'none', reason: `${usableFor(sameKid[0]!, alg, info)}.`, retry: false };
    return { kind: 'none', reason: `${fitting.length} keys share kid "${kid}" and fit ${alg}.`, retry: false };
  }
  const fitting = keySet.keys.filter((k) => usableFor(k, alg, info) === undefined);
  if (fitting.length === 1) return { kind: 'found', jwk: fitting[0]! };
  if (fitting.length === 0)
    return { kind: 'none', reason: `the token has no kid and no key in the set fits ${alg}.`, retry: true };
  return {
    kind: 'none',
    reason: `the token has no kid and ${fitting.length} keys fit ${alg}, so the right one cannot be chosen.`,
    retry: false,
  };
}
