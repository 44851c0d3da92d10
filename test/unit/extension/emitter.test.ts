/**
 * The one event type (src/core/emitter.ts): what the
 * run history, token vault, run store and gateway source store fire, and
 * what their subscribers hand to context.subscriptions.
 */
import assert from 'node:assert/strict';
import { RunHistory } from '../../../src/extension/history/run-history';
import { RunStore } from '../../../src/extension/results/run-store';
import { TokenVault } from '../../../src/extension/secrets/token-vault';
import { Emitter } from '../../../src/core/emitter';
import type { Disposable } from '../../../src/core/emitter';
import { memoryMemento, memorySecrets } from '../../support/memory-stores';

describe('Emitter (the models’ change events)', function () {
  it('calls listeners in subscription order until their disposable is disposed', function () {
    const emitter = new Emitter<number>();
    const seen: string[] = [];
    const first = emitter.event((n) => seen.push(`a${n}`));
    emitter.event((n) => seen.push(`b${n}`));
    emitter.fire(1);
    first.dispose();
    emitter.fire(2);
    assert.deepEqual(seen, ['a1', 'b1', 'b2']);
  });

  it('counts a listener subscribed twice twice, and disposes each subscription on its own', function () {
    const emitter = new Emitter<void>();
    let calls = 0;
    const listener = () => (calls += 1);
    const one = emitter.event(listener);
    emitter.event(listener);
    emitter.fire();
    one.dispose();
    emitter.fire();
    assert.equal(calls, 3);
  });

  it('lets a listener unsubscribe during a round without skipping the others', function () {
    const emitter = new Emitter<void>();
    const seen: string[] = [];
    const self: Disposable = emitter.event(() => {
      seen.push('once');
      self.dispose();
    });
    emitter.event(() => seen.push('always'));
    emitter.fire();
    emitter.fire();
    assert.deepEqual(seen, ['once', 'always', 'always']);
  });

  it('adds the subscription to a disposables array and binds thisArgs, like vscode.Event', function () {
    const emitter = new Emitter<string>();
    const bag: Disposable[] = [];
    const target = { got: '' };
    emitter.event(
      function (this: typeof target, value: string) {
        this.got = value;
      },
      target,
      bag,
    );
    emitter.fire('x');
    assert.equal(target.got, 'x');
    assert.equal(bag.length, 1);
    bag[0]!.dispose();
    emitter.fire('y');
    assert.equal(target.got, 'x');
  });

  it('is silent after dispose and ignores later subscriptions', function () {
    const emitter = new Emitter<void>();
    let calls = 0;
    emitter.event(() => (calls += 1));
    emitter.dispose();
    emitter.event(() => (calls += 1)).dispose();
    emitter.fire();
    assert.equal(calls, 0);
  });

  it('is the change event of the run history, the token vault and the run store', async function () {
    const history = new RunHistory(memoryMemento());
    const vault = new TokenVault(memorySecrets(), memoryMemento());
    const store = new RunStore(history);
    const seen: string[] = [];
    const subscriptions = [
      history.onDidChange(() => seen.push('history')),
      vault.onDidChange(() => seen.push('vault')),
      store.onDidChange((runId) => seen.push(`run ${runId}`)),
    ];
    await history.clear();
    await vault.remove('nothing');
    store.changed('r1');
    for (const s of subscriptions) s.dispose();
    await history.clear();
    store.changed('r2');
    assert.deepEqual(seen, ['history', 'vault', 'run r1']);
  });
});
