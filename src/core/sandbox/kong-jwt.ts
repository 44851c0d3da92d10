import { createHmac, createPublicKey, timingSafeEqual, verify as cryptoVerify } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Clock } from '../clock';
import { resolveDeckRoutes } from '../gateway/deck';
import type { DeckConsumer, DeckFile, DeckPlugin } from '../gateway/deck';
import type { KongLogEntry } from './kong-error-log';
import { kongExit } from './kong-response';
import type { KongExit } from './kong-response';

/**
 * Kong's OSS `jwt` plugin, as kong/plugins/jwt/handler.lua and
 * jwt_parser.lua say at Kong/kong@22246ef28c16842098369b494eef879222e30c7b
 * (Kong 3.8+: refusals carry `error="invalid_token"`). Every refusal is a
 * 401 with the reason in the body and nothing in the error log; credentials
 * are the consumers' jwt_secrets in the decK file.
 */

/** The plugin's configuration with its schema defaults (kong/plugins/jwt/schema.lua). */
export interface JwtPluginRoute {
  uri_param_names: string[];
  cookie_names: string[];
  header_names: string[];
  key_claim_name: string;
  claims_to_verify: string[];
  secret_is_base64: boolean;
  maximum_expiration: number;
  realm?: string;
  anonymous?: string;
}

interface JwtSecret {
  key?: string;
  secret?: string;
  rsa_public_key?: string;
  algorithm?: string;
  consumer: DeckConsumer;
}

function withDefaults(config: Record<string, unknown> | undefined): JwtPluginRoute {
  const list = (v: unknown, d: string[]) => (Array.isArray(v) ? v.map(String) : d);
  const c = config ?? {};
  return {
    uri_param_names: list(c.uri_param_names, ['jwt']),
    cookie_names: list(c.cookie_names, []),
    header_names: list(c.header_names, ['authorization']),
    key_claim_name: typeof c.key_claim_name === 'string' ? c.key_claim_name : 'iss',
    claims_to_verify: list(c.claims_to_verify, []),
    secret_is_base64: c.secret_is_base64 === true,
    maximum_expiration: typeof c.maximum_expiration === 'number' ? c.maximum_expiration : 0,
    realm: typeof c.realm === 'string' ? c.realm : undefined,
    anonymous: typeof c.anonymous === 'string' ? c.anonymous : undefined,
  };
}

/**
 * The jwt plugin that applies to each route (route over service over
 * global), by route name. resolveDeckRoutes resolves only openid-connect, so
 * it is handed a copy where jwt plugins carry that name and the others none.
 */
export function jwtRoutes(deck: DeckFile): Map<string, JwtPluginRoute> {
  const onlyJwt = JSON.parse(JSON.stringify(deck), (key: string, value: unknown) =>
    key === 'plugins' && Array.isArray(value)
      ? (value as DeckPlugin[]).map((p) => ({ ...p, name: p.name === 'jwt' ? 'openid-connect' : `other:${p.name}` }))
      : value,
  ) as DeckFile;
  const out = new Map<string, JwtPluginRoute>();
  for (const route of resolveDeckRoutes(onlyJwt))
    if (route.oidc) out.set(route.route, withDefaults(route.oidc.config as Record<string, unknown>));
  return out;
}

function secretsOf(consumers: readonly DeckConsumer[]): JwtSecret[] {
  const out: JwtSecret[] = [];
  for (const consumer of consumers) {
    const secrets = (consumer as Record<string, unknown>).jwt_secrets;
    if (!Array.isArray(secrets)) continue;
    for (const s of secrets as Array<Record<string, unknown>>) {
      out.push({
        key: typeof s.key === 'string' ? s.key : undefined,
        secret: typeof s.secret === 'string' ? s.secret : undefined,
        rsa_public_key: typeof s.rsa_public_key === 'string' ? s.rsa_public_key : undefined,
        algorithm: typeof s.algorithm === 'string' ? s.algorithm : undefined,
        consumer,
      });
    }
  }
  return out;
}

