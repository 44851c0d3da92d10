import type { CryptoKey, JWK, JWTPayload, JWTHeaderParameters } from 'jose';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { HttpClient, HttpRequest, HttpResponse } from '../../src/core/http/types';

/** 2024-05-01 14:00:00 UTC, in milliseconds. */
export const NOW_MS = Date.UTC(2024, 4, 1, 14, 0, 0);
export const NOW = NOW_MS / 1000;
export const ISSUER = 'https://example.okta.com/oauth2/default';
export const JWKS_URI = `${ISSUER}/v1/keys`;

export interface TestKey {
  alg: string;
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
}

/** A fresh key pair with its public JWK (kid and alg set, as Okta publishes them). */
export async function makeKey(alg: 'RS256' | 'ES256' | 'EdDSA' | 'PS256', kid: string): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { alg, kid, privateKey, publicKey, publicJwk };
}

/** Signs a JWT with the key; the kid goes in the header unless `header.kid` is null. */
export async function sign(
  key: TestKey,
  payload: JWTPayload,
  header: Partial<JWTHeaderParameters> & { kid?: string | null } = {},
): Promise<string> {
  const { kid, ...rest } = header;
  const protectedHeader: JWTHeaderParameters = { alg: key.alg, ...rest };
  if (kid !== null) protectedHeader.kid = kid ?? key.kid;
  return new SignJWT(payload).setProtectedHeader(protectedHeader).sign(key.privateKey);
}

/** Builds a compact token from raw JSON/text parts without signing (for malformed and alg none cases). */
export function rawToken(header: unknown, payload: unknown, signature = ''): string {
  const enc = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
  return `${enc(header)}.${enc(payload)}.${signature}`;
}

/** Claims of a typical valid access token at NOW. */
export function accessClaims(extra: JWTPayload = {}): JWTPayload {
  return {
    iss: ISSUER,
    aud: 'api://default',
    sub: 'user@example.com',
    iat: NOW - 60,
    exp: NOW + 3600,
    jti: 'AT.1',
    ...extra,
  };
}

/** An HttpClient that serves a JWKS from memory and counts fetches. */
export class FakeJwksServer implements HttpClient {
  fetches = 0;
  requests: HttpRequest[] = [];
  status = 200;
  body: string;
  contentType = 'application/json';

  constructor(keys: JWK[]) {
    this.body = JSON.stringify({ keys });
  }

  setKeys(keys: JWK[]): void {
    this.body = JSON.stringify({ keys });
  }

  async send(request: HttpRequest): Promise<HttpResponse> {
    this.fetches += 1;
    this.requests.push(request);
    const { status, body: text, contentType } = this;
    return {
      status,
      headers: { 'content-type': contentType },
      text,
      json: <T>() => JSON.parse(text) as T,
      exchange: {
        id: String(this.fetches),
        label: request.label,
        lane: request.lane ?? 'other',
        startedAt: 0,
        request: { method: request.method, url: request.url, headers: [], bodySize: 0 },
        response: {
          status,
          statusText: '',
          httpVersion: '1.1',
          headers: [['content-type', contentType]],
          body: text,
          bodySize: text.length,
          truncated: false,
          contentType,
        },
        timings: { total: 0 },
        warnings: [],
        secrets: [],
      },
    };
  }
}
