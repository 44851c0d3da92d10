import { strict as assert } from 'node:assert';
import { inspect } from 'node:util';
import { asOidcError } from '../../../src/core/errors';
import { createHttpClient, HttpError, isHttpError } from '../../../src/core/http';
import { tokenExchange } from '../../support/exchange-fixture';

/**
 * What this file proves: an HttpError keeps its exchange (with the request's
 * unredacted secrets) for code that reads `error.exchange`, and nothing that
 * serialises or prints the error reaches it.
 */
const SECRET = 'client-secret-that-must-not-leak';

function failedExchange() {
  return tokenExchange({
    request: {
      method: 'POST',
      url: 'https://idp.example.com/oauth2/default/v1/token',
      headers: [['authorization', `Basic ${Buffer.from(`client:${SECRET}`).toString('base64')}`]],
      body: `grant_type=client_credentials&client_secret=${SECRET}`,
      bodySize: 60,
    },
    response: undefined,
    error: { code: 'http.connection_reset', message: 'reset' },
    secrets: [SECRET],
  });
}

describe('HttpError', () => {
  it('still hands its exchange to code that reads it', () => {
    const exchange = failedExchange();
    const error = new HttpError('http.connection_reset', 'The connection was reset.', exchange);
    assert.equal(error.exchange, exchange);
    assert.equal((error as { exchange?: unknown }).exchange, exchange);
    assert.equal(error.code, 'http.connection_reset');
  });

  it('does not put the exchange in JSON, a spread copy, Object.keys or util.inspect', () => {
    const error = new HttpError('http.connection_reset', 'The connection was reset.', failedExchange(), {
      where: 'token endpoint',
      hint: 'Retry.',
    });
    assert.equal(Object.keys(error).includes('exchange'), false);
    assert.equal('exchange' in { ...error }, false);
    for (const text of [
      JSON.stringify(error),
      JSON.stringify({ ...error }),
      inspect(error),
      inspect(error, { depth: 10 }),
      String(error),
    ]) {
      assert.equal(text.includes(SECRET), false, text);
      assert.equal(text.includes(Buffer.from(`client:${SECRET}`).toString('base64')), false, text);
    }
    // The error still says what happened.
    assert.match(JSON.stringify(error), /"code":"http\.connection_reset"/);
  });

  it('keeps the exchange hidden when it is the cause of another error', () => {
    const inner = new HttpError('http.connection_reset', 'The connection was reset.', failedExchange());
    const outer = asOidcError(new Error('wrapped', { cause: inner }));
    assert.equal(inspect(outer, { depth: 10 }).includes(SECRET), false);
  });

  it('cannot have its exchange replaced', () => {
    const error = new HttpError('http.connection_reset', 'The connection was reset.', failedExchange());
    assert.throws(() => {
      (error as { exchange: unknown }).exchange = undefined;
    }, TypeError);
  });

  it('hides the exchange of a real failed request that carried a secret', async () => {
    const http = createHttpClient({ env: {} });
    try {
      // Port 1 on loopback: nothing listens, so the connection is refused at once.
      const error = await http
        .send({
          method: 'POST',
          url: 'http://127.0.0.1:1/token',
          form: { grant_type: 'client_credentials', client_secret: SECRET },
          secrets: [SECRET],
          label: 'token endpoint',
        })
        .then(
          () => assert.fail('expected the request to fail'),
          (e: unknown) => e,
        );
      assert.ok(isHttpError(error));
      assert.equal(error.exchange.error?.code, error.code);
      for (const text of [JSON.stringify(error), inspect(error, { depth: 10 })])
        assert.equal(text.includes(SECRET), false, text);
    } finally {
      await http.close();
    }
  });
});