/** handler.lua retrieve_tokens (28-100): query args, cookies, then headers; distinct tokens counted. */
function retrieveTokens(config: JwtPluginRoute, headers: IncomingHttpHeaders, url: URL): string[] {
  const tokens = new Set<string>();
  for (const name of config.uri_param_names) for (const v of url.searchParams.getAll(name)) if (v !== '') tokens.add(v);
  const cookies = (typeof headers.cookie === 'string' ? headers.cookie : '').split(/;\s*/);
  for (const name of config.cookie_names) {
    const part = cookies.find((c) => c.startsWith(`${name}=`));
    if (part && part.length > name.length + 1) tokens.add(part.slice(name.length + 1));
  }
  for (const name of config.header_names) {
    const raw = headers[name.toLowerCase()];
    const value = Array.isArray(raw) ? raw[0] : raw;
    if (!value) continue;
    const m = /\s*[Bb]earer\s+(.+)/.exec(value);
    if (m && m[1] !== '') tokens.add(m[1]!);
  }
  return [...tokens];
}

const HASH: Record<string, string> = { '256': 'sha256', '384': 'sha384', '512': 'sha512' };

/** jwt_parser.lua alg_verify: the algorithms the plugin knows. */
function verifySignature(alg: string, signingInput: string, signature: Buffer, key: string | Buffer): boolean {
  try {
    const hash = HASH[alg.slice(2)];
    if (alg.startsWith('HS') && hash) {
      const mac = createHmac(hash, key).update(signingInput).digest();
      return mac.length === signature.length && timingSafeEqual(mac, signature);
    }
    const publicKey = createPublicKey(key);
    const data = Buffer.from(signingInput);
    if (alg === 'EdDSA') return cryptoVerify(null, data, publicKey, signature);
    if (!hash) return false;
    if (alg.startsWith('RS')) return cryptoVerify(hash, data, publicKey, signature);
    if (alg.startsWith('PS'))
      return cryptoVerify(hash, data, { key: publicKey, padding: 6 /* RSA_PKCS1_PSS_PADDING */ }, signature);
    if (alg.startsWith('ES')) return cryptoVerify(hash, data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature);
  } catch {
    return false;
  }
  return false;
}

const KNOWN_ALGS = [
  'HS256',
  'HS384',
  'HS512',
  'RS256',
  'RS384',
  'RS512',
  'ES256',
  'ES384',
  'ES512',
  'PS256',
  'PS384',
  'PS512',
  'EdDSA',
];

type Decoded = { header: Record<string, unknown>; claims: Record<string, unknown>; signature: Buffer; input: string };

