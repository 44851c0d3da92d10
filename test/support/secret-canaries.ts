/**
 * A flow whose every secret is a canary: it reads a client secret, a password
 * and an API key from the environment and receives an access, a refresh and
 * an ID token; it sends them in a query (?jwt=), non-Authorization headers and
 * form fields of any name, to a server that echoes everything it got in its
 * error text and headers, and whose answers fail the assertions. Whatever a
 * report, a view or an export shows of the run must hold none of them.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Running } from './loopback-servers';
import { httpServer } from './loopback-servers';

export const CANARY = {
  clientSecret: 'canary-client-secret-7f3a',
  password: 'canary-password-91bd',
  apiKey: 'canary-api-key-c0de',
  accessToken: 'canary-access-token-1111',
  refreshToken: 'canary-refresh-token-2222',
  idToken: 'canary-id-token-3333',
};

/**
 * Each canary as sent: raw, URL-encoded, and the Basic credentials that carry the client secret;
 * and the start of each (a message that cuts a long value must not cut it after a secret's half).
 */
export const FORMS = [
  ...Object.values(CANARY),
  ...Object.values(CANARY).map((canary) => canary.slice(0, 12)),
  ...Object.values(CANARY).map(encodeURIComponent),
  Buffer.from(`app:${CANARY.clientSecret}`).toString('base64'),
];

export function leaks(output: string): string[] {
  return FORMS.filter((form) => output.includes(form));
}

/** Starts the echoing server and writes the flow file into `dir`; the caller closes the server. */
export async function canaryFlow(dir: string): Promise<{ file: string; server: Running }> {
  const server = await httpServer((req, res, body) => {
    if (req.url === '/token') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          access_token: CANARY.accessToken,
          refresh_token: CANARY.refreshToken,
          id_token: CANARY.idToken,
          token_type: 'Bearer',
          expires_in: 3600,
        }),
      );
      return;
    }
    // A server whose error text echoes the request back, as many do.
    res.writeHead(400, {
      'content-type': 'application/json',
      'x-echo-authorization': String(req.headers.authorization),
      'x-echo-api-key': String(req.headers['x-api-key']),
    });
    res.end(
      JSON.stringify({
        error: 'invalid_request',
        error_description: `refused ${req.url} with headers ${JSON.stringify(req.headers)} and body ${body}`,
      }),
    );
  });
  const file = join(dir, 'canary.oidc-flow.yaml');
  writeFileSync(
    file,
    `version: 1
idps:
  fake:
    discovery: false
    endpoints: { token: "${server.url}/token" }
    clientId: app
    clientSecret: \${env:CANARY_CLIENT_SECRET}
    clientAuth: client_secret_basic
flows:
  f:
    steps:
      - { id: tok, type: token, idp: fake, grant: password, username: alice, password: "\${env:CANARY_PASSWORD}" }
      - id: echo
        type: request
        method: POST
        url: "${server.url}/echo"
        query: { jwt: "{{steps.tok.token.access_token}}", rt: "{{steps.tok.token.refresh_token}}" }
        headers:
          X-Token: "{{steps.tok.token.id_token}}"
          X-Api-Key: "\${env:CANARY_API_KEY}"
          Authorization: "Bearer {{steps.tok.token.access_token}}"
        form: { app_key: "\${env:CANARY_CLIENT_SECRET}", pw: "\${env:CANARY_PASSWORD}" }
        continueOnFailure: true
        assert:
          - { header: x-echo-authorization, equals: nope }
          - { header: x-echo-api-key, equals: nope }
          - { json: error_description, equals: ok }
      - id: wrong
        type: request
        url: "${server.url}/again?refresh_token={{steps.tok.token.refresh_token}}&x={{steps.tok.token.access_token}}"
        assert: [{ status: 200 }]
`,
  );
  return { file, server };
}

/** The environment the canary flow reads its secrets from. */
export const CANARY_ENV = {
  CANARY_CLIENT_SECRET: CANARY.clientSecret,
  CANARY_PASSWORD: CANARY.password,
  CANARY_API_KEY: CANARY.apiKey,
};

/**
 * The credentials the extension itself is given (beyond the flow's): a private key picked in the
 * Add IdP wizard, gateway Admin API and Konnect tokens, and an Okta API token in the environment.
 * The key's body is the canary: its PEM armour is no secret.
 */
export const EXTENSION_CANARY = {
  privateKeyBody: 'canaryPrivateKeyBody5e6fAAAA',
  adminToken: 'canary-kong-admin-token-4444',
  konnectToken: 'kpat_canary-konnect-token-5555',
  oktaApiToken: 'canary-okta-api-token-6666',
};

export const CANARY_PRIVATE_KEY = `-----BEGIN PRIVATE KEY-----\n${EXTENSION_CANARY.privateKeyBody}\n-----END PRIVATE KEY-----`;

/**
 * Each value as it could be written anywhere: raw, URL-encoded, base64, base64url, JSON-escaped,
 * as the password of Basic credentials, and its first 12 characters (a cut message).
 */
export function canaryForms(values: readonly string[]): string[] {
  return [
    ...new Set(
      values.flatMap((value) => [
        value,
        value.slice(0, 12),
        encodeURIComponent(value),
        Buffer.from(value).toString('base64'),
        Buffer.from(value).toString('base64url'),
        JSON.stringify(value).slice(1, -1),
        Buffer.from(`app:${value}`).toString('base64'),
      ]),
    ),
  ];
}

/** Every canary, of the flow and of the extension, in every form. */
export const ALL_FORMS = [
  ...canaryForms([...Object.values(CANARY), ...Object.values(EXTENSION_CANARY)]),
  // The whole key too (its base64 is no substring of its body's); not its start, which is the armour.
  ...canaryForms([CANARY_PRIVATE_KEY]).filter((form) => form !== CANARY_PRIVATE_KEY.slice(0, 12)),
];

/** The forms of `values` that `output` holds. */
export function leaksOf(output: string, forms: readonly string[] = ALL_FORMS): string[] {
  return forms.filter((form) => output.includes(form));
}
