import { strict as assert } from 'node:assert';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { formatVerification, parseLeeway, verifyCommand, verifyHelp } from '../../../src/cli/commands/verify';
import { styler, UsageError } from '../../../src/cli/io';
import { makeKey, sign } from '../../support/jwt-fixtures';
import type { TestKey } from '../../support/jwt-fixtures';
import { captureIo } from '../../support/capture-io';
import { invoke } from '../../support/cli-invoke';

const plain = styler({ isTTY: false }, {});

describe('oidc-flow verify', () => {
  it('formats every check with ✔/✖, the failure code and hint, then the overall result', () => {
    const text = formatVerification(
      {
        valid: false,
        checks: [
          { id: 'signature', ok: true, message: 'The signature is valid (RS256, key "k1").' },
          {
            id: 'exp',
            ok: false,
            code: 'jwt.expired',
            message: 'The token expired 5 minutes ago.',
            hint: 'Get a new token.',
          },
        ],
      },
      plain,
    );
    assert.equal(
      text,
      '✔ The signature is valid (RS256, key "k1").\n✖ The token expired 5 minutes ago. [jwt.expired]\n    Get a new token.\n\nINVALID: 1 of 2 checks failed.\n',
    );
    assert.match(formatVerification({ valid: true, checks: [] }, plain), /VALID: every check passed\./);
  });

  it('colours the marks only on a terminal', () => {
    const text = formatVerification(
      { valid: true, checks: [{ id: 'iss', ok: true, message: 'ok' }] },
      styler({ isTTY: true }, {}),
    );
    assert.match(text, /\u001b\[32m✔\u001b\[0m ok/);
  });

  it('parses --leeway as non-negative seconds', () => {
    assert.equal(parseLeeway(undefined), undefined);
    assert.equal(parseLeeway('30'), 30);
    for (const bad of ['-1', 'abc', '']) assert.throws(() => parseLeeway(bad), UsageError);
  });

  describe('command, against a JWKS served on 127.0.0.1', () => {
    let server: Server;
    let jwksUri: string;
    let key: TestKey;
    const issuer = 'https://idp.example/oauth2/default';
    const now = () => Math.floor(Date.now() / 1000);

    before(async () => {
      key = await makeKey('RS256', 'k1');
      server = createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ keys: [key.publicJwk] }));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      jwksUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}/keys`;
    });
    after(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('verifies with --jwks-uri and compares --issuer without discovery (exit 0)', async () => {
      const token = await sign(key, { iss: issuer, aud: 'api://orders', sub: 's', iat: now() - 10, exp: now() + 600 });
      const c = captureIo({ env: { T: token } });
      assert.equal(
        await invoke(
          verifyCommand,
          [
            '--token-env',
            'T',
            '--jwks-uri',
            jwksUri,
            '--issuer',
            issuer,
            '--audience',
            'api://other',
            '--audience',
            'api://orders',
          ],
          c.io,
        ),
        0,
        c.out() + c.err(),
      );
      assert.match(c.out(), /✔ The issuer is "https:\/\/idp\.example\/oauth2\/default", as expected\./);
      assert.match(c.out(), /VALID/);
    });

    it('reports an expired token with the JSON output (exit 1), and --leeway lets a little skew through', async () => {
      const token = await sign(key, { iss: issuer, sub: 's', iat: now() - 600, exp: now() - 20 });
      const c = captureIo({ stdin: token });
      assert.equal(await invoke(verifyCommand, ['--jwks-uri', jwksUri, '--json'], c.io), 1);
      const result = JSON.parse(c.out());
      assert.equal(result.valid, false);
      assert.equal(result.checks.find((check: { id: string }) => check.id === 'exp').code, 'jwt.expired');
      const lenient = captureIo({ stdin: token });
      assert.equal(
        await invoke(verifyCommand, ['--jwks-uri', jwksUri, '--leeway', '300'], lenient.io),
        0,
        lenient.out(),
      );
    });

    it('sends opaque tokens to introspect and refuses unknown profiles (exit 2)', async () => {
      const opaque = captureIo();
      assert.equal(await invoke(verifyCommand, ['k3jd8s9Fq0', '--jwks-uri', jwksUri], opaque.io), 2);
      assert.match(opaque.err(), /not a signed JWT.*oidc-flow introspect/);
      const profile = captureIo();
      assert.equal(await invoke(verifyCommand, ['a.b.c', '--jwks-uri', jwksUri, '--profile', 'saml'], profile.io), 2);
      assert.match(profile.err(), /Unknown --profile "saml"/);
    });

    it('explains what is wrong with a malformed JWT, as decode does, instead of calling it opaque or encrypted (exit 2, wrong input)', async () => {
      const cases: Array<[string, RegExp]> = [
        [
          'eyJhbGciOiJIUzI1NiJ9.bad!!.sig',
          /The payload \(part 2 of 3\) is not base64url: it contains the character "!" at position 4\..*\[jwt\.malformed\.base64\]/,
        ],
        [
          'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1MSJ9',
          /The token has 2 parts \(1 dot\); a signed JWT has 3 parts .*\[jwt\.malformed\.parts\]/,
        ],
        [
          'bm90IGpzb24.eyJzdWIiOiJ1MSJ9.c2ln',
          /The header \(part 1 of 3\) is base64url but not JSON.*\[jwt\.malformed\.json\]/,
        ],
      ];
      for (const [token, explanation] of cases) {
        const c = captureIo();
        assert.equal(await invoke(verifyCommand, [token, '--jwks-uri', jwksUri], c.io), 2, token);
        assert.match(c.err(), explanation, token);
        assert.doesNotMatch(c.err(), /opaque or encrypted/, token);
      }
    });

    it('names an encrypted token (JWE) as such, not as "opaque or encrypted" (exit 2)', async () => {
      const jwe = `${Buffer.from(JSON.stringify({ alg: 'RSA-OAEP', enc: 'A256GCM' })).toString('base64url')}.a.b.c.d`;
      const c = captureIo();
      assert.equal(await invoke(verifyCommand, [jwe, '--jwks-uri', jwksUri], c.io), 2);
      assert.match(c.err(), /This token is an encrypted JWT \(JWE\), so it cannot be verified locally/);
    });

    it("prints the header's checks before it fetches the JWKS, and the same text as the whole verification", async () => {
      const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const claims = { iss: issuer, sub: 's', iat: now() - 10, exp: now() + 600 };
      const tokens = [
        await sign(key, claims),
        // Refused by their header: the signature is not checked, the claims still are.
        `${b64({ alg: 'HS256' })}.${b64(claims)}.c2ln`,
        `${b64({ alg: 'RS256', kid: 'k1', crit: ['exp-v2'], 'exp-v2': 1 })}.${b64(claims)}.c2ln`,
      ];
      const outAtRequest: string[] = [];
      let current: ReturnType<typeof captureIo> | undefined;
      const jwks = createServer((_req, res) => {
        outAtRequest.push(current?.out() ?? '');
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ keys: [key.publicJwk] }));
      });
      await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
      const uri = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/keys`;
      try {
        for (const token of tokens) {
          const json = captureIo({ env: { T: token } });
          const code = await invoke(verifyCommand, ['--token-env', 'T', '--jwks-uri', uri, '--json'], json.io);
          const verification = JSON.parse(json.out());
          current = captureIo({ env: { T: token } });
          outAtRequest.length = 0;
          assert.equal(await invoke(verifyCommand, ['--token-env', 'T', '--jwks-uri', uri], current.io), code);
          assert.equal(current.out(), formatVerification(verification, plain));
          const headerLines = verification.checks
            .filter((check: { id: string }) => ['format', 'alg', 'crit'].includes(check.id))
            .map((check: { message: string }) => check.message);
          assert.ok(headerLines.length >= 2, token);
          // A header refused by its alg or crit has no signature to check: the JWKS is not fetched.
          if (verification.checks.some((check: { code?: string }) => check.code === 'jwt.signature_not_checked')) {
            assert.deepEqual(outAtRequest, []);
            continue;
          }
          for (const line of headerLines)
            assert.ok(outAtRequest[0]?.includes(line), `${line} not out before the request`);
          assert.doesNotMatch(outAtRequest[0] ?? '', /The signature|The issuer|expires|VALID/);
        }
      } finally {
        await new Promise<void>((resolve) => jwks.close(() => resolve()));
      }
    });

    it('needs a key source', async () => {
      const c = captureIo();
      assert.equal(await invoke(verifyCommand, ['a.b.c'], c.io), 2);
      assert.match(c.err(), /Name the IdP/);
      assert.match(verifyHelp, /^Usage: oidc-flow verify/);
    });
  });
});
