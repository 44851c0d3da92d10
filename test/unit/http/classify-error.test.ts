import { strict as assert } from 'node:assert';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createHttpClient } from '../../../src/core/http/client';
import { classifyFailure } from '../../../src/core/http/classify-error';
import type { FailureContext } from '../../../src/core/http/classify-error';
import type { Running } from '../../support/loopback-servers';
import { httpServer, httpsServer, testPki } from '../../support/loopback-servers';

const ctx: FailureContext = {
  target: 'the token endpoint (https://idp.example.com/oauth2/v1/token)',
  host: 'idp.example.com',
  port: '443',
  connectTimeout: 10_000,
  headersTimeout: 30_000,
  bodyTimeout: 30_000,
  totalTimeout: 60_000,
  clientCertificate: false,
};

function withCode(code: string, message = code): Error {
  return Object.assign(new Error(message), { code });
}

describe('classifyFailure', () => {
  it('recognises DNS failures, also inside a cause', () => {
    const failure = classifyFailure(
      Object.assign(new Error('fetch failed'), {
        cause: withCode('ENOTFOUND', 'getaddrinfo ENOTFOUND idp.example.com'),
      }),
      ctx,
    );
    assert.equal(failure.code, 'http.dns');
    assert.match(failure.message, /"idp\.example\.com".*token endpoint/);
    assert.match(failure.hint, /DNS/);
  });

  // Found by test/integration/hostile-servers.test.ts: both fell through to http.failed.
  it('names oversized response headers and broken HTTP/1.1 with codes of their own', () => {
    const headers = classifyFailure(withCode('UND_ERR_HEADERS_OVERFLOW', 'Headers Overflow Error'), ctx);
    assert.equal(headers.code, 'http.headers_too_large');
    assert.match(headers.message, /^The response headers from the token endpoint \(https:\/\/idp\.example\.com/);
    const parser = Object.assign(
      new Error('Response does not match the HTTP/1.1 protocol (Invalid character in chunk size)'),
      {
        name: 'HTTPParserError',
      },
    );
    const broken = classifyFailure(parser, ctx);
    assert.equal(broken.code, 'http.malformed_response');
    assert.match(broken.message, /token endpoint .* is not valid HTTP\/1\.1: .*chunk size/);
  });

  it('leaves a bare URL as written at the start of a sentence', () => {
    const failure = classifyFailure(withCode('UND_ERR_HEADERS_TIMEOUT'), { ...ctx, target: 'http://127.0.0.1:1/x' });
    assert.match(failure.message, /^http:\/\/127\.0\.0\.1:1\/x accepted the request/);
  });

  it('looks inside AggregateErrors from happy-eyeballs connects', () => {
    const failure = classifyFailure(
      new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')], 'all failed'),
      ctx,
    );
    assert.equal(failure.code, 'http.connection_refused');
    assert.match(failure.message, /idp\.example\.com:443/);
  });

  it('maps the TLS verification codes', () => {
    const cases: Array<[string, string]> = [
      ['DEPTH_ZERO_SELF_SIGNED_CERT', 'tls.unknown_ca'],
      ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'tls.unknown_ca'],
      ['SELF_SIGNED_CERT_IN_CHAIN', 'tls.unknown_ca'],
      ['ERR_TLS_CERT_ALTNAME_INVALID', 'tls.hostname_mismatch'],
      ['CERT_HAS_EXPIRED', 'tls.cert_expired'],
      ['CERT_NOT_YET_VALID', 'tls.cert_not_yet_valid'],
      ['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'tls.client_certificate'],
      ['ERR_SSL_WRONG_VERSION_NUMBER', 'tls.failed'],
      ['ECONNRESET', 'http.connection_reset'],
      ['UND_ERR_HEADERS_TIMEOUT', 'http.timeout.headers'],
      ['UND_ERR_BODY_TIMEOUT', 'http.timeout.body'],
      ['UND_ERR_CONNECT_TIMEOUT', 'http.timeout.connect'],
      ['SOMETHING_ELSE', 'http.failed'],
    ];
    for (const [code, expected] of cases) assert.equal(classifyFailure(withCode(code), ctx).code, expected, code);
  });

  it('blames the proxy when a proxied tunnel is refused', () => {
    const failure = classifyFailure(withCode('UND_ERR_ABORTED', 'Proxy response (407) !== 200 when HTTP Tunneling'), {
      ...ctx,
      proxy: 'http://proxy.test:3128',
    });
    assert.equal(failure.code, 'http.proxy');
    assert.match(failure.message, /proxy\.test:3128/);
  });

  it('starts every message with the target, capitalised where it opens the sentence', () => {
    const failure = classifyFailure(withCode('UND_ERR_HEADERS_TIMEOUT'), ctx);
    assert.match(
      failure.message,
      /^The token endpoint \(https:\/\/idp\.example\.com\/oauth2\/v1\/token\) accepted the request/,
    );
  });

  describe("through a proxy, connect-level failures are the proxy's", () => {
    const proxied: FailureContext = { ...ctx, proxy: 'http://proxy.corp.test:3128' };

    it("names the proxy and the target, not the target's host, for each connect-level code", () => {
      const cases: Array<[string, RegExp]> = [
        ['ECONNREFUSED', /nothing accepts connections on proxy\.corp\.test:3128/],
        ['ENOTFOUND', /its host name "proxy\.corp\.test" could not be resolved \(DNS\)/],
        ['EAI_AGAIN', /its host name "proxy\.corp\.test" could not be resolved \(DNS\)/],
      ];
      for (const [code, why] of cases) {
        const failure = classifyFailure(withCode(code, `connect ${code} 10.0.0.1:3128`), proxied);
        assert.equal(failure.code, 'http.proxy_unreachable', code);
        assert.match(
          failure.message,
          /^Could not reach the proxy http:\/\/proxy\.corp\.test:3128 to send the request to the token endpoint \(https:\/\/idp\.example\.com\/oauth2\/v1\/token\): /,
          code,
        );
        assert.match(failure.message, why, code);
        assert.doesNotMatch(failure.message, /idp\.example\.com:443|"idp\.example\.com"/, code);
        assert.match(failure.hint, /Check the proxy URL \(HTTPS_PROXY\) and that the proxy is running/, code);
      }
      // A connect timeout may be the target's TLS handshake through the tunnel: it is not pinned on the proxy.
      const timeout = classifyFailure(withCode('UND_ERR_CONNECT_TIMEOUT', 'Connect Timeout Error'), proxied);
      assert.equal(timeout.code, 'http.timeout.connect');
      assert.match(timeout.hint, /whether a proxy is needed/);
    });

    it('without a proxy, the same codes still blame the target', () => {
      assert.equal(classifyFailure(withCode('ECONNREFUSED'), ctx).code, 'http.connection_refused');
      assert.equal(classifyFailure(withCode('ENOTFOUND'), ctx).code, 'http.dns');
    });

    it('an unusable proxy URL is blamed on the proxy, not on the target URL', () => {
      const failure = classifyFailure(Object.assign(new Error('invalid url'), { code: 'UND_ERR_INVALID_ARG' }), {
        ...ctx,
        proxy: 'http://proxy.corp.test:3128/some/path',
      });
      assert.equal(failure.code, 'http.proxy');
      assert.match(
        failure.message,
        /through the proxy http:\/\/proxy\.corp\.test:3128\/some\/path: the proxy URL is not valid \(it must be http\(s\):\/\/host:port, without a path\)/,
      );
      const unparsable = classifyFailure(Object.assign(new TypeError('Invalid URL'), { code: 'ERR_INVALID_URL' }), {
        ...ctx,
        proxy: '(invalid proxy URL)',
      });
      assert.match(unparsable.message, /through the configured proxy: the proxy URL is not valid/);
    });

    it('through the real client: a proxy URL with a password is never shown, and the proxy is named', async () => {
      const probe = createServer();
      await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
      const { port } = probe.address() as AddressInfo;
      await new Promise<void>((resolve) => probe.close(() => resolve()));
      const client = createHttpClient({
        env: {},
        proxy: `http://bob:pr0xy-pa55word@127.0.0.1:${port}`,
        surface: 'cli',
      });
      try {
        const error = await client
          .send({
            method: 'GET',
            url: 'http://example.invalid/oauth2/default/.well-known/openid-configuration',
            label: 'discovery',
          })
          .then(
            () => assert.fail('expected a failure'),
            (e: unknown) => e as { code: string; message: string; hint: string },
          );
        assert.equal(error.code, 'http.proxy_unreachable');
        assert.equal(
          error.message,
          `Could not reach the proxy http://127.0.0.1:${port} to send the request to the discovery (http://example.invalid/oauth2/default/.well-known/openid-configuration): nothing accepts connections on 127.0.0.1:${port}.`,
        );
        assert.match(error.hint, /--proxy or HTTPS_PROXY/);
        assert.ok(!`${error.message} ${error.hint}`.includes('pr0xy-pa55word'), 'the proxy password is not shown');
        assert.ok(!`${error.message} ${error.hint}`.includes('bob'), 'the proxy user is not shown');
      } finally {
        await client.close();
      }
    });
  });

  describe('hints name the knobs of the surface showing them', () => {
    const unknownCa = withCode('UNABLE_TO_VERIFY_LEAF_SIGNATURE');

    it('the CLI names --ca, --insecure and --timeout', () => {
      const cli = { ...ctx, surface: 'cli' as const };
      assert.equal(
        classifyFailure(unknownCa, cli).hint,
        'If the server uses a private or corporate CA, add its PEM certificate with --ca FILE; use --insecure only as a last resort.',
      );
      assert.match(
        classifyFailure(withCode('UND_ERR_HEADERS_TIMEOUT'), cli).hint,
        /raise --timeout \(milliseconds\)\.$/,
      );
      assert.match(classifyFailure(withCode('UND_ERR_BODY_TIMEOUT'), cli).hint, /raise --timeout \(milliseconds\)\.$/);
      assert.match(
        classifyFailure(withCode('UND_ERR_CONNECT_TIMEOUT'), cli).hint,
        /\(--proxy or HTTPS_PROXY\); raise --timeout \(milliseconds\) if the network is merely slow\.$/,
      );
      assert.match(
        classifyFailure(withCode('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED'), cli).hint,
        /--cert-file and --key-file/,
      );
      const all = [
        'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
        'UND_ERR_HEADERS_TIMEOUT',
        'UND_ERR_BODY_TIMEOUT',
        'UND_ERR_CONNECT_TIMEOUT',
      ]
        .map((code) => classifyFailure(withCode(code), cli).hint)
        .join(' ');
      assert.doesNotMatch(all, /insecureSkipTlsVerify|headersTimeout|bodyTimeout|connectTimeout|setting/);
    });

    it('VS Code names the oidcFlow.* settings', () => {
      const vscode = { ...ctx, surface: 'vscode' as const };
      assert.equal(
        classifyFailure(unknownCa, vscode).hint,
        'If the server uses a private or corporate CA, add its PEM certificate in the oidcFlow.caFile setting; turn on oidcFlow.insecureSkipTlsVerify only as a last resort.',
      );
      assert.match(
        classifyFailure(withCode('UND_ERR_HEADERS_TIMEOUT'), vscode).hint,
        /raise the oidcFlow\.timeoutMs setting\.$/,
      );
      assert.match(
        classifyFailure(withCode('UND_ERR_BODY_TIMEOUT'), vscode).hint,
        /raise the oidcFlow\.timeoutMs setting\.$/,
      );
      assert.match(
        classifyFailure(withCode('UND_ERR_CONNECT_TIMEOUT'), vscode).hint,
        /raise the oidcFlow\.timeoutMs setting if the network is merely slow\.$/,
      );
      assert.match(
        classifyFailure(withCode('UND_ERR_ABORTED', 'Proxy response (407) !== 200 when HTTP Tunneling'), {
          ...vscode,
          proxy: 'http://p.test:1',
        }).hint,
        /the oidcFlow\.proxy setting or HTTPS_PROXY/,
      );
      assert.doesNotMatch(classifyFailure(unknownCa, vscode).hint, /--ca|--insecure/);
    });

    it('without a surface, the HTTP options are named', () => {
      assert.match(classifyFailure(unknownCa, ctx).hint, /CA file setting \(`ca`\); turn on insecureSkipTlsVerify/);
      assert.match(classifyFailure(withCode('UND_ERR_HEADERS_TIMEOUT'), ctx).hint, /raise headersTimeout\.$/);
    });

    it('createHttpClient passes its surface on to the failure it throws', async () => {
      const { leaf } = testPki();
      const servers: Running[] = [await httpsServer(leaf, (_req, res) => res.end('{}'))];
      const clients = [createHttpClient({ env: {}, surface: 'cli' }), createHttpClient({ env: {}, surface: 'vscode' })];
      try {
        const hints = await Promise.all(
          clients.map((client) =>
            client.send({ method: 'GET', url: servers[0]!.url }).then(
              () => assert.fail('expected an untrusted certificate'),
              (e: unknown) => e as { code: string; hint: string },
            ),
          ),
        );
        assert.deepEqual(
          hints.map((h) => h.code),
          ['tls.unknown_ca', 'tls.unknown_ca'],
        );
        assert.match(hints[0]!.hint, /--ca FILE/);
        assert.match(hints[1]!.hint, /oidcFlow\.caFile/);
        // A hanging server: the headers timeout hint of the CLI.
        servers.push(await httpServer(() => undefined));
        const hang = await clients[0]!
          .send({ method: 'GET', url: servers[1]!.url, options: { headersTimeout: 100 } })
          .then(
            () => assert.fail('expected a timeout'),
            (e: unknown) => e as { code: string; hint: string },
          );
        assert.equal(hang.code, 'http.timeout.headers');
        assert.match(hang.hint, /raise --timeout/);
      } finally {
        await Promise.all(clients.map((client) => client.close()));
        await Promise.all(servers.map((server) => server.close()));
      }
    });
  });
});
