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
