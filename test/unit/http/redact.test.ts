import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { redactBody, redactExchange, redactText, redactUrl, toCurl, toHar } from '../../../src/core/http';
import { prettyJson, SecretForms } from '../../../src/core/http/redact';
import type { HttpExchange } from '../../../src/core/http';
import { tokenExchange } from '../../support/exchange-fixture';

describe('redaction', () => {
  it('masks credential headers, keeping the Authorization scheme and cookie names', () => {
    const shown = redactExchange(
      tokenExchange({
        request: {
          method: 'GET',
          url: 'https://gw.example.com/api',
          headers: [
            ['Authorization', 'Bearer abc.def.ghi'],
            ['Proxy-Authorization', 'Basic dXNlcjpwYXNz'],
            ['Cookie', 'sid=s3cr3t; theme=dark'],
            ['DPoP', 'eyJ0eXAiOiJkcG9wK2p3dCJ9.x.y'],
            ['X-Api-Key', 'key-123456'],
            ['Kong-Admin-Token', 'kong-admin-secret'],
            ['apikey', 'another-key'],
            ['Accept', 'application/json'],
          ],
          bodySize: 0,
        },
      }),
    );
    assert.deepEqual(shown.request.headers, [
      ['Authorization', 'Bearer [redacted 11 chars]'],
      ['Proxy-Authorization', 'Basic [redacted 12 chars]'],
      ['Cookie', 'sid=[redacted 6 chars]; theme=[redacted 4 chars]'],
      ['DPoP', '[redacted 28 chars]'],
      ['X-Api-Key', '[redacted 10 chars]'],
      ['Kong-Admin-Token', '[redacted 17 chars]'],
      ['apikey', '[redacted 11 chars]'],
      ['Accept', 'application/json'],
    ]);
    assert.deepEqual(shown.response?.headers[1], ['set-cookie', 'sid=[redacted 12 chars]; Path=/; HttpOnly']);
  });

  it('masks credential form fields and JSON fields, including any *_token or *_secret', () => {
    const shown = redactExchange(tokenExchange());
    assert.equal(
      shown.request.body,
      'grant_type=client_credentials&scope=api%3Aread&client_assertion=[redacted 32 chars]',
    );
    assert.deepEqual(JSON.parse(shown.response!.body), {
      token_type: 'Bearer',
      expires_in: 3600,
      access_token: '[redacted 37 chars]',
      scope: 'api:read',
    });
    assert.equal(
      redactBody(
        '{"nested":{"my_token":"t1t1t1","api_secret":"s1s1s1","list":[{"password":"pw"}]},"keep":"me"}',
        'application/json',
      ),
      '{"nested":{"my_token":"[redacted 6 chars]","api_secret":"[redacted 6 chars]","list":[{"password":"[redacted 2 chars]"}]},"keep":"me"}',
    );
    for (const field of [
      'client_secret',
      'assertion',
      'token',
      'refresh_token',
      'id_token',
      'code',
      'code_verifier',
      'device_code',
      'subject_token',
      'actor_token',
      'private_key',
    ]) {
      assert.equal(
        redactBody(`${field}=value1&a=b`, 'application/x-www-form-urlencoded'),
        `${field}=[redacted 6 chars]&a=b`,
        field,
      );
    }
  });

  it('masks credential query parameters and URL passwords', () => {
    assert.equal(
      redactUrl('https://user:pa%24s@app.test/cb?code=abc123&state=xyz&access_token=tok#id_token=jwt1'),
      'https://user:[redacted 4 chars]@app.test/cb?code=[redacted 6 chars]&state=xyz&access_token=[redacted 3 chars]#id_token=[redacted 4 chars]',
    );
  });

  it('masks listed secrets anywhere, in their URL- and JSON-encoded forms too', () => {
    const secret = 'a+b/c"d e';
    const text = `raw ${secret} url ${encodeURIComponent(secret)} form ${new URLSearchParams({ s: secret }).toString().slice(2)} json ${JSON.stringify(secret)}`;
    const out = redactText(text, [secret]);
    assert.ok(!out.includes(secret));
    assert.ok(!out.includes(encodeURIComponent(secret)));
    assert.ok(!out.includes('a\\"'));
    assert.equal(redactText('nothing to hide', []), 'nothing to hide');
  });

  it('leaves everything alone with reveal, but still drops the secrets list', () => {
    const original = tokenExchange({ secrets: ['hunter22'] });
    const shown = redactExchange(original, { reveal: true });
    assert.deepEqual(shown.request, original.request);
    assert.deepEqual(shown.secrets, []);
    assert.deepEqual(original.secrets, ['hunter22'], 'the original is not touched');
  });

  it('does not modify the original exchange', () => {
    const original = tokenExchange();
    const before = structuredClone(original);
    redactExchange(original);
    assert.deepEqual(original, before);
  });

  it('never throws on odd bodies', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary' }),
        fc.constantFrom('application/json', 'application/x-www-form-urlencoded', undefined, 'text/html'),
        (body, type) => {
          redactBody(body, type, ['secret-value']);
        },
      ),
    );
    assert.equal(redactBody('{"access_token": broken', 'application/json', []), '{"access_token": broken');
    assert.equal(
      redactBody('%E0%A4%A=%zz&token=%', 'application/x-www-form-urlencoded', []),
      '%E0%A4%A=%zz&token=[redacted 1 chars]',
    );
  });

  describe('property: a listed secret never appears in the redacted exchange, curl or HAR', () => {
    const tokenChars = fc.constantFrom(
      ...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~'.split(''),
    );
    const secretArb = fc
      .array(tokenChars, { minLength: 8, maxLength: 60 })
      .map((chars) => chars.join(''))
      .filter((secret) => !'[redacted chars]'.includes(secret));
    const filler = fc.string({ maxLength: 30 });
    const place = fc.constantFrom('query', 'header', 'form', 'json', 'response', 'error', 'redirect');

    function exchangeWith(secret: string, where: string, noise: string): HttpExchange {
      const base = tokenExchange({ secrets: [secret] });
      switch (where) {
        case 'query':
          base.request.url = `https://idp.test/cb?x=${encodeURIComponent(noise)}&v=${secret}`;
          break;
        case 'header':
          base.request.headers.push(['X-Custom', `${noise}${secret}${noise}`]);
          break;
        case 'form':
          base.request.body = `a=${encodeURIComponent(noise)}&opaque=${secret}`;
          break;
        case 'json':
          base.request.headers = [['content-type', 'application/json']];
          base.request.body = JSON.stringify({ noise, nested: { value: secret } });
          break;
        case 'response':
          base.response!.body = `${noise}${secret}${noise}`;
          base.response!.headers.push(['location', `https://app.test/cb?state=${secret}`]);
          break;
        case 'error':
          base.error = { code: 'http.failed', message: `failed ${secret} ${noise}` };
          base.warnings = [`warning about ${secret}`];
          break;
        case 'redirect':
          base.redirects = [tokenExchange({ request: { ...base.request, url: `https://idp.test/${secret}` } })];
          break;
      }
      return base;
    }

    it('holds for the exchange, curl and HAR', () => {
      fc.assert(
        fc.property(secretArb, place, filler, (secret, where, noise) => {
          const exchange = exchangeWith(secret, where, noise);
          const outputs = [
            JSON.stringify(redactExchange(exchange)),
            toCurl(exchange),
            JSON.stringify(toHar([exchange])),
          ];
          for (const output of outputs) assert.ok(!output.includes(secret), `${where}: ${output}`);
        }),
        { numRuns: 300 },
      );
    });

    it('shows the secret again with reveal (the property is not vacuous)', () => {
      fc.assert(
        fc.property(secretArb, place, (secret, where) => {
          const exchange = exchangeWith(secret, where, 'noise');
          assert.ok(JSON.stringify(redactExchange(exchange, { reveal: true })).includes(secret));
        }),
        { numRuns: 50 },
      );
    });
  });
  it('prints bodies with prettyJson exactly as printing the redacted body afterwards would (what the results view shows)', () => {
    const json = fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value));
    const body = fc.oneof(
      json,
      json.map((text) => `  ${text}\n`),
      fc.string(),
      fc.constant('{"access_token":"tok-123456","nested":{"password":"pw-abcdef"},"n":[1,2]}'),
      fc.constant('{not json'),
      fc.constant('{"a":1}'),
    );
    const contentType = fc.constantFrom(
      undefined,
      'application/json',
      'application/x-www-form-urlencoded',
      'text/plain',
    );
    fc.assert(
      fc.property(
        body,
        contentType,
        fc.array(fc.string({ minLength: 4, maxLength: 12 }), { maxLength: 3 }),
        (b, type, secrets) => {
          assert.equal(redactBody(b, type, secrets, { prettyJson: true }), prettyJson(redactBody(b, type, secrets)));
        },
      ),
      { numRuns: 300 },
    );
  });
  it('masks a text exactly as testing every form, longest first, would (forms longer than the text are skipped)', () => {
    // The reference: every secret's forms, longest first, each replaced wherever it occurs.
    const reference = (text: string, secrets: string[]): string => {
      const forms: Array<{ form: string; mask: string }> = [];
      for (const secret of new Set(secrets)) {
        if (secret.length < 4) continue;
        const encoded = new Set([secret]);
        try {
          encoded.add(encodeURIComponent(secret));
        } catch {
          // a lone surrogate: as the code under test
        }
        encoded.add(new URLSearchParams({ s: secret }).toString().slice(2));
        encoded.add(JSON.stringify(secret).slice(1, -1));
        for (const form of encoded)
          if (form.length >= 4) forms.push({ form, mask: `[redacted ${secret.length} chars]` });
      }
      // Stable: forms of one length stay in the order they were learned, as SecretForms keeps them.
      forms.sort((a, b) => b.form.length - a.form.length);
      let out = text;
      for (const { form, mask } of forms) if (out.includes(form)) out = out.split(form).join(mask);
      return out;
    };
    // 'ábcd' shares the index's key with 'abcd' (the key keeps 7 bits of each character): they must not be confused.
    const piece = fc.constantFrom('ab', 'abcd', 'ábcd', 'abcdabcd', 'x y', '[redacted 4 chars]', 'é&', 'tok.', '-');
    const secret = fc.array(piece, { minLength: 1, maxLength: 6 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(
        fc.array(secret, { maxLength: 8 }),
        fc.array(fc.oneof(piece, secret), { maxLength: 12 }),
        (secrets, parts) => {
          const text = parts.join('');
          assert.equal(new SecretForms(secrets).redact(text), reference(text, secrets));
          // The same through the index by first characters, which a run with many secrets uses.
          assert.equal(new SecretForms(secrets, 0).redact(text), reference(text, secrets));
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('masks credential fields by name whether or not the body names one plainly (the shortcut for bodies that name none)', () => {
    // Bodies whose text names no credential field skip the field-by-field copy: the result must be the same.
    const isFieldName = fc.constantFrom('access_token', 'Client_Secret', 'PASSWORD', 'api_key', 'x_token', 'code');
    const plainKey = fc.constantFrom('id', 'sku', 'name', 'qty', 'price', 'status', 'items');
    const value = fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), fc.boolean());
    fc.assert(
      fc.property(fc.dictionary(fc.oneof(plainKey, isFieldName), value, { maxKeys: 5 }), (object) => {
        const out = JSON.parse(redactBody(JSON.stringify({ wrap: [object] }), 'application/json')) as {
          wrap: Array<Record<string, unknown>>;
        };
        for (const [key, inner] of Object.entries(object)) {
          const masked = /token|secret|password|api_key|^code$/i.test(key) && typeof inner !== 'boolean';
          if (masked) assert.match(String(out.wrap[0]![key]), /^\[redacted \d+ chars\]$/);
          else assert.deepEqual(out.wrap[0]![key], inner);
        }
      }),
      { numRuns: 200 },
    );
    // A credential name hidden in a JSON escape is still a credential name.
    assert.doesNotMatch(redactBody('{"acc\\u0065ss_token":"abcdefgh123"}', 'application/json'), /abcdefgh123/);
  });
});
