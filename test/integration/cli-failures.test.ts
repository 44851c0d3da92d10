import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { runCli } from '../../src/cli/cli';
import { createCertificateAuthority } from '../../src/core/sandbox/certs';
import { captureIo } from '../support/capture-io';

/**
 * What the CLI prints when a user gets something wrong: every failure says
 * what happened (endpoint, status, claim, file and line), says what to do,
 * shows no stack trace, leaks no secret and leaves the user's files alone.
 * Each case runs `oidc-flow` in-process (runCli, as bin/main does) against
 * small local servers this file starts itself; one case runs the real entry
 * point as a child process.
 */

/** Values that must never be printed: every test sets them in the environment. */
const CLIENT_SECRET = 'cs-do-not-print-7f3a9c2e1b';
const ADMIN_TOKEN = 'kong-admin-do-not-print-55d1e0';

type Captured = ReturnType<typeof captureIo>;

/** Runs one CLI invocation with the secrets in the environment; returns the exit code and both streams. */
async function cli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; out: string; err: string; all: string; c: Captured }> {
  const c = captureIo({ env: { OIDC_CLIENT_SECRET: CLIENT_SECRET, ADMIN_TOKEN, ...env } });
  const code = await runCli(args, c.io);
  return { code, out: c.out(), err: c.err(), all: c.out() + c.err(), c };
}

