import { strict as assert } from 'node:assert';
import { createHttpClient, matchesNoProxy, selectProxy } from '../../../src/core/http';
import { hasProxyVariable } from '../../../src/core/http/proxy';
import type { Running } from '../../support/loopback-servers';
import { closeAfterEach } from '../../support/close-after-each';
import { httpServer, httpsServer, proxyServer, testPki } from '../../support/loopback-servers';

describe('proxy selection', () => {
  const url = (text: string): URL => new URL(text);

  it('matches NO_PROXY hosts, subdomains, suffixes, ports and *', () => {
    assert.equal(matchesNoProxy(url('https://idp.example.com/x'), 'example.com'), true);
    assert.equal(matchesNoProxy(url('https://example.com/x'), 'example.com'), true);
    assert.equal(matchesNoProxy(url('https://badexample.com/x'), 'example.com'), false);
    assert.equal(matchesNoProxy(url('https://idp.example.com/x'), '.example.com'), true);
    assert.equal(matchesNoProxy(url('https://idp.example.com/x'), '*.example.com'), true);
    assert.equal(matchesNoProxy(url('https://anything.test/x'), '*'), true);
    assert.equal(matchesNoProxy(url('https://kong.local:8443/x'), 'other.local, kong.local:8443'), true);
    assert.equal(matchesNoProxy(url('https://kong.local:8444/x'), 'kong.local:8443'), false);
    assert.equal(matchesNoProxy(url('https://kong.local/x'), 'kong.local:443'), true);
    assert.equal(matchesNoProxy(url('http://127.0.0.1:9/x'), '127.0.0.1'), true);
    assert.equal(matchesNoProxy(url('http://[::1]:9/x'), '::1'), true);
    assert.equal(matchesNoProxy(url('https://IDP.Example.COM/x'), 'example.com'), true);
    assert.equal(matchesNoProxy(url('https://idp.example.com/x'), ''), false);
    assert.equal(matchesNoProxy(url('https://idp.example.com/x'), undefined), false);
  });

  it('reads HTTPS_PROXY for https, HTTP_PROXY for http, in either case, honouring NO_PROXY', () => {
    const env = {
      https_proxy: 'http://secure-proxy:3128',
      HTTP_PROXY: 'http://plain-proxy:3128',
      NO_PROXY: 'internal.test',
    };
    assert.equal(selectProxy(url('https://idp.test/'), {}, env), 'http://secure-proxy:3128');
    assert.equal(selectProxy(url('http://idp.test/'), {}, env), 'http://plain-proxy:3128');
    assert.equal(selectProxy(url('https://api.internal.test/'), {}, env), undefined);
    assert.equal(selectProxy(url('https://idp.test/'), {}, { HTTP_PROXY: 'http://p:1' }), 'http://p:1');
    assert.equal(selectProxy(url('https://idp.test/'), {}, {}), undefined);
  });

  it('treats a blank variable as unset, and reads NO_PROXY only when there is a proxy to skip', () => {
    const read: string[] = [];
    const recording = (env: Record<string, string>) =>
      new Proxy(env, {
        get: (target, name: string) => {
          read.push(name);
          return target[name];
        },
      });
    assert.equal(selectProxy(url('https://idp.test/'), {}, recording({ HTTPS_PROXY: '  ', NO_PROXY: '*' })), undefined);
    assert.equal(
      read.some((name) => name.toLowerCase() === 'no_proxy'),
      false,
    );
    assert.equal(
      selectProxy(url('https://idp.test/'), {}, recording({ https_proxy: ' http://p:1 ', NO_PROXY: 'x.test' })),
      'http://p:1',
    );
    assert.ok(read.includes('NO_PROXY'));
  });

  it('tells whether the environment names a proxy at all (HTTPS_PROXY or HTTP_PROXY, any case, not blank)', () => {
    assert.equal(hasProxyVariable({}), false);
    assert.equal(hasProxyVariable({ NO_PROXY: '*', HTTPS_PROXY: ' ' }), false);
    assert.equal(hasProxyVariable({ http_proxy: 'http://p:1' }), true);
    assert.equal(hasProxyVariable({ HTTPS_PROXY: 'http://p:1' }), true);
  });

  it('prefers the proxy option over the environment, and the noProxy option over NO_PROXY', () => {
    const env = { HTTPS_PROXY: 'http://env-proxy:1', NO_PROXY: '*' };
    assert.equal(
      selectProxy(url('https://idp.test/'), { proxy: 'http://option-proxy:2', noProxy: 'other.test' }, env),
      'http://option-proxy:2',
    );
    assert.equal(selectProxy(url('https://idp.test/'), { proxy: 'http://option-proxy:2' }, env), undefined);
  });
});

