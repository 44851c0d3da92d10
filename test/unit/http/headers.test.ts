/** headerValue and headerKey: the one case-insensitive header lookup every area uses. */
import assert from 'node:assert/strict';
import { headerKey, headerValue } from '../../../src/core/http/headers';
import type { HeaderList } from '../../../src/core/http/types';

describe('header lookups', function () {
  it('finds a header in a record whatever case either side uses', function () {
    const headers = { 'Content-Type': 'application/json', 'WWW-Authenticate': 'Bearer error="invalid_token"' };
    assert.equal(headerValue(headers, 'content-type'), 'application/json');
    assert.equal(headerValue(headers, 'Www-Authenticate'), 'Bearer error="invalid_token"');
    assert.equal(headerValue(headers, 'location'), undefined);
  });

  it('finds a header in recorded name/value pairs, the first when repeated', function () {
    const headers: HeaderList = [
      ['set-cookie', 'a=1'],
      ['Set-Cookie', 'b=2'],
      ['Location', '/next'],
    ];
    assert.equal(headerValue(headers, 'set-cookie'), 'a=1');
    assert.equal(headerValue(headers, 'location'), '/next');
    assert.equal(headerValue(headers, 'authorization'), undefined);
  });

  it('keeps the value type of the record (repeated headers as arrays)', function () {
    const headers: Record<string, string | string[]> = { Vary: ['Origin', 'Accept'] };
    assert.deepEqual(headerValue(headers, 'vary'), ['Origin', 'Accept']);
  });

  it("reads a record's own headers only, the first of two spellings when both are there", function () {
    const inherited = Object.assign(Object.create({ 'content-type': 'from the prototype' }) as object, {
      Accept: '*/*',
    });
    assert.equal(headerValue(inherited as Record<string, string>, 'content-type'), undefined);
    assert.equal(headerValue(inherited as Record<string, string>, 'accept'), '*/*');
    assert.equal(headerValue({ 'Content-Type': 'a', 'content-type': 'b' }, 'CONTENT-TYPE'), 'a');
  });

  it('an empty value is a value, not a missing header', function () {
    assert.equal(headerValue({ 'X-Empty': '' }, 'x-empty'), '');
  });

  it('names the key a record holds a header under, to replace or delete it', function () {
    const headers = { 'Content-Type': 'multipart/form-data', Accept: '*/*' };
    assert.equal(headerKey(headers, 'content-type'), 'Content-Type');
    assert.equal(headerKey(headers, 'authorization'), undefined);
  });
});
