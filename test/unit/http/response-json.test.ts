import { strict as assert } from 'node:assert';
import { recordedJson } from '../../../src/core/http/response-json';
import type { RecordedResponse } from '../../../src/core/http/types';

function answer(body: string): RecordedResponse {
  return {
    status: 200,
    statusText: 'OK',
    httpVersion: '1.1',
    headers: [],
    body,
    bodySize: body.length,
    truncated: false,
  };
}

describe('recordedJson', () => {
  it('parses an answer once for all its readers, and again when its body was replaced or another came', () => {
    const first = answer('{"access_token":"first-token"}');
    const value = recordedJson(first)!.value;
    assert.deepEqual(value, { access_token: 'first-token' });
    assert.equal(recordedJson(first)!.value, value, 'the same parse, not a second one');
    assert.ok(Object.isFrozen(value));

    // A capture completes its record by replacing the body: what is read is the body as it is now.
    first.body = '{"access_token":"completed"}';
    assert.deepEqual(recordedJson(first)!.value, { access_token: 'completed' });

    const second = answer('{"refresh_token":"second-token"}');
    assert.deepEqual(recordedJson(second)!.value, { refresh_token: 'second-token' });
    assert.deepEqual(recordedJson(first)!.value, { access_token: 'completed' });
  });

  it('keeps no parse of a big answer (over 64 KB), which is parsed for each reader', () => {
    const big = answer(JSON.stringify({ items: 'x'.repeat(70 * 1024), access_token: 'big-answer-token' }));
    const first = recordedJson(big)!.value as { access_token: string };
    assert.equal(first.access_token, 'big-answer-token');
    assert.notEqual(recordedJson(big)!.value, first, 'parsed again, not held');
    assert.ok(Object.isFrozen(first));
  });

  it('is undefined for a body that is not JSON, every time', () => {
    const html = answer('<html>login</html>');
    assert.equal(recordedJson(html), undefined);
    assert.equal(recordedJson(html), undefined);
    assert.equal(recordedJson(answer('')), undefined);
  });
});
