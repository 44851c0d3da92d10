import type { HttpExchange } from '../../src/core/http';

/** A recorded token-endpoint exchange to redact and export; override what a test needs. */
export function tokenExchange(overrides: Partial<HttpExchange> = {}): HttpExchange {
  return {
    id: 'ex-1',
    label: 'token endpoint',
    lane: 'idp',
    startedAt: Date.UTC(2026, 0, 2, 3, 4, 5, 600),
    request: {
      method: 'POST',
      url: 'https://idp.example.com/oauth2/default/v1/token',
      headers: [
        ['content-type', 'application/x-www-form-urlencoded'],
        ['authorization', 'Basic Y2xpZW50OnNlY3JldA=='],
        ['accept', 'application/json'],
      ],
      body: 'grant_type=client_credentials&scope=api%3Aread&client_assertion=eyJhbGciOiJSUzI1NiJ9.payload.sig',
      bodySize: 97,
    },
    response: {
      status: 200,
      statusText: 'OK',
      httpVersion: 'HTTP/1.1',
      headers: [
        ['content-type', 'application/json'],
        ['set-cookie', 'sid=abcdef123456; Path=/; HttpOnly'],
      ],
      body: '{"token_type":"Bearer","expires_in":3600,"access_token":"eyJraWQiOiJrMSJ9.eyJzdWIiOiJ4In0.c2ln","scope":"api:read"}',
      bodySize: 111,
      truncated: false,
      contentType: 'application/json',
    },
    timings: { dns: 1.5, connect: 2, tls: 3, send: 0.5, ttfb: 40, download: 1, total: 50 },
    warnings: [],
    secrets: [],
    ...overrides,
  };
}
