import { strict as assert } from 'node:assert';
import type { TLSSocket } from 'node:tls';
import { createHttpClient, HttpError, INSECURE_TLS_WARNING } from '../../../src/core/http';
import type { Running } from '../../support/loopback-servers';
import { httpsServer, testPki } from '../../support/loopback-servers';
import { closeAfterEach } from '../../support/close-after-each';
import { tlsOptions } from '../../../src/core/http/dispatchers';
import { rejection as rejectionOf } from '../../support/rejection';

const rejection = (promise: Promise<unknown>): Promise<HttpError> => rejectionOf(promise, HttpError);

describe('http client TLS', () => {
  const opened = closeAfterEach();
  function client(options: Parameters<typeof createHttpClient>[0] = {}): ReturnType<typeof createHttpClient> {
    return opened(createHttpClient({ env: {}, ...options }));
  }
  async function serve(started: Promise<Running>): Promise<Running> {
    return opened(await started);
  }
  const ok = (_req: unknown, res: { end(text: string): void }): void => res.end('ok');

  it('trusts an extra CA on top of the default trust store', async () => {
    const { ca, leaf } = testPki();
    const server = await serve(httpsServer(leaf, ok));
    const response = await client({ ca: [ca.cert] }).send({ method: 'GET', url: server.url });
    assert.equal(response.text, 'ok');
    assert.deepEqual(response.exchange.warnings, []);
    assert.equal(response.exchange.transport?.customCa, true);
  });

  it('builds the trust store of an extra CA once per dispatcher, not once per connection', () => {
    // tls.connect given `ca` parses every root for each connection (~40 ms): 1,000 concurrent
    // introspections took 40 s of CPU in the soak. A prebuilt secureContext is parsed once.
    const { ca, leaf } = testPki();
    const options = tlsOptions({ ca: [ca.cert], insecure: false, connectTimeout: 1000 });
    assert.ok(options.secureContext, 'one secure context');
    assert.equal(options.ca, undefined, 'no per-connection trust store');
    assert.equal(options.rejectUnauthorized, true);
    // A key that does not load is left to tls.connect, whose error names the connection that failed.
    const broken = tlsOptions({ cert: leaf.cert, key: 'not a key', insecure: false, connectTimeout: 1000 });
    assert.equal(broken.secureContext, undefined);
    assert.equal(broken.key, 'not a key');
  });

  it('fails with tls.unknown_ca without the CA, with a hint about the CA file setting', async () => {
    const { leaf } = testPki();
    const server = await serve(httpsServer(leaf, ok));
    const error = await rejection(client().send({ method: 'GET', url: server.url, label: 'discovery document' }));
    assert.equal(error.code, 'tls.unknown_ca');
    assert.match(error.message, /discovery document/);
    assert.match(error.message, new RegExp(server.url.replace(/\./g, '\\.')));
    assert.match(error.hint ?? '', /CA file/);
    assert.equal(error.exchange.error?.code, 'tls.unknown_ca');
  });

  it('fails with tls.hostname_mismatch for a certificate issued to another name', async () => {
    const { ca, wrongHost } = testPki();
    const server = await serve(httpsServer(wrongHost, ok));
    const error = await rejection(client({ ca: ca.cert }).send({ method: 'GET', url: server.url }));
    assert.equal(error.code, 'tls.hostname_mismatch');
    assert.match(error.message, /127\.0\.0\.1/);
  });

  it('fails with tls.cert_expired for an expired certificate', async () => {
    const { ca, expired } = testPki();
    const server = await serve(httpsServer(expired, ok));
    const error = await rejection(client({ ca: ca.cert }).send({ method: 'GET', url: server.url }));
    assert.equal(error.code, 'tls.cert_expired');
  });

  it('connects anyway with insecureSkipTlsVerify, and every such exchange carries the warning', async () => {
    const { expired } = testPki();
    const server = await serve(httpsServer(expired, ok));
    const http = client({ insecureSkipTlsVerify: true });
    const first = await http.send({ method: 'GET', url: server.url });
    const second = await http.send({ method: 'GET', url: server.url });
    assert.equal(first.text, 'ok');
    for (const response of [first, second]) {
      assert.deepEqual(response.exchange.warnings, [INSECURE_TLS_WARNING]);
      assert.match(INSECURE_TLS_WARNING, /TLS certificate verification was disabled for this request/);
      assert.equal(response.exchange.transport?.insecure, true);
    }
  });

  it('turns insecure mode on for one request only', async () => {
    const { leaf } = testPki();
    const server = await serve(httpsServer(leaf, ok));
    const http = client();
    const response = await http.send({ method: 'GET', url: server.url, options: { insecureSkipTlsVerify: true } });
    assert.equal(response.text, 'ok');
    assert.equal((await rejection(http.send({ method: 'GET', url: server.url }))).code, 'tls.unknown_ca');
  });

  describe('mTLS', () => {
    async function mtlsServer(): Promise<{ server: Running; subjects: string[] }> {
      const { ca, leaf } = testPki();
      const subjects: string[] = [];
      const server = await serve(
        httpsServer(
          leaf,
          (req, res) => {
            const peer = (req.socket as TLSSocket).getPeerCertificate();
            subjects.push(String(peer.subject?.CN));
            res.end('hello client');
          },
          { ca: ca.cert, requestCert: true, rejectUnauthorized: true },
        ),
      );
      return { server, subjects };
    }

    it('presents the client certificate, and the server sees it', async () => {
      const { ca, client: pair } = testPki();
      const { server, subjects } = await mtlsServer();
      const response = await client({ ca: ca.cert, cert: pair.cert, key: pair.key }).send({
        method: 'GET',
        url: server.url,
      });
      assert.equal(response.text, 'hello client');
      assert.deepEqual(subjects, ['test-client']);
      assert.equal(response.exchange.transport?.clientCertificate, true);
    });

    it('takes the client certificate from per-request options', async () => {
      const { ca, client: pair } = testPki();
      const { server, subjects } = await mtlsServer();
      const response = await client({ ca: ca.cert }).send({
        method: 'GET',
        url: server.url,
        options: { cert: pair.cert, key: pair.key },
      });
      assert.equal(response.status, 200);
      assert.deepEqual(subjects, ['test-client']);
    });

    it('is rejected by the server without a client certificate', async () => {
      const { ca } = testPki();
      const { server, subjects } = await mtlsServer();
      const error = await rejection(
        client({ ca: ca.cert }).send({ method: 'GET', url: server.url, label: 'token endpoint' }),
      );
      assert.ok(['tls.client_certificate', 'http.connection_reset'].includes(error.code), error.code);
      assert.match(`${error.message} ${error.hint}`, /client certificate|mTLS/);
      assert.deepEqual(subjects, []);
    });

    it('is rejected by the server with a certificate from a CA it does not trust', async () => {
      const { ca, strangerClient } = testPki();
      const { server, subjects } = await mtlsServer();
      const error = await rejection(
        client({ ca: ca.cert, cert: strangerClient.cert, key: strangerClient.key }).send({
          method: 'GET',
          url: server.url,
        }),
      );
      assert.ok(['tls.client_certificate', 'http.connection_reset'].includes(error.code), error.code);
      assert.deepEqual(subjects, []);
    });
  });
});