/** jwt_parser.lua decode_token: any part that fails to decode is "invalid JSON". */
function decodeToken(token: string): Decoded | string {
  const parts = token.split('.');
  const [h, c] = parts;
  const s = parts.slice(2).join('.');
  let header: unknown;
  let claims: unknown;
  try {
    header = JSON.parse(Buffer.from(h ?? '', 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(c ?? '', 'base64url').toString('utf8'));
  } catch {
    return 'invalid JSON';
  }
  const alg = (header as Record<string, unknown> | null)?.alg;
  if (typeof alg !== 'string' || !KNOWN_ALGS.includes(alg)) return 'invalid alg';
  if (!claims || typeof claims !== 'object') return 'invalid claims';
  return {
    header: header as Record<string, unknown>,
    claims: claims as Record<string, unknown>,
    signature: Buffer.from(s, 'base64url'),
    input: `${h}.${c}`,
  };
}

export type JwtPluginOutcome =
  | {
      kind: 'proxy';
      claims: Record<string, unknown>;
      consumer?: DeckConsumer;
      anonymous?: boolean;
      /** The jwt_secret's key: X-Credential-Identifier upstream. */
      credential?: string;
    }
  | { kind: 'exit'; exit: KongExit; reason: string };

/** The plugin's access phase (handler.lua do_authentication 154-270, access 305-330). */
export async function jwtPluginAccess(
  config: JwtPluginRoute,
  request: { headers: IncomingHttpHeaders; url: URL },
  consumers: readonly DeckConsumer[],
  clock: Clock,
  log: (entry: KongLogEntry) => void,
): Promise<JwtPluginOutcome> {
  const base = config.realm ? `Bearer realm="${config.realm}"` : 'Bearer';
  const withError = `${base}${config.realm ? ',' : ''} error="invalid_token"`;
  const refuse = (body: string | Record<string, string>, challenge: string | undefined): JwtPluginOutcome => ({
    kind: 'exit',
    exit: kongExit(
      401,
      typeof body === 'string' ? { message: body } : body,
      challenge ? { 'WWW-Authenticate': challenge } : {},
    ),
    reason: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const decide = (): JwtPluginOutcome => {
    const tokens = retrieveTokens(config, request.headers, request.url);
    if (tokens.length === 0) return refuse('Unauthorized', base);
    if (tokens.length > 1) return refuse('Multiple tokens provided', withError);
    const decoded = decodeToken(tokens[0]!);
    if (typeof decoded === 'string') return refuse(`Bad token; ${decoded}`, withError);
    const name = config.key_claim_name;
    const key = decoded.claims[name] ?? decoded.header[name];
    if (key === undefined || key === null || key === false)
      return refuse(`No mandatory '${name}' in claims`, withError);
    if (key === '') return refuse(`Invalid '${name}' in claims`, withError);
    const secret = secretsOf(consumers).find((s) => s.key === String(key));
    if (!secret) return refuse(`No credentials found for given '${name}'`, withError);
    const algorithm = secret.algorithm ?? 'HS256';
    if (decoded.header.alg !== algorithm) return refuse('Invalid algorithm', withError);
    const symmetric = algorithm.startsWith('HS');
    const value = symmetric
      ? config.secret_is_base64 && secret.secret !== undefined
        ? Buffer.from(secret.secret, 'base64')
        : secret.secret
      : secret.rsa_public_key;
    if (value === undefined) return refuse('Invalid key/secret', withError);
    if (!verifySignature(algorithm, decoded.input, decoded.signature, value))
      return refuse('Invalid signature', withError);
    // jwt_parser.lua registered_claims / verify_registered_claims: only the listed claims, against ngx.time().
    const now = Math.floor(clock.now() / 1000);
    const errors: Record<string, string> = {};
    for (const claim of config.claims_to_verify) {
      const v = decoded.claims[claim];
      if (typeof v !== 'number') errors[claim] = 'must be a number';
      else if (claim === 'nbf' && v > now) errors[claim] = 'token not valid yet';
      else if (claim === 'exp' && v <= now) errors[claim] = 'token expired';
    }
    if (Object.keys(errors).length > 0) return refuse(errors, withError);
    if (config.maximum_expiration > 0) {
      const exp = decoded.claims.exp;
      if (typeof exp !== 'number' || exp - now > config.maximum_expiration)
        return refuse({ exp: 'exceeds maximum allowed expiration' }, withError);
    }
    return { kind: 'proxy', claims: decoded.claims, consumer: secret.consumer, credential: secret.key };
  };
  const outcome = decide();
  if (outcome.kind === 'exit' && config.anonymous) {
    // handler.lua set_anonymous_consumer: by id, else a 500 with an [error] line.
    const anonymous = consumers.find((c) => c.id === config.anonymous || c.username === config.anonymous);
    if (!anonymous) {
      const text = `anonymous consumer ${config.anonymous} is configured but doesn't exist`;
      log({ level: 'error', prefix: '[kong] handler.lua:286 [jwt] ', message: text });
      return { kind: 'exit', exit: kongExit(500, { message: text }), reason: text };
    }
    return { kind: 'proxy', claims: {}, consumer: anonymous, anonymous: true };
  }
  return outcome;
}
