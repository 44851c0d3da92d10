import { loadSignJwt } from '../jwt/jose-loader';
import type { JsonWebKey, KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import type { Clock } from '../clock';
import { systemClock } from '../clock';
import { OidcError } from '../errors';
import type { HttpOptions } from '../http/types';
import { cryptoRandom, randomToken } from './random';
import type { RandomBytes } from './random';
import { CLIENT_AUTH_METHODS } from './client-auth-methods';
import type { ClientAuthMethod } from './client-auth-methods';
import { nodeCrypto } from '../node-crypto';

// The list lives apart so flow-file types need not load jose (issue #14, CLI start).
export { CLIENT_AUTH_METHODS } from './client-auth-methods';
export type { ClientAuthMethod } from './client-auth-methods';

export interface ClientConfig {
  clientId: string;
  authMethod: ClientAuthMethod;
  clientSecret?: string;
  /** private_key_jwt signing key: PEM text or a private JWK. */
  privateKey?: string | JWK;
  keyId?: string;
  /** JWS alg of the client assertion; derived from the key when omitted. */
  signingAlg?: string;
  /** mTLS client certificate (PEM). */
  certificate?: string;
  /** mTLS client key (PEM). */
  certificateKey?: string;
  /**
   * `aud` of JWT assertions: the endpoint being called (default; Okta wants
   * the full URL of the endpoint), the token endpoint, or the issuer.
   */
  assertionAudience?: 'endpoint' | 'token_endpoint' | 'issuer';
}

/** The parts of a request that client authentication may add to. */
export interface ClientAuthTarget {
  form: Record<string, string | undefined>;
  headers?: Record<string, string>;
  options?: Partial<HttpOptions>;
}

export interface ClientAuthResult {
  form: Record<string, string | undefined>;
  headers: Record<string, string>;
  options: Partial<HttpOptions>;
  /** Values to list in the request's `secrets` (each in every form it is sent in). */
  secrets: string[];
}

export interface ClientAuthEnv {
  clock?: Clock;
  random?: RandomBytes;
}

export const JWT_BEARER_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** application/x-www-form-urlencoded encoding of one value (RFC 6749 Appendix B). */
export function formUrlEncode(value: string): string {
  return new URLSearchParams([['', value]]).toString().slice(1);
}

/** The Authorization header value for client_secret_basic (RFC 6749 §2.3.1). */
export function basicAuthorization(clientId: string, clientSecret: string): string {
  return `Basic ${Buffer.from(`${formUrlEncode(clientId)}:${formUrlEncode(clientSecret)}`, 'utf8').toString('base64')}`;
}

/** A secret in each form it may appear on the wire, so redaction catches all of them. */
export function secretForms(value: string | undefined): string[] {
  if (!value) return [];
  return [...new Set([value, formUrlEncode(value), encodeURIComponent(value)])];
}

function missingSecret(client: ClientConfig): OidcError {
  return new OidcError(
    'client_auth.missing_secret',
    `Client "${client.clientId}" uses ${client.authMethod} but no client secret was given.`,
    {
      where: 'client authentication',
      hint: `Set the client secret (from the application's General tab in Okta), or choose the authentication method the application is configured with.`,
    },
  );
}

function invalidKey(client: ClientConfig, why: string, cause?: unknown): OidcError {
  return new OidcError(
    'client_auth.invalid_key',
    `The private key for client "${client.clientId}" cannot be used for private_key_jwt: ${why}.`,
    {
      where: 'client authentication',
      cause,
      hint: 'Give the PRIVATE key as PEM (PKCS#8 "BEGIN PRIVATE KEY" or PKCS#1) or as a JWK with its "d" member; the public half must be registered with the application at the IdP.',
    },
  );
}

function defaultAlg(key: KeyObject): string | undefined {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return 'RS256';
    case 'rsa-pss':
      return 'PS256';
    case 'ed25519':
    case 'ed448':
      return 'EdDSA';
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      return curve === 'prime256v1'
        ? 'ES256'
        : curve === 'secp384r1'
          ? 'ES384'
          : curve === 'secp521r1'
            ? 'ES512'
            : curve === 'secp256k1'
              ? 'ES256K'
              : undefined;
    }
    default:
      return undefined;
  }
}

