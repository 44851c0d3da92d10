import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../../src/cli/cli';
import { captureIo } from '../../support/capture-io';
import { closeAfterEach } from '../../support/close-after-each';
import { httpServer } from '../../support/loopback-servers';

/**
 * No secret leaves a run: a flow reads a client secret, a password and an
 * API key from the environment and receives an access, a refresh and an ID
 * token, all canaries; it sends them in a query (?jwt=), non-Authorization
 * headers and form fields of any name, to a server that echoes everything
 * it got in its error text and headers, and whose answers fail the
 * assertions. Every reporter's output holds none of the canaries, in any
 * form they travelled in.
 */

const CANARY = {
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
const FORMS = [
  ...Object.values(CANARY),
  ...Object.values(CANARY).map((canary) => canary.slice(0, 12)),
  ...Object.values(CANARY).map(encodeURIComponent),
  Buffer.from(`app:${CANARY.clientSecret}`).toString('base64'),
];

function leaks(output: string): string[] {
  return FORMS.filter((form) => output.includes(form));
}

describe('secret canaries: no reporter prints a secret the run read, sent or received', () => {
  const opened = closeAfterEach();
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'oidc-canary-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  async function flowFile(): Promise<string> {
    const server = opened(
      await httpServer((req, res, body) => {
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
      }),
    );
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
    return file;
  }

  const env = {
    CANARY_CLIENT_SECRET: CANARY.clientSecret,
    CANARY_PASSWORD: CANARY.password,
    CANARY_API_KEY: CANARY.apiKey,
  };

  for (const reporter of ['pretty', 'json', 'junit']) {
    it(`the ${reporter} reporter`, async () => {
      const file = await flowFile();
      const c = captureIo({ env });
      assert.equal(await runCli(['run', file, '--reporter', reporter], c.io), 1, c.err());
      const output = c.out() + c.err();
      assert.match(output, /echo/, 'the report is there');
      assert.deepEqual(leaks(output), [], output);
    });
  }

  it('the JSON reporter still reveals them when asked to (--reveal-secrets)', async () => {
    const file = await flowFile();
    const c = captureIo({ env });
    await runCli(['run', file, '--reporter', 'json', '--reveal-secrets'], c.io);
    assert.ok(c.out().includes(CANARY.accessToken));
  });
});