/** The criteria every failure message must meet, whatever the case. */
function assertClean(text: string, extraSecrets: string[] = []): void {
  assert.doesNotMatch(text, /^\s+at .+(:\d+:\d+\)?|\(node:)/m, `no stack trace in:\n${text}`);
  assert.doesNotMatch(text, /\[object Object\]/, `no [object Object] in:\n${text}`);
  assert.doesNotMatch(text, /\bundefined\b/, `no "undefined" in:\n${text}`);
  assert.doesNotMatch(text, /\bnull\b(?! \()/, `no bare "null" in:\n${text}`);
  for (const secret of [CLIENT_SECRET, ADMIN_TOKEN, ...extraSecrets]) {
    assert.ok(!text.includes(secret), `a secret was printed:\n${text}`);
  }
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

function close(server: Server | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (!server) return resolve();
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

describe('oidc-flow failures: clear messages, no stack traces, no leaked secrets', function () {
  this.timeout(30_000);
  let dir: string;
  let http: Server;
  let https: Server;
  let base: string;
  let tlsBase: string;
  let closedPort: number;
  let tokens: { expired: string; wronglySigned: string };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'oidc-cli-failures-'));

    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const stranger = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };

    http = createServer((req: IncomingMessage, res: ServerResponse) => {
      const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      };
      const url = req.url ?? '/';
      // A stub IdP at /idp: discovery, keys, and an introspection endpoint that fails.
      if (url === '/idp/.well-known/openid-configuration') {
        return json(200, {
          issuer: `${base}/idp`,
          authorization_endpoint: `${base}/idp/authorize`,
          token_endpoint: `${base}/s500`,
          introspection_endpoint: `${base}/s500`,
          jwks_uri: `${base}/idp/keys`,
        });
      }
      if (url === '/idp/keys') return json(200, { keys: [jwk] });
      if (url === '/broken/.well-known/openid-configuration') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end('{\n  "issuer": "x",\n  "token_endpoint": x\n}');
      }
      if (url.startsWith('/login')) {
        res.writeHead(200, { 'content-type': 'text/html' });
        return res.end('<!doctype html><html><body><form>Sign in</form></body></html>');
      }
      if (url.startsWith('/s401'))
        return json(401, { message: 'Unauthorized' }, { 'www-authenticate': 'Bearer realm="x"' });
      if (url.startsWith('/s500')) {
        res.writeHead(500, { 'content-type': 'text/html' });
        return res.end('<html><h1>Internal Server Error</h1></html>');
      }
      json(404, { errorCode: 'E0000022', errorSummary: 'The endpoint does not exist.' });
    });
    const port = await listen(http);
    base = `http://127.0.0.1:${port}`;

    // An https server whose certificate no trusted CA signed.
    const ca = createCertificateAuthority('Untrusted Test CA');
    const leaf = ca.issue({ commonName: '127.0.0.1' });
    https = createHttpsServer({ cert: leaf.cert, key: leaf.key }, (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
    tlsBase = `https://127.0.0.1:${await listen(https)}`;

    // A port nothing listens on: taken, then released.
    const probe = createServer();
    closedPort = await listen(probe);
    await close(probe);

    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: `${base}/idp`, aud: 'api://default', sub: 'u1', scp: ['orders:read'] };
    tokens = {
      expired: await new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setIssuedAt(now - 7200)
        .setExpirationTime(now - 3600)
        .sign(privateKey),
      wronglySigned: await new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
        .setIssuedAt(now)
        .setExpirationTime(now + 3600)
        .sign(stranger.privateKey),
    };
  });

  after(async () => {
    await close(http);
    await close(https);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  describe('options', () => {
    it('an unknown command, an unknown option or an option without its value is named, with where to look (exit 2)', async () => {
      const command = await cli(['tokne']);
      assert.equal(command.code, 2);
      assert.equal(command.out, '');
      assert.match(command.err, /unknown command "tokne"\. Run "oidc-flow help" for the list\./);
      assertClean(command.all);

      const unknown = await cli(['token', '--isuer', 'https://idp.example']);
      assert.equal(unknown.code, 2);
      assert.match(unknown.err, /oidc-flow token: Unknown option '--isuer'/);
      assert.match(unknown.err, /\nUsage: oidc-flow token /);
      assertClean(unknown.all);

      const missing = await cli(['token', '--issuer']);
      assert.equal(missing.code, 2);
      assert.match(missing.err, /Option '--issuer <value>' argument missing/);
      assert.match(missing.err, /\nUsage: oidc-flow token /);
      assertClean(missing.all);
    });

    it('"help" with an unknown command is a usage error naming it, not the main help with exit 0 (exit 2)', async () => {
      const r = await cli(['help', 'nosuch']);
      assert.equal(r.code, 2);
      assert.equal(r.out, '');
      assert.match(r.err, /unknown command "nosuch"\. Run "oidc-flow help" for the list\./);
      assertClean(r.all);
    });

    it('a --proxy that is not an http(s) URL, or has a path, is a usage error that never echoes its password (exit 2)', async () => {
      const password = 'proxy-pw-do-not-print-3e9a';
      for (const [proxy, why] of [
        [
          `bob:${password}@proxy.corp:3128`,
          /--proxy takes an http\(s\) proxy URL, .*; got "\*\*\*@proxy\.corp:3128"\./,
        ],
        [
          `http://bob:${password}@127.0.0.1:${closedPort}/some/path`,
          new RegExp(
            `--proxy takes only the proxy's scheme, host and port, without a path or query; got "http://\\*\\*\\*@127\\.0\\.0\\.1:${closedPort}/some/path"\\.`,
          ),
        ],
        ['not a url', /--proxy takes the proxy's absolute URL, e\.g\. http:\/\/proxy\.example:3128/],
      ] as const) {
        const r = await cli([
          'token',
          '--proxy',
          proxy,
          '--issuer',
          'http://example.invalid/oauth2/default',
          '--client-id',
          'app',
        ]);
        assert.equal(r.code, 2, r.err);
        assert.match(r.err, why);
        assert.doesNotMatch(r.err, /invalid url|discovery/i, 'the discovery URL is not blamed');
        assertClean(r.all, [password]);
      }
    });

    it('a --ca file without a PEM certificate is a usage error naming the file (exit 2)', async () => {
      const path = file('not-a-ca.pem', 'just some text\n');
      const r = await cli(['token', '--ca', path, '--issuer', base, '--client-id', 'app']);
      assert.equal(r.code, 2);
      assert.match(
        r.err,
        new RegExp(
          `The CA file ${path.replace(/[.\\/]/g, '\\$&')} \\(--ca\\) holds no PEM certificate \\(no "-----BEGIN CERTIFICATE-----" line\\)`,
        ),
      );
      assertClean(r.all);
    });

    it('a secret given as a flag is refused without being echoed, and the message names the variable to use (exit 2)', async () => {
      const leaked = 'typed-on-the-command-line-4b2d';
      for (const args of [
        ['token', '--client-secret', leaked, '--issuer', base],
        ['introspect', `--token=${leaked}`],
      ]) {
        const r = await cli(args);
        assert.equal(r.code, 2);
        assert.match(r.err, /is not accepted: a secret given on the command line lands in shell history/);
        assert.match(r.err, /--(client-secret|token)-env NAME/);
        assertClean(r.all, [leaked]);
      }
    });

    it('an issuer that is not a URL, or not http(s), is a usage error naming the flag and the value (exit 2)', async () => {
      const relative = await cli(['token', '--issuer', 'dev-123.okta.com', '--client-id', 'app']);
      assert.equal(relative.code, 2);
      assert.match(relative.err, /--issuer takes an absolute URL, got "dev-123\.okta\.com"\./);
      const ftp = await cli(['token', '--issuer', 'ftp://idp.example', '--client-id', 'app']);
      assert.equal(ftp.code, 2);
      assert.match(ftp.err, /--issuer takes an http\(s\) URL, got "ftp:\/\/idp\.example"\./);
      assertClean(relative.all + ftp.all);
    });
  });

  describe('the IdP cannot be reached or answers wrongly', () => {
    it('a closed port names the discovery URL and host:port and says to check the server (exit 1)', async () => {
      const r = await cli(['token', '--issuer', `http://127.0.0.1:${closedPort}/oauth2/default`, '--client-id', 'app']);
      assert.equal(r.code, 1);
      assert.match(
        r.err,
        new RegExp(
          `discovery \\(http://127\\.0\\.0\\.1:${closedPort}/oauth2/default/\\.well-known/openid-configuration\\) refused the connection`,
        ),
      );
      assert.match(
        r.err,
        new RegExp(
          `nothing accepts connections on 127\\.0\\.0\\.1:${closedPort}\\. Check the port and that the server is running`,
        ),
      );
      assert.match(r.err, /\[http\.connection_refused\]$/m);
      assertClean(r.all);
    });

    it('an https server with an untrusted certificate is named as such, with the URL (exit 1)', async () => {
      const r = await cli(['token', '--issuer', `${tlsBase}/oauth2/default`, '--client-id', 'app']);
      assert.equal(r.code, 1);
      assert.match(
        r.err,
        new RegExp(
          `The TLS certificate of the discovery \\(${tlsBase.replace(/\./g, '\\.')}/oauth2/default/\\.well-known/openid-configuration\\) is not signed by a trusted certificate authority`,
        ),
      );
      assert.match(r.err, /add its PEM certificate with --ca FILE; use --insecure only as a last resort\./);
      assert.doesNotMatch(r.err, /setting|insecureSkipTlsVerify|\(`ca`\)/, 'the CLI names its flags, not settings');
      assert.match(r.err, /\[tls\.unknown_ca\]/);
      assertClean(r.all);
    });

    it('a proxy that cannot be reached is named (without its password) together with the target, not blamed on the target (exit 1)', async () => {
      const password = 'proxy-pw-do-not-print-8b1f';
      const r = await cli([
        'token',
        '--proxy',
        `http://bob:${password}@127.0.0.1:${closedPort}`,
        '--issuer',
        'http://example.invalid/oauth2/default',
        '--client-id',
        'app',
      ]);
      assert.equal(r.code, 1, r.err);
      assert.match(
        r.err,
        new RegExp(
          `Could not reach the proxy http://127\\.0\\.0\\.1:${closedPort} to send the request to the discovery \\(http://example\\.invalid/oauth2/default/\\.well-known/openid-configuration\\): nothing accepts connections on 127\\.0\\.0\\.1:${closedPort}\\.`,
        ),
      );
      assert.match(r.err, /Check the proxy URL \(--proxy or HTTPS_PROXY\)/);
      assert.match(r.err, /\[http\.proxy_unreachable\]/);
      assert.doesNotMatch(r.err, /example\.invalid:80|bob/);
      assertClean(r.all, [password]);
    });

    it('a discovery document labelled application/json that does not parse says so, with the parse position (exit 1)', async () => {
      const r = await cli(['token', '--issuer', `${base}/broken`, '--client-id', 'app']);
      assert.equal(r.code, 1);
      assert.match(
        r.err,
        new RegExp(
          `Discovery at ${base}/broken/\\.well-known/openid-configuration answered HTTP 200 with a body that is not valid JSON, although it is labelled application/json: unexpected token 'x'\\.`,
        ),
      );
      assert.doesNotMatch(r.err, /with application\/json, not JSON/);
      assert.match(r.err, /\[discovery\.not_json\]/);
      assertClean(r.all);
    });

    it('an issuer URL that answers an HTML page says so, with the status and the content type (exit 1)', async () => {
      const r = await cli(['token', '--issuer', `${base}/login`, '--client-id', 'app']);
      assert.equal(r.code, 1);
      assert.match(
        r.err,
        new RegExp(
          `Discovery at ${base}/login/\\.well-known/openid-configuration answered HTTP 200 with text/html, not JSON\\.`,
        ),
      );
      assert.match(r.err, /check the issuer URL/);
      assert.match(r.err, /\[discovery\.not_json\]/);
      assertClean(r.all);
    });

    it('a wrong issuer path lists every metadata URL tried with its status and shows the Okta issuer forms (exit 1)', async () => {
      const r = await cli(['token', '--issuer', `${base}/oauth2/wrong`, '--client-id', 'app']);
      assert.equal(r.code, 1);
      assert.match(
        r.err,
        new RegExp(
          `No metadata document was found for issuer ${base}/oauth2/wrong; tried ${base}/oauth2/wrong/\\.well-known/openid-configuration \\(HTTP 404\\)`,
        ),
      );
      assert.match(r.err, /Check the issuer: for Okta it is https:\/\/\{domain\}/);
      assert.match(r.err, /\[discovery\.not_found\]/);
      assertClean(r.all);
    });

    it('a token endpoint answering 401 without an OAuth error names the endpoint and status; --curl stays redacted (exit 1)', async () => {
      const r = await cli(['token', '--token-endpoint', `${base}/s401`, '--client-id', 'app', '--curl']);
      assert.equal(r.code, 1);
      assert.match(r.err, new RegExp(`Token endpoint ${base}/s401 answered HTTP 401 without an OAuth error code\\.`));
      assert.match(r.err, /check the client credentials and any proxy or gateway in between/);
      assert.match(r.err, /--header 'Authorization: Basic \[redacted \d+ chars\]'/);
      assertClean(r.all, [Buffer.from(`app:${CLIENT_SECRET}`).toString('base64')]);
    });

    it('a token endpoint answering 500 says the IdP failed and to retry (exit 1)', async () => {
      const r = await cli(['token', '--token-endpoint', `${base}/s500`, '--client-id', 'app']);
      assert.equal(r.code, 1);
      assert.match(
        r.err,
        new RegExp(
          `Token endpoint ${base}/s500 answered HTTP 500 with a text/html body\\. The IdP or a proxy in front of it failed; retry`,
        ),
      );
      assert.match(r.err, /\[oauth\.server_status\]/);
      assertClean(r.all);
    });

    it('an introspection endpoint answering 500 names it; the token being checked is not printed (exit 1)', async () => {
      const token = 'opaque-token-do-not-print-91c4';
      const r = await cli(['introspect', '--token-env', 'TOKEN', '--issuer', `${base}/idp`, '--client-id', 'app'], {
        TOKEN: token,
      });
      assert.equal(r.code, 1);
      assert.match(r.err, new RegExp(`Introspection endpoint ${base}/s500 answered HTTP 500`));
      assert.match(r.err, /\[oauth\.server_status\]/);
      assertClean(r.all, [token]);
    });

    it('a gateway route on a closed port names the route URL (explain, exit 1)', async () => {
      const r = await cli(['explain', `http://127.0.0.1:${closedPort}/orders`, '--token-env', 'TOKEN'], {
        TOKEN: tokens.expired,
      });
      assert.equal(r.code, 1);
      assert.match(
        r.err,
        new RegExp(`The gateway route \\(http://127\\.0\\.0\\.1:${closedPort}/orders\\) refused the connection`),
      );
      assertClean(r.all, [tokens.expired]);
    });
  });

  describe('tokens', () => {
    it('an expired token fails the exp check with the time and "get a new token"; the token is not printed (verify, exit 1)', async () => {
      const r = await cli(['verify', '--token-env', 'TOKEN', '--issuer', `${base}/idp`], { TOKEN: tokens.expired });
      assert.equal(r.code, 1);
      assert.match(r.out, /✔ The signature is valid \(RS256, key "k1"\)\./);
      assert.match(
        r.out,
        /✖ The token expired at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d .*, 1 hour ago \(leeway 0 s\)\. \[jwt\.expired\]\n {4}Get a new token\./,
      );
      assert.match(r.out, /INVALID: 1 of \d+ checks failed\./);
      assertClean(r.all, [tokens.expired]);
    });

    it('a token signed with another key names the JWKS it was checked against (verify, exit 1)', async () => {
      const r = await cli(['verify', '--token-env', 'TOKEN', '--issuer', `${base}/idp`], {
        TOKEN: tokens.wronglySigned,
      });
      assert.equal(r.code, 1);
      assert.match(
        r.out,
        new RegExp(
          `✖ The signature does not match the JWKS at ${base}/idp/keys: the token was signed with another key or changed after signing\\. \\[jwt\\.signature_invalid\\]`,
        ),
      );
      assert.match(r.out, /Check that the token comes from the issuer whose keys you use/);
      assertClean(r.all, [tokens.wronglySigned]);
    });

    it('malformed JWTs say which part is wrong and how to copy it again (exit 2, wrong input); an opaque token points at introspect', async () => {
      const cut = tokens.expired.split('.').slice(0, 2).join('.');
      const twoParts = await cli(['decode', '--token-env', 'TOKEN'], { TOKEN: cut });
      assert.equal(twoParts.code, 2);
      assert.match(
        twoParts.err,
        /The token has 2 parts \(1 dot\); a signed JWT has 3 parts .* Check that the whole token was copied.* \[jwt\.malformed\.parts\]/,
      );
      assertClean(twoParts.all, [cut]);

      const badChar = await cli(['decode', 'eyJhbGciOiJIUzI1NiJ9.bad!!.sig']);
      assert.equal(badChar.code, 2);
      assert.match(
        badChar.err,
        /The payload \(part 2 of 3\) is not base64url: it contains the character "!" at position 4\. Check that only the token was copied/,
      );
      assertClean(badChar.all);

      const verifyCut = await cli(['verify', '--token-env', 'TOKEN', '--issuer', `${base}/idp`], { TOKEN: cut });
      assert.equal(verifyCut.code, 2);
      assert.match(
        verifyCut.err,
        /^oidc-flow verify: The token has 2 parts \(1 dot\); a signed JWT has 3 parts .* \[jwt\.malformed\.parts\]/,
      );
      const verifyBadChar = await cli(['verify', 'eyJhbGciOiJIUzI1NiJ9.bad!!.sig', '--issuer', `${base}/idp`]);
      assert.equal(verifyBadChar.code, 2);
      assert.match(
        verifyBadChar.err,
        /The payload \(part 2 of 3\) is not base64url: it contains the character "!" at position 4\./,
      );
      assert.doesNotMatch(verifyCut.err + verifyBadChar.err, /opaque or encrypted/);
      assertClean(verifyCut.all + verifyBadChar.all, [cut]);

      const opaque = await cli(['decode', 'Zm9vYmFyYmF6']);
      assert.equal(opaque.code, 2);
      assert.match(
        opaque.err,
        /not a JWT .* opaque reference token\. Only the IdP can tell what it means: run "oidc-flow introspect"\./,
      );
      assertClean(opaque.all);
    });
  });

  describe('flow files', () => {
    const idp = 'idps:\n  okta:\n    issuer: https://idp.example/oauth2/default\n    clientId: app\n';

    it('a YAML syntax error gives the line and how to fix indentation (exit 2)', async () => {
      const path = file('syntax.yaml', `version: 1\n${idp}    scopes: [unclosed\nflows:\n  f:\n    steps: []\n`);
      const r = await cli(['run', path]);
      assert.equal(r.code, 2);
      assert.match(
        r.err,
        new RegExp(`${path.replace(/[.\\/]/g, '\\$&')}:[67]: YAML syntax error: .* Check the indentation`),
      );
      assert.match(r.err, /\[flowfile\.syntax\]/);
      assertClean(r.all);
    });

    it('an unknown field is named with its path and line, and the allowed fields are listed (exit 2)', async () => {
      const path = file(
        'unknown.yaml',
        `version: 1\n${idp}    colour: blue\nflows:\n  f:\n    steps:\n      - { id: t, type: token, idp: okta, grant: client_credentials }\n`,
      );
      const r = await cli(['run', path]);
      assert.equal(r.code, 2);
      assert.match(
        r.err,
        new RegExp(
          `${path.replace(/[.\\/]/g, '\\$&')}:6: Unknown field 'colour' in idps\\.okta\\..* The fields here are: description, issuer,`,
        ),
      );
      assertClean(r.all);
    });

    it('every problem of a flow file is listed as <file>:<line>: message, one per line, not just the first (exit 2)', async () => {
      const path = file(
        'many.yaml',
        `version: 1\n${idp}    colour: blue\n    shape: round\nflows:\n  f:\n    steps:\n      - { id: t, type: token, idp: okta, grant: client_credentials, paht: x }\n`,
      );
      const r = await cli(['run', path]);
      assert.equal(r.code, 2);
      const lines = r.err.trimEnd().split('\n');
      assert.equal(lines[0], `oidc-flow run: ${path} has 3 problems, on lines 6, 7 and 11:`);
      assert.deepEqual(
        lines.slice(1).map((line) => line.slice(0, line.indexOf(': ') + 2) + /Unknown field '(\w+)'/.exec(line)?.[1]),
        [`${path}:6: colour`, `${path}:7: shape`, `${path}:11: paht`],
      );
      assert.doesNotMatch(r.err, /more problem/);
      assertClean(r.all);
    });

    it('a step naming a missing IdP gives the line, a did-you-mean and the defined IdPs (exit 2)', async () => {
      const path = file(
        'reference.yaml',
        `version: 1\n${idp}flows:\n  f:\n    steps:\n      - { id: t, type: token, idp: octa, grant: client_credentials }\n`,
      );
      const r = await cli(['run', path]);
      assert.equal(r.code, 2);
      assert.match(
        r.err,
        /reference\.yaml:9: flows\.f\.steps\[0\]\.idp names the idp 'octa', which is not defined; did you mean 'okta'\? Defined under idps: okta\. \[flowfile\.reference\]/,
      );
      assertClean(r.all);
    });

    it('a missing ${env:} value in an IdP is a configuration error naming the IdP, the variable and where it is used; ${secret:} says to use ${env:} in the CLI (exit 2, configuration)', async () => {
      const envPath = file(
        'env.yaml',
        `version: 1\n${idp}    clientSecret: \${env:ORDERS_SECRET_NOT_SET}\nflows:\n  f:\n    steps:\n      - { id: t, type: token, idp: okta, grant: client_credentials }\n`,
      );
      const env = await cli(['run', envPath]);
      assert.equal(env.code, 2);
      assert.match(
        env.out,
        /error: IdP okta cannot be used: The environment variable ORDERS_SECRET_NOT_SET is not set \(referenced as \$\{env:ORDERS_SECRET_NOT_SET\} in idps\.okta, clientSecret\)\. \[config\.secret_unset\]/,
      );
      assert.match(env.out, /what to do: Set ORDERS_SECRET_NOT_SET before running/);
      assertClean(env.all);

      const secretPath = file(
        'secret.yaml',
        `version: 1\n${idp}    clientSecret: \${secret:okta.secret}\nflows:\n  f:\n    steps:\n      - { id: t, type: token, idp: okta, grant: client_credentials }\n`,
      );
      const secret = await cli(['run', secretPath]);
      assert.equal(secret.code, 2);
      assert.match(
        secret.out,
        /\$\{secret:okta\.secret\} in idps\.okta, clientSecret reads the editor's secret store, which is not available here\. \[config\.secret_unset\]/,
      );
      assert.match(secret.out, /what to do: Run the flow from VS Code, or use \$\{env:NAME\} references for the CLI\./);
      assertClean(secret.all);
    });

    it('a literal secret in the file is refused with the line, without echoing the value (exit 2)', async () => {
      const literal = 'sup3r-literal-secret-in-file-88';
      const path = file(
        'literal.yaml',
        `version: 1\n${idp}    clientSecret: ${literal}\nflows:\n  f:\n    steps:\n      - { id: t, type: token, idp: okta, grant: client_credentials }\n`,
      );
      const r = await cli(['run', path]);
      assert.equal(r.code, 2);
      assert.match(
        r.err,
        /literal\.yaml:6: idps\.okta\.clientSecret holds a literal value .* Write \$\{env:OKTA_CLIENT_SECRET\}/,
      );
      assertClean(r.all, [literal]);
    });

    it('a flow file that does not exist names the path and the reason (exit 2)', async () => {
      const path = join(dir, 'no-such.oidc-flow.yaml');
      const r = await cli(['run', path]);
      assert.equal(r.code, 2);
      assert.match(
        r.err,
        new RegExp(
          `Cannot read the flow file ${path.replace(/[.\\]/g, '\\$&')}: ENOENT\\. Check the path\\. \\[config\\.file_unreadable\\]`,
        ),
      );
      assertClean(r.all);
    });
  });

  describe('gateway sources', () => {
    it('a decK file with the wrong or no _format_version names the file, the line and the fix (exit 2)', async () => {
      const deck =
        'services:\n  - name: orders\n    url: http://orders.internal\n    routes: [{ name: orders, paths: [/orders] }]\n';
      const old = await cli(['routes', '--deck', file('konnect.yaml', `_format_version: "0.1"\n${deck}`)]);
      assert.equal(old.code, 2);
      assert.match(
        old.err,
        /decK file konnect\.yaml line 1: _format_version is "0\.1", which this reader does not understand\. Supported: "3\.0", "2\.1", "1\.1"\. .*deck file convert --from kong-gateway-2\.x --to kong-gateway-3\.x/,
      );
      assert.match(old.err, /\[gateway\.deck_version\]/);

      const none = await cli(['routes', '--deck', file('noversion.yaml', deck)]);
      assert.equal(none.code, 2);
      assert.match(
        none.err,
        /decK file noversion\.yaml line \d+: has no _format_version\. .*Add `_format_version: "3\.0"` at the top/,
      );
      assertClean(old.all + none.all);
    });

    it('a Kong Admin API answering 401 names the URL and status and says how to pass the RBAC token; the token is not printed (exit 2)', async () => {
      const r = await cli(['routes', '--admin-url', `${base}/s401`, '--admin-token-env', 'ADMIN_TOKEN']);
      assert.equal(r.code, 2);
      assert.match(
        r.err,
        new RegExp(`The Kong Admin API refused the request to ${base}/s401/services\\?size=1000 with 401`),
      );
      assert.match(r.err, /in the CLI via --admin-token-env/);
      assert.match(r.err, /\[gateway\.admin_unauthorized\]/);
      assertClean(r.all);
    });
  });

  describe('lint', () => {
    const deck = () =>
      file(
        'lint-deck.yaml',
        '_format_version: "3.0"\nservices:\n  - name: orders\n    url: http://orders.internal\n    routes:\n      - name: orders\n        paths: [/orders]\n        plugins:\n          - name: openid-connect\n            config: { issuer: "https://idp.example/oauth2/default", auth_methods: [bearer] }\n',
      );

    it('an --issuer that is not a URL is a usage error, not "0 error(s)" with nothing checked (exit 2)', async () => {
      const r = await cli(['lint', '--deck', deck(), '--issuer', 'not-a-url']);
      assert.equal(r.code, 2);
      assert.equal(r.out, '');
      assert.match(r.err, /oidc-flow lint: --issuer takes an absolute URL, got "not-a-url"\./);
      assertClean(r.all);
    });

    it('an --issuer that cannot be discovered is an error finding, so CI fails (exit 1)', async () => {
      const r = await cli(['lint', '--deck', deck(), '--issuer', `http://127.0.0.1:${closedPort}/oauth2/default`]);
      assert.equal(r.code, 1, r.all);
      assert.match(
        r.out,
        new RegExp(
          `ERROR   --issuer  The IdP's discovery document for http://127\\.0\\.0\\.1:${closedPort}/oauth2/default could not be fetched`,
        ),
      );
      assert.match(r.out, /\n1 error\(s\), /);
      assertClean(r.all);
    });
  });

  describe('import', () => {
    it('a file that is not an Insomnia/Postman export, or a truncated one, is named with how to export it (exit 2)', async () => {
      const notExport = await cli(['import', file('package.json', '{"name": "app", "version": "1.0.0"}\n'), '-o', '-']);
      assert.equal(notExport.code, 2);
      assert.equal(notExport.out, '');
      assert.match(
        notExport.err,
        /package\.json is not an export oidc-flow can import: .* in Postman use "Export" on the collection and choose Collection v2\.1\. \[import\.unrecognised\]/,
      );

      const truncated = await cli([
        'import',
        file('cut.json', '{"_type":"export","__export_format":4,"resources":[\n'),
        '-o',
        '-',
      ]);
      assert.equal(truncated.code, 2);
      assert.match(
        truncated.err,
        /cut\.json:2:1: the export is not valid JSON \(line 2, column 1\).* Export the collection again/,
      );
      assertClean(notExport.all + truncated.all);
    });

    it('never overwrites an existing flow file without --force, and says how to proceed (exit 2)', async () => {
      const exportPath = join(dir, 'billing.postman_collection.json');
      writeFileSync(
        exportPath,
        readFileSync(join(__dirname, '..', 'fixtures', 'importers', 'postman-v21-okta-kong.json')),
      );
      const mine = file('billing.oidc-flow.yaml', '# my hand-edited flow\nversion: 1\n');
      const r = await cli(['import', exportPath]);
      assert.equal(r.code, 2);
      assert.match(
        r.err,
        /billing\.oidc-flow\.yaml already exists; nothing was written\. Use --force to overwrite it, or -o to choose another file\./,
      );
      assert.equal(readFileSync(mine, 'utf8'), '# my hand-edited flow\nversion: 1\n', 'the user file is untouched');
      assertClean(r.all);
    });

    it('a path it cannot write says why and what to do: another -o, or -o - for standard output (exit 2)', async () => {
      const exportPath = join(dir, 'unwritable.postman_collection.json');
      writeFileSync(
        exportPath,
        readFileSync(join(__dirname, '..', 'fixtures', 'importers', 'postman-v21-okta-kong.json')),
      );
      const target = join(file('not-a-folder', 'x'), 'flow.yaml');
      const r = await cli(['import', exportPath, '-o', target]);
      assert.equal(r.code, 2);
      assert.equal(r.out, '');
      assert.match(
        r.err,
        new RegExp(
          `cannot write ${target.replace(/[.\\/]/g, '\\$&')}: a part of the path is not a folder \\(ENOTDIR\\); nothing was written\\. Choose a writable path with -o, or -o - for standard output\\.`,
        ),
      );
      assertClean(r.all);
    });
  });

  it('through the real entry point: a usage error and a network error are one line each, no stack trace (child process)', () => {
    const main = join(__dirname, '..', '..', 'src', 'cli', 'main.ts');
    const run = (args: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', main, ...args], {
        encoding: 'utf8',
        env: { ...process.env, OIDC_CLIENT_SECRET: CLIENT_SECRET, NO_COLOR: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 20_000,
      });
    const usage = run(['verify', '--leeway=-5', 'a.b.c', '--issuer', base]);
    assert.equal(usage.status, 2, usage.stderr);
    assert.match(
      usage.stderr,
      /^oidc-flow verify: --leeway takes a number of seconds, got "-5"\.\nUsage: oidc-flow verify /,
    );
    assertClean(usage.stdout + usage.stderr);

    const refused = run(['token', '--issuer', `http://127.0.0.1:${closedPort}`, '--client-id', 'app']);
    assert.equal(refused.status, 1, refused.stderr);
    assert.equal(refused.stdout, '', 'nothing on stdout, so TOKEN=$(oidc-flow token ...) captures nothing');
    assert.match(
      refused.stderr,
      /^oidc-flow token: The discovery .* refused the connection.*\[http\.connection_refused\]\n$/,
    );
    assertClean(refused.stdout + refused.stderr);
  });
});
