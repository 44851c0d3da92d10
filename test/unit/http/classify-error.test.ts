import { strict as assert } from 'node:assert';
import { classifyFailure } from '../../../src/core/http/classify-error';
import type { FailureContext } from '../../../src/core/http/classify-error';

const ctx: FailureContext = {
  target: 'the token endpoint (https://idp.example.com/oauth2/v1/token)',
  host: 'idp.example.com',
  port: '443',
  connectTimeout: 10_000,
  headersTimeout: 30_000,
  bodyTimeout: 30_000,
  clientCertificate: false,
};

function withCode(code: string, message = code): Error {
  return Object.assign(new Error(message), { code });
}

describe('classifyFailure', () => {
  it('recognises DNS failures, also inside a cause', () => {
    const failure = classifyFailure(Object.assign(new Error('fetch failed'), { cause: withCode('ENOTFOUND', 'getaddrinfo ENOTFOUND idp.example.com') }), ctx);
    assert.equal(failure.code, 'http.dns');
    assert.match(failure.message, /"idp\.example\.com".*token endpoint/);
    assert.match(failure.hint, /DNS/);
  });

  it('looks inside AggregateErrors from happy-eyeballs connects', () => {
    const failure = classifyFailure(new AggregateError([withCode('ECONNREFUSED'), withCode('ECONNREFUSED')], 'all failed'), ctx);
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
    const failure = classifyFailure(withCode('UND_ERR_ABORTED', 'Proxy response (407) !== 200 when HTTP Tunneling'), { ...ctx, proxy: 'http://proxy.test:3128' });
    assert.equal(failure.code, 'http.proxy');
    assert.match(failure.message, /proxy\.test:3128/);
  });

  it('starts every message with the target, capitalised where it opens the sentence', () => {
    const failure = classifyFailure(withCode('UND_ERR_HEADERS_TIMEOUT'), ctx);
    assert.match(failure.message, /^The token endpoint \(https:\/\/idp\.example\.com\/oauth2\/v1\/token\) accepted the request/);
  });
});
