import assert from 'node:assert/strict';
import { HISTORY_BODY_LIMIT, HISTORY_KEY, RunHistory, storableView } from '../../../src/extension/history/run-history';
import { scrubStrings } from '../../../src/extension/results/run-recorder';
import type { ExchangeView, RunView } from '../../../src/shared/view-model';
import { memoryMemento as memento } from '../../support/memory-stores';

const SECRET = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.secret-signature-value';

function exchange(id: string, body: string, revealed = false): ExchangeView {
  return {
    id,
    stepPath: 'call',
    label: 'route',
    from: 'client',
    to: 'gateway',
    method: 'GET',
    url: 'https://gw/orders',
    status: 401,
    offsetMs: 0,
    durationMs: 3,
    timings: {},
    request: {
      headers: [{ name: 'authorization', value: revealed ? `Bearer ${SECRET}` : 'Bearer [redacted 50 chars]' }],
    },
    response: { headers: [], body: { text: body, size: body.length, truncated: false } },
    warnings: [],
    ...(revealed ? { revealed: true } : {}),
  };
}

function run(id: string, overrides: Partial<RunView> = {}): RunView {
  return {
    id,
    title: `run ${id}`,
    flow: 'f',
    source: 'test',
    status: 'failed',
    startedAt: 1,
    durationMs: 2,
    steps: [],
    exchanges: [],
    live: true,
    ...overrides,
  };
}

describe('run history', () => {
  it('stores runs without secrets, revealed exchanges or long bodies, even after a reload', async () => {
    const store = memento();
    const history = new RunHistory(store);
    const view = run('a', {
      exchanges: [
        exchange('x1', `{"echo":"${SECRET}"}`),
        exchange('x2', 'ok', true),
        exchange('x3', 'y'.repeat(HISTORY_BODY_LIMIT * 3)),
      ],
      steps: [
        {
          path: 's',
          id: 's',
          type: 'call',
          status: 'failed',
          offsetMs: 0,
          durationMs: 1,
          assertions: [],
          notes: [`token was ${SECRET}`],
        },
      ],
    });
    await history.add(storableView(view, [SECRET], scrubStrings));
    assert.doesNotMatch(store.raw(), /secret-signature-value/);
    const reloaded = new RunHistory(store).get('a')!;
    assert.deepEqual(
      reloaded.exchanges.map((x) => x.id),
      ['x1', 'x3'],
    );
    assert.equal(reloaded.exchanges[1]!.response!.body.text.length, HISTORY_BODY_LIMIT);
    assert.equal(reloaded.exchanges[1]!.response!.body.truncated, true);
    assert.equal(reloaded.live, false);
  });

  it('keeps the newest runs first, up to its size, and replaces a run by id', async () => {
    const history = new RunHistory(memento(), 3);
    for (const id of ['1', '2', '3', '4']) await history.add(run(id));
    await history.add(run('3', { title: 'again' }));
    assert.deepEqual(
      history.list().map((e) => e.id),
      ['3', '4', '2'],
    );
    assert.equal(history.get('3')!.title, 'again');
  });

  it('finds the last rejection, removes and clears, and tells listeners', async () => {
    const history = new RunHistory(memento());
    let changes = 0;
    const subscription = history.onDidChange(() => (changes += 1));
    await history.add(
      run('old', {
        verdict: {
          code: 'token_expired',
          summary: 'expired',
          decidedBy: 'gateway',
          confidence: 'certain',
          evidence: [],
          stepPath: 'call',
        },
      }),
    );
    await history.add(run('new'));
    assert.equal(history.lastRejection()?.id, 'old');
    await history.remove('old');
    assert.equal(history.lastRejection(), undefined);
    await history.clear();
    assert.deepEqual(history.list(), []);
    subscription.dispose();
    await history.add(run('after'));
    assert.equal(changes, 4);
  });

  it('ignores a corrupt stored history', () => {
    const store = memento();
    void store.update(HISTORY_KEY, [{ nope: true }, 'x', null]);
    assert.deepEqual(new RunHistory(store).list(), []);
  });
});
