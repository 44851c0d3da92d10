import { strict as assert } from 'node:assert';
import { TextMemo } from '../../src/core/text-memo';

describe('TextMemo', () => {
  it('keeps values by text, not texts over its length limit, and empties itself whole when full', () => {
    const memo = new TextMemo<number | null>(3, 5);
    assert.equal(memo.set('a', 1), 1);
    assert.equal(memo.set('b', null), null);
    assert.equal(memo.get('a'), 1);
    assert.equal(memo.get('b'), null, 'null is a value kept');
    assert.equal(memo.set('toolong', 2), 2, 'handed back though not kept');
    assert.equal(memo.get('toolong'), undefined);
    memo.set('c', 3);
    memo.set('d', 4);
    assert.deepEqual(
      ['a', 'b', 'c', 'd'].map((t) => memo.get(t)),
      [undefined, undefined, undefined, 4],
    );
  });
});