describe('http client through a proxy', () => {
  const opened = closeAfterEach();
  function client(options: Parameters<typeof createHttpClient>[0] = {}): ReturnType<typeof createHttpClient> {
    return opened(createHttpClient(options));
  }
  async function serve<T extends Running>(started: Promise<T>): Promise<T> {
    return opened(await started);
  }

  it('tunnels https through CONNECT with the proxy option, and records the proxy', async () => {
    const { ca, leaf } = testPki();
    const target = await serve(httpsServer(leaf, (_req, res) => res.end('tunnelled')));
    const proxy = await serve(proxyServer());
    const response = await client({ env: {}, ca: ca.cert, proxy: proxy.url }).send({
      method: 'GET',
      url: `${target.url}/x`,
    });
    assert.equal(response.text, 'tunnelled');
    assert.deepEqual(proxy.seen, [`CONNECT 127.0.0.1:${target.port}`]);
    assert.equal(response.exchange.transport?.proxy, proxy.url);
  });

  it('forwards plain http to the proxy in absolute form, from HTTP_PROXY', async () => {
    const target = await serve(httpServer((_req, res) => res.end('forwarded')));
    const proxy = await serve(proxyServer());
    const response = await client({ env: { HTTP_PROXY: proxy.url } }).send({
      method: 'GET',
      url: `${target.url}/y?z=1`,
    });
    assert.equal(response.text, 'forwarded');
    assert.equal(response.headers['x-via-test-proxy'], '1');
    assert.deepEqual(proxy.seen, [`GET ${target.url}/y?z=1`]);
  });

  it('fails with http.proxy when the proxy refuses the tunnel', async () => {
    const proxy = await serve(proxyServer());
    // The test proxy refuses every host but loopback, so nothing leaves this machine.
    const failure = await client({ env: {}, proxy: proxy.url })
      .send({ method: 'GET', url: 'https://blocked.test/x', label: 'token endpoint' })
      .then(
        () => assert.fail('expected a failure'),
        (error: unknown) => error as { code: string; message: string },
      );
    assert.equal(failure.code, 'http.proxy');
    assert.match(failure.message, /token endpoint/);
    assert.deepEqual(proxy.seen, ['CONNECT blocked.test:443']);
  });

  it('uses HTTPS_PROXY from the environment unless NO_PROXY lists the host', async () => {
    const { ca, leaf } = testPki();
    const target = await serve(httpsServer(leaf, (_req, res) => res.end('hello')));
    const proxy = await serve(proxyServer());

    await client({ ca: ca.cert, env: { HTTPS_PROXY: proxy.url, NO_PROXY: 'example.com' } }).send({
      method: 'GET',
      url: target.url,
    });
    assert.equal(proxy.seen.length, 1);

    await client({ ca: ca.cert, env: { https_proxy: proxy.url, no_proxy: '127.0.0.1' } }).send({
      method: 'GET',
      url: target.url,
    });
    await client({ ca: ca.cert, env: { HTTPS_PROXY: proxy.url, NO_PROXY: '*' } }).send({
      method: 'GET',
      url: target.url,
    });
    const direct = await client({
      ca: ca.cert,
      env: { HTTPS_PROXY: proxy.url },
      noProxy: `127.0.0.1:${target.port}`,
    }).send({
      method: 'GET',
      url: target.url,
    });
    assert.equal(proxy.seen.length, 1, 'bypassed hosts go direct');
    assert.equal(direct.exchange.transport?.proxy, undefined);
  });
});
