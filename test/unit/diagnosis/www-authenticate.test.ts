import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { parseWwwAuthenticate } from '../../../src/core/diagnosis/www-authenticate';

describe('parseWwwAuthenticate', () => {
  it("reads Kong's bearer challenge with quoted params", () => {
    assert.deepEqual(
      parseWwwAuthenticate(
        'Bearer realm="kong.example.com", error="invalid_token", error_description="The access token expired"',
      ),
      [
        {
          scheme: 'Bearer',
          params: { realm: 'kong.example.com', error: 'invalid_token', error_description: 'The access token expired' },
        },
      ],
    );
  });

  it('reads several challenges and unquoted values', () => {
    const parsed = parseWwwAuthenticate('DPoP algs="ES256 PS256", error=invalid_token, Basic realm="x"');
    assert.equal(parsed.length, 2);
    assert.equal(parsed[0]!.scheme, 'DPoP');
    assert.equal(parsed[0]!.params.algs, 'ES256 PS256');
    assert.equal(parsed[0]!.params.error, 'invalid_token');
    assert.deepEqual(parsed[1], { scheme: 'Basic', params: { realm: 'x' } });
  });

  it('keeps escaped quotes and commas inside quoted values', () => {
    const [c] = parseWwwAuthenticate('Bearer error_description="a \\"quoted\\", value", error="invalid_token"');
    assert.equal(c!.params.error_description, 'a "quoted", value');
    assert.equal(c!.params.error, 'invalid_token');
  });

  it('returns nothing for an empty header and never throws on junk', () => {
    assert.deepEqual(parseWwwAuthenticate(undefined), []);
    fc.assert(fc.property(fc.string(), (junk) => Array.isArray(parseWwwAuthenticate(junk))));
  });
});