function readPrivateKey(client: ClientConfig): { key: KeyObject; alg: string; kid?: string } {
  const material = client.privateKey;
  if (material === undefined || material === '') {
    throw new OidcError(
      'client_auth.missing_key',
      `Client "${client.clientId}" uses private_key_jwt but no private key was given.`,
      {
        where: 'client authentication',
        hint: 'Set the private key (PEM or JWK) whose public key is registered with the application at the IdP (Okta: General > Client Credentials > Public keys).',
      },
    );
  }
  let jwk: JWK | undefined;
  if (typeof material === 'string' && material.trim().startsWith('{')) {
    try {
      jwk = JSON.parse(material) as JWK;
    } catch (error) {
      throw invalidKey(client, 'it looks like JSON but does not parse', error);
    }
  } else if (typeof material !== 'string') {
    jwk = material;
  }
  if (jwk && typeof jwk.d !== 'string') throw invalidKey(client, 'the JWK has no "d" member, so it is a public key');
  if (!jwk && typeof material === 'string' && /BEGIN (PUBLIC KEY|CERTIFICATE|RSA PUBLIC KEY)/.test(material)) {
    throw invalidKey(client, 'the PEM is a public key or certificate, not a private key');
  }
  let key: KeyObject;
  try {
    const { createPrivateKey } = nodeCrypto();
    key = jwk ? createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' }) : createPrivateKey(material as string);
  } catch (error) {
    throw invalidKey(client, `it does not parse (${error instanceof Error ? error.message : String(error)})`, error);
  }
  const alg = client.signingAlg ?? jwk?.alg ?? defaultAlg(key);
  if (!alg)
    throw invalidKey(client, `no signing algorithm is known for a ${key.asymmetricKeyType} key; set signingAlg`);
  if (/^HS/.test(alg)) throw invalidKey(client, `${alg} is an HMAC algorithm, which is for client_secret_jwt`);
  return { key, alg, kid: client.keyId ?? jwk?.kid };
}

async function signAssertion(
  client: ClientConfig,
  key: KeyObject | Uint8Array,
  alg: string,
  kid: string | undefined,
  audience: string,
  env: ClientAuthEnv,
): Promise<string> {
  // jose loads when an assertion is signed (private_key_jwt, client_secret_jwt), not with every token request.
  const { SignJWT } = await loadSignJwt();
  const now = Math.floor((env.clock ?? systemClock).now() / 1000);
  const jwt = new SignJWT({})
    .setProtectedHeader(kid ? { alg, kid } : { alg })
    .setIssuer(client.clientId)
    .setSubject(client.clientId)
    .setAudience(audience)
    .setIssuedAt(now)
    .setExpirationTime(now + 60)
    .setJti(randomToken(env.random ?? cryptoRandom, 24));
  try {
    return await jwt.sign(key);
  } catch (error) {
    if (key instanceof Uint8Array) {
      throw new OidcError(
        'client_auth.invalid_key',
        `The client assertion for "${client.clientId}" could not be signed with ${alg}: ${error instanceof Error ? error.message : String(error)}.`,
        {
          where: 'client authentication',
          cause: error,
          hint: 'client_secret_jwt signs with the client secret using HS256, HS384 or HS512; check signingAlg.',
        },
      );
    }
    throw invalidKey(
      client,
      `signing with ${alg} failed (${error instanceof Error ? error.message : String(error)})`,
      error,
    );
  }
}

/**
 * What client_secret_basic and client_secret_post send and mask, made once per client's
 * credentials: a run authenticates every token request with the same client, and rebuilding the
 * Basic header and the secret's three forms cost more per request than the form they go with
 * (issue #14 point 1). Keyed by the client's own config object, so the cache holds the secret no
 * longer than that object lives and nothing a report, log or export walks can reach it; an entry
 * whose id or secret no longer matches the object is made again.
 */
interface SecretCredentials {
  clientId: string;
  clientSecret: string;
  /** client_secret_basic's Authorization value, made when first asked. */
  basic?: string;
  /** What the request lists for redaction, each value once. */
  basicSecrets?: readonly string[];
  postSecrets: readonly string[];
}

const credentialCache = new WeakMap<ClientConfig, SecretCredentials>();

function secretCredentials(client: ClientConfig, clientSecret: string): SecretCredentials {
  const known = credentialCache.get(client);
  if (known !== undefined && known.clientId === client.clientId && known.clientSecret === clientSecret) return known;
  const made: SecretCredentials = { clientId: client.clientId, clientSecret, postSecrets: secretForms(clientSecret) };
  credentialCache.set(client, made);
  return made;
}

function basicCredentials(client: ClientConfig, clientSecret: string): SecretCredentials {
  const made = secretCredentials(client, clientSecret);
  if (made.basic === undefined) {
    const value = basicAuthorization(client.clientId, clientSecret);
    made.basic = value;
    made.basicSecrets = [...new Set([...made.postSecrets, value, value.slice('Basic '.length)])];
  }
  return made;
}

