import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { isSecretField, isSecretHeader, redactText, SecretRegistry } from '../../../src/core/http';
import type { HttpExchange } from '../../../src/core/http';
import { tokenExchange } from '../../support/exchange-fixture';

/**
 * The run's one redactor learns every secret an exchange carried, by name
 * where the wire says what a value is, and then masks it by value wherever
 * it shows up again: a message, a URL, an echo, a report.
 */
/** A token endpoint's JSON answer with this body. */
function jsonAnswer(body: string) {
  return tokenExchange({
    response: {
      status: 200,
      statusText: 'OK',
      httpVersion: 'HTTP/1.1',
      headers: [['content-type', 'application/json']],
      body,
      bodySize: body.length,
      truncated: false,
      contentType: 'application/json',
    },
  });
}

/** A token endpoint's request with this form body, and these headers after its content type. */
function formRequest(body: string, headers: Array<[string, string]> = []): HttpExchange['request'] {
  return {
    method: 'POST',
    url: 'https://idp.example.com/token',
    headers: [['content-type', 'application/x-www-form-urlencoded'], ...headers],
    body,
    bodySize: body.length,
  };
}

describe('SecretRegistry', () => {
  it('learns the client secret inside Basic credentials, the assertion and the tokens of a token response', () => {
    const registry = new SecretRegistry();
    registry.addExchange(
      tokenExchange({
        request: formRequest(
          'grant_type=password&username=alice&password=alice-password&client_assertion=eyJhbGc.x.y',
          [['authorization', `Basic ${Buffer.from('app:the-client-secret').toString('base64')}`]],
        ),
        response: {
          status: 200,
          statusText: 'OK',
          httpVersion: 'HTTP/1.1',
          headers: [['content-type', 'application/json']],
          body: '{"access_token":"opaque-access-1","refresh_token":"opaque-refresh-2","id_token":"opaque-id-3","code":"invalid_token_x"}',
          bodySize: 100,
          truncated: false,
          contentType: 'application/json',
        },
      }),
    );
    const text = registry.text(
      'app:the-client-secret alice-password eyJhbGc.x.y opaque-access-1 opaque-refresh-2 opaque-id-3 invalid_token_x',
    );
    assert.doesNotMatch(text, /the-client-secret|alice-password|eyJhbGc|opaque-/);
    assert.match(text, /invalid_token_x$/, "a response's code is an error code, not a secret");
    assert.ok(registry.list().includes(Buffer.from('app:the-client-secret').toString('base64')));
  });

  it('learns tokens sent as ?jwt= and in X-Token, X-Api-Key and X-Auth-Token headers', () => {
    const registry = new SecretRegistry();
    registry.addExchange(
      tokenExchange({
        request: {
          method: 'GET',
          url: 'https://api.example.com/x?jwt=jwt-in-the-query&page=2',
          headers: [
            ['X-Token', 'x-token-value-1'],
            ['X-Api-Key', 'api-key-value-2'],
            ['X-Auth-Token', 'auth-token-value-3'],
            ['X-Request-Id', 'request-id-not-secret'],
          ],
          bodySize: 0,
        },
      }),
    );
    const text = registry.text(
      'jwt-in-the-query x-token-value-1 api-key-value-2 auth-token-value-3 request-id-not-secret',
    );
    assert.equal(
      text,
      '[redacted 16 chars] [redacted 15 chars] [redacted 15 chars] [redacted 18 chars] request-id-not-secret',
    );
  });

  it('masks a secret URL-encoded and JSON-escaped too, and in every string of a value', () => {
    const registry = new SecretRegistry();
    registry.add('s3cr/et+"x"');
    assert.equal(registry.text(`a=${encodeURIComponent('s3cr/et+"x"')}`), 'a=[redacted 11 chars]');
    assert.deepEqual(registry.value({ m: [JSON.stringify({ v: 's3cr/et+"x"' })] }), {
      m: ['{"v":"[redacted 11 chars]"}'],
    });
  });

  it('does not learn short values by name alone (a cookie theme=dark must not mask every "dark")', () => {
    const registry = new SecretRegistry();
    registry.addExchange(
      tokenExchange({
        request: { method: 'GET', url: 'https://a/', headers: [['cookie', 'theme=dark']], bodySize: 0 },
      }),
    );
    assert.equal(registry.text('dark mode'), 'dark mode');
  });

  it('names credential headers and fields by their words, not one fixed list', () => {
    for (const name of [
      'X-Token',
      'X-Auth-Token',
      'X-Amz-Security-Token',
      'Private-Token',
      'X-Client-Secret',
      'X-Api-Key',
    ])
      assert.ok(isSecretHeader(name), name);
    for (const name of ['X-Request-Id', 'WWW-Authenticate', 'X-Kong-Request-Id', 'Content-Type'])
      assert.ok(!isSecretHeader(name), name);
    for (const name of ['jwt', 'api_key', 'user_password', 'secret']) assert.ok(isSecretField(name), name);
  });

  // The forms of each secret are computed once and reused (issue #14): what is reused must never go stale.
  // What an exchange carried is learned when something masks or lists, not on arrival (issue #14): each
  // way out must see it, and a value too short to hold a learned secret needs no learning.
  it('learns what an exchange carried before any masking or listing, and forgets it on clear()', () => {
    const answer = (token: string) => jsonAnswer(JSON.stringify({ access_token: token }));
    const ways: Array<[string, (r: SecretRegistry) => string]> = [
      ['text', (r) => r.text('token opaque-access-1')],
      ['url', (r) => r.url('https://api.example/?q=opaque-access-1')],
      ['value', (r) => JSON.stringify(r.value({ short: 'ok', token: 'opaque-access-1' }))],
      ['list', (r) => JSON.stringify(r.list())],
      ['exchange', (r) => JSON.stringify(r.exchange(answer('opaque-access-1')).response?.body)],
    ];
    for (const [way, read] of ways) {
      const registry = new SecretRegistry();
      registry.addExchange(answer('opaque-access-1'));
      const out = read(registry);
      if (way === 'list') assert.ok(out.includes('opaque-access-1'), way);
      else assert.doesNotMatch(out, /opaque-access-1/, way);
    }
    const short = new SecretRegistry();
    short.addExchange(answer('opaque-access-1'));
    assert.deepEqual(short.value({ status: 'ok', n: 200 }), { status: 'ok', n: 200 });
    assert.equal(short.text('opaque-access-1'), '[redacted 15 chars]');
    const cleared = new SecretRegistry();
    cleared.addExchange(answer('opaque-access-2'));
    cleared.clear();
    assert.equal(cleared.text('opaque-access-2'), 'opaque-access-2');
    // Many exchanges before any output: every one is learned (the pending ones are bounded, not dropped).
    const many = new SecretRegistry();
    for (let i = 0; i < 100; i += 1) many.addExchange(answer(`opaque-access-${1000 + i}`));
    assert.doesNotMatch(
      many.text(Array.from({ length: 100 }, (_, i) => `opaque-access-${1000 + i}`).join(' ')),
      /opaque-access-/,
    );
  });

  it("masks the values an exchange's sender listed in every way, short ones in value() too, though they are learned late", () => {
    const listed = (secrets: string[]) => ({ ...jsonAnswer('{"ok":true}'), secrets });
    for (const read of [
      (r: SecretRegistry) => r.text('a listed-secret-value and pw7x'),
      (r: SecretRegistry) => r.url('https://api.example/?q=listed-secret-value&p=pw7x'),
      (r: SecretRegistry) => JSON.stringify(r.value({ a: 'listed-secret-value', b: 'pw7x' })),
      (r: SecretRegistry) => JSON.stringify(r.exchange(jsonAnswer('{"x":"listed-secret-value pw7x"}')).response?.body),
    ]) {
      const registry = new SecretRegistry();
      registry.addExchange(listed(['listed-secret-value', 'pw7x']));
      const out = read(registry);
      assert.doesNotMatch(out, /listed-secret-value|pw7x/, out);
    }
    // Values given to add() are learned as late, and masked the same way, however many wait.
    const added = new SecretRegistry();
    for (let i = 0; i < 100; i += 1) added.add(`added-secret-${1000 + i}`);
    added.add('pw8y');
    assert.doesNotMatch(
      added.text(Array.from({ length: 100 }, (_, i) => `added-secret-${1000 + i}`).join(' ')),
      /added-secret-/,
    );
    assert.deepEqual(added.value({ b: 'pw8y' }), { b: '[redacted 4 chars]' });
    assert.ok(added.list().includes('added-secret-1099'));
    // A value made only of short strings skips learning, yet a short listed secret is masked in it.
    const short = new SecretRegistry();
    short.addExchange(listed(['pw7x']));
    assert.deepEqual(short.value({ b: 'pw7x' }), { b: '[redacted 4 chars]' });
  });

  describe('reused secret forms', () => {
    it('masks a value learned after a list was handed out, in the new list and in text()', () => {
      const registry = new SecretRegistry();
      registry.add('first-secret-value');
      const before = registry.list();
      registry.add('second-secret-value');
      assert.deepEqual(before, ['first-secret-value']);
      assert.equal(redactText('second-secret-value', registry.list()), '[redacted 19 chars]');
      assert.equal(
        registry.text('a first-secret-value b second-secret-value'),
        'a [redacted 18 chars] b [redacted 19 chars]',
      );
      registry.clear();
      assert.equal(registry.text('first-secret-value'), 'first-secret-value');
    });

    // clear() keeps what is already empty (issue #14 point 2): an empty list handed out before it
    // must still mask nothing after the next run's values arrive, and every way out forgets.
    it('forgets everything on clear(), and a list handed out before it never masks what came after', () => {
      const registry = new SecretRegistry();
      const empty = registry.list();
      registry.clear();
      registry.add('after-clear-secret');
      assert.equal(redactText('after-clear-secret', empty), 'after-clear-secret');
      assert.equal(registry.text('after-clear-secret'), '[redacted 18 chars]');
      registry.clear();
      registry.clear();
      assert.deepEqual(registry.list(), []);
      assert.equal(registry.text('after-clear-secret'), 'after-clear-secret');
      registry.addExchange({ ...jsonAnswer('{"ok":true}'), secrets: ['pending-secret-value'] });
      registry.clear();
      assert.equal(registry.text('pending-secret-value'), 'pending-secret-value');
      assert.deepEqual(registry.list(), []);
    });

    it('masks a longer secret whole whatever order the secrets were learned in', () => {
      const registry = new SecretRegistry();
      registry.add('abcd', 'xx-abcd-yy', 'abcd-yy');
      assert.equal(registry.text('<xx-abcd-yy>'), '<[redacted 10 chars]>');
    });

    it('masks with a plain list that grew after it was first used', () => {
      const secrets = ['one-secret-value'];
      assert.equal(redactText('another-secret', secrets), 'another-secret');
      secrets.push('another-secret');
      assert.equal(redactText('another-secret', secrets), '[redacted 14 chars]');
    });
  });

  it('learns the password of a Basic header once per run, even when the header value was known before it', () => {
    const basic = Buffer.from('app:the-basic-password').toString('base64');
    const request = formRequest('grant_type=client_credentials', [['authorization', `Basic ${basic}`]]);
    const registry = new SecretRegistry();
    // The whole credential listed by its sender first (as add() learns it), then the header itself.
    registry.add(basic);
    registry.addExchange(tokenExchange({ request, response: undefined }));
    registry.addExchange(tokenExchange({ request, response: undefined }));
    assert.equal(registry.text('the-basic-password'), '[redacted 18 chars]');
    registry.clear();
    assert.equal(registry.text('the-basic-password'), 'the-basic-password');
    registry.addExchange(tokenExchange({ request, response: undefined }));
    assert.equal(registry.text('the-basic-password'), '[redacted 18 chars]', 'learned again after clear()');
  });

  it("learns a form's credential fields exactly as URLSearchParams reads the form, whatever its text", () => {
    const form = (pairs: Array<[string, string]>) => new URLSearchParams(pairs).toString();
    const name = fc.oneof(
      fc.constantFrom('client_secret', 'password', 'Refresh_Token', 'code', 'grant_type', 'scope', 'x_api_token'),
      fc.constantFrom('client%5Fsecret', 'pass%77ord', '%63ode', 'client+secret', 'client_secret%', 'c%ZZode'),
      fc.string({ unit: fc.constantFrom('a', '_', '%', '+', '=', '5', 'F', 'c', 'é', '\u212A') }),
    );
    const text = fc.oneof(
      fc.array(fc.tuple(name, fc.string({ minLength: 0, maxLength: 20 }))).map(form),
      fc
        .array(fc.tuple(name, fc.string({ unit: fc.constantFrom('v', '%', '2', '0', '+', '=', 'é', '&', 'x') })))
        .map((pairs) => pairs.map(([n, v]) => `${n}=${v}`).join('&')),
      fc.string({ unit: fc.constantFrom('a', '&', '=', '%', '+', 'password', 'code', '5F', 'longvalue1') }),
    );
    fc.assert(
      fc.property(text, (body) => {
        const expected = new Set<string>();
        for (const [field, value] of new URLSearchParams(body))
          if (isSecretField(field) && value.length >= 8 && value.trim() !== '') expected.add(value);
        const registry = new SecretRegistry();
        registry.addExchange(tokenExchange({ request: formRequest(body), response: undefined }));
        assert.deepEqual(new Set(registry.list()), expected);
      }),
      { numRuns: 500 },
    );
  });

  it('learns a credential field of a JSON answer however its name is written (escaped, any case, a Kelvin sign K)', () => {
    // The registry skips parsing bodies whose text names no credential field; these names must still be found.
    const bodies = [
      '{"access\\u005ftoken":"zq-escaped-name-1"}',
      '{"ACCESS_TOKEN":"zq-upper-case-2"}',
      '{"nested":{"session":{"to\u212Aen":"zq-kelvin-sign-3"}}}',
      '{"upstream":"echo","headers":{"host":"api"},"Client_Secret":"zq-mixed-case-4"}',
    ];
    for (const body of bodies) {
      const registry = new SecretRegistry();
      registry.addExchange(jsonAnswer(body));
      assert.doesNotMatch(registry.text(body), /zq-/, body);
    }
  });
});
