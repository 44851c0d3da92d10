import { strict as assert } from 'node:assert';
import { toHar } from '../../../src/core/http';
import { tokenExchange } from '../../support/exchange-fixture';

describe('toHar', () => {
  it('produces a HAR 1.2 log with the request, response, cache and timings', () => {
    const har = toHar([tokenExchange()], { creatorVersion: '1.2.3' });
    assert.equal(har.log.version, '1.2');
    assert.deepEqual(har.log.creator, { name: 'OIDC Flow Debugger', version: '1.2.3' });
    assert.equal(har.log.entries.length, 1);
    const [entry] = har.log.entries;
    assert.ok(entry);
    assert.equal(entry.startedDateTime, '2026-01-02T03:04:05.600Z');
    assert.equal(entry.time, 50);
    assert.deepEqual(entry.cache, {});

    assert.equal(entry.request.method, 'POST');
    assert.equal(entry.request.url, 'https://idp.example.com/oauth2/default/v1/token');
    assert.equal(entry.request.httpVersion, 'HTTP/1.1');
    assert.equal(entry.request.headersSize, -1);
    assert.equal(entry.request.bodySize, 97);
    assert.deepEqual(entry.request.queryString, []);
    assert.deepEqual(entry.request.cookies, []);
    assert.ok(entry.request.headers.some((h) => h.name === 'authorization' && h.value === 'Basic [redacted 20 chars]'));
    assert.equal(entry.request.postData?.mimeType, 'application/x-www-form-urlencoded');
    assert.match(entry.request.postData?.text ?? '', /client_assertion=\[redacted 32 chars\]/);
    assert.deepEqual(entry.request.postData?.params, [
      { name: 'grant_type', value: 'client_credentials' },
      { name: 'scope', value: 'api:read' },
      { name: 'client_assertion', value: '[redacted 32 chars]' },
    ]);

    assert.equal(entry.response.status, 200);
    assert.equal(entry.response.statusText, 'OK');
    assert.equal(entry.response.httpVersion, 'HTTP/1.1');
    assert.equal(entry.response.headersSize, -1);
    assert.equal(entry.response.bodySize, 111);
    assert.equal(entry.response.redirectURL, '');
    assert.equal(entry.response.content.mimeType, 'application/json');
    assert.equal(entry.response.content.size, 111);
    assert.match(entry.response.content.text ?? '', /"access_token":"\[redacted 37 chars\]"/);
    assert.deepEqual(entry.response.cookies, [{ name: 'sid', value: '[redacted 12 chars]' }]);

    // HAR counts ssl inside connect; the phases add up to `time`.
    assert.deepEqual(entry.timings, { blocked: 2, dns: 1.5, connect: 5, ssl: 3, send: 0.5, wait: 40, receive: 1 });
    assert.equal(entry._warnings, undefined);
  });

  it('uses -1 for phases that did not happen and lists query parameters', () => {
    const exchange = tokenExchange({ timings: { ttfb: 5, download: 1, total: 7 } });
    exchange.request = {
      method: 'GET',
      url: 'https://gw.test/api?a=1&b=two%20words&access_token=xyz',
      headers: [['Cookie', 'k=v']],
      bodySize: 0,
    };
    const [entry] = toHar([exchange]).log.entries;
    assert.ok(entry);
    assert.equal(entry.timings.dns, -1);
    assert.equal(entry.timings.connect, -1);
    assert.equal(entry.timings.ssl, -1);
    assert.equal(entry.request.postData, undefined);
    assert.equal(entry.request.bodySize, 0);
    assert.deepEqual(entry.request.queryString, [
      { name: 'a', value: '1' },
      { name: 'b', value: 'two words' },
      { name: 'access_token', value: '[redacted 3 chars]' },
    ]);
    assert.deepEqual(entry.request.cookies, [{ name: 'k', value: '[redacted 1 chars]' }]);
  });

  it('adds _warnings, and a status-0 response with _error for failures', () => {
    const exchange = tokenExchange({
      warnings: ['TLS certificate verification was disabled for this request'],
      error: { code: 'http.timeout.headers', message: 'no headers' },
      timings: { connect: 1, total: 30_000 },
    });
    delete exchange.response;
    const [entry] = toHar([exchange]).log.entries;
    assert.ok(entry);
    assert.deepEqual(entry._warnings, ['TLS certificate verification was disabled for this request']);
    assert.deepEqual(entry._error, { code: 'http.timeout.headers', message: 'no headers' });
    assert.equal(entry.response.status, 0);
    assert.equal(entry.response.bodySize, -1);
    assert.equal(entry.time, 30_000);
  });

  it('lists redirect hops before the exchange they led to, with redirectURL', () => {
    const hop = tokenExchange({ id: 'hop' });
    hop.response = { ...hop.response!, status: 302, statusText: 'Found', headers: [['location', '/next?code=abc']] };
    const final = tokenExchange({ redirects: [hop] });
    const entries = toHar([final]).log.entries;
    assert.equal(entries.length, 2);
    assert.equal(entries[0]?.response.status, 302);
    assert.equal(entries[0]?.response.redirectURL, '/next?code=[redacted 3 chars]');
    assert.equal(entries[1]?.response.status, 200);
  });

  it('shows secrets with reveal', () => {
    const [entry] = toHar([tokenExchange()], { reveal: true }).log.entries;
    assert.match(entry?.response.content.text ?? '', /eyJraWQiOiJrMSJ9/);
  });

  it('names the connection: the server address and the client port (serverIPAddress, connection)', () => {
    const connection = { localAddress: '127.0.0.1', localPort: 51234, remoteAddress: '127.0.0.1', remotePort: 8443 };
    const [entry] = toHar([tokenExchange({ connection })]).log.entries;
    assert.equal(entry?.serverIPAddress, '127.0.0.1');
    assert.equal(entry?.connection, '51234');
    const [none] = toHar([tokenExchange()]).log.entries;
    assert.equal(none?.connection, undefined);
  });
});