/**
 * A request being built that client authentication adds to in place: the form and headers are the
 * caller's own fresh copies, `options` is made only when mTLS adds to it.
 */
export interface ClientAuthDraft {
  form: Record<string, string | undefined>;
  headers: Record<string, string>;
  options?: Partial<HttpOptions>;
  /** Values to list in the request's `secrets`; each appears once when the draft's list started empty. */
  secrets: string[];
}

/**
 * Adds client authentication to a request: a Basic header, form fields, a
 * signed assertion or mTLS material. `audience` is the assertion's `aud`.
 */
export async function applyClientAuth(
  client: ClientConfig,
  target: ClientAuthTarget,
  audience: string,
  env: ClientAuthEnv = {},
): Promise<ClientAuthResult> {
  const draft: ClientAuthDraft = {
    form: { ...target.form },
    headers: { ...(target.headers ?? {}) },
    options: { ...(target.options ?? {}) },
    secrets: [],
  };
  // A caller-supplied form must never smuggle a secret into a public client's request.
  delete draft.form.client_secret;
  await addClientAuth(client, draft, audience, env);
  return { form: draft.form, headers: draft.headers, options: draft.options!, secrets: draft.secrets };
}

/**
 * applyClientAuth on a draft the caller owns, changed in place. The caller removes any
 * `client_secret` of its own from the form first. It returns a promise only when it signs an
 * assertion: the secret methods finish at once, without a promise and a turn per request. A
 * configuration it cannot use throws.
 */
export function addClientAuth(
  client: ClientConfig,
  draft: ClientAuthDraft,
  audience: string,
  env: ClientAuthEnv = {},
): Promise<void> | undefined {
  const { form, secrets } = draft;
  switch (client.authMethod) {
    case 'client_secret_basic': {
      if (!client.clientSecret) throw missingSecret(client);
      const made = basicCredentials(client, client.clientSecret);
      draft.headers.Authorization = made.basic!;
      for (const value of made.basicSecrets!) secrets.push(value);
      return undefined;
    }
    case 'client_secret_post': {
      if (!client.clientSecret) throw missingSecret(client);
      form.client_id = client.clientId;
      form.client_secret = client.clientSecret;
      for (const value of secretCredentials(client, client.clientSecret).postSecrets) secrets.push(value);
      return undefined;
    }
    case 'client_secret_jwt': {
      if (!client.clientSecret) throw missingSecret(client);
      const alg = client.signingAlg ?? 'HS256';
      if (!/^HS(256|384|512)$/.test(alg)) {
        throw new OidcError(
          'client_auth.invalid_key',
          `client_secret_jwt for "${client.clientId}" cannot use ${alg}.`,
          {
            where: 'client authentication',
            hint: 'client_secret_jwt signs with HS256, HS384 or HS512; use private_key_jwt for RS/ES/PS/EdDSA keys.',
          },
        );
      }
      const secret = client.clientSecret;
      return signAssertion(client, new TextEncoder().encode(secret), alg, client.keyId, audience, env).then(
        (assertion) => {
          form.client_assertion_type = JWT_BEARER_ASSERTION_TYPE;
          form.client_assertion = assertion;
          secrets.push(...secretForms(secret), assertion);
        },
      );
    }
    case 'private_key_jwt': {
      const { key, alg, kid } = readPrivateKey(client);
      return signAssertion(client, key, alg, kid, audience, env).then((assertion) => {
        form.client_assertion_type = JWT_BEARER_ASSERTION_TYPE;
        form.client_assertion = assertion;
        secrets.push(assertion);
      });
    }
    case 'tls_client_auth':
    case 'self_signed_tls_client_auth': {
      if (!client.certificate || !client.certificateKey) {
        throw new OidcError(
          'client_auth.missing_certificate',
          `Client "${client.clientId}" uses ${client.authMethod} but no client certificate and key were given.`,
          {
            where: 'client authentication',
            hint: 'Set the client certificate and its private key (PEM) registered for mutual TLS with the application at the IdP.',
          },
        );
      }
      form.client_id = client.clientId;
      const options = (draft.options ??= {});
      options.cert = client.certificate;
      options.key = client.certificateKey;
      secrets.push(client.certificateKey);
      return undefined;
    }
    case 'none':
      form.client_id = client.clientId;
      return undefined;
    default:
      throw new OidcError(
        'client_auth.unsupported_method',
        `Client authentication method "${String(client.authMethod)}" is not supported.`,
        {
          where: 'client authentication',
          hint: `Use one of: ${CLIENT_AUTH_METHODS.join(', ')}.`,
        },
      );
  }
}
