import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  isHostMessage,
  isPersistedState,
  isWebviewMessage,
  PendingRequests,
  PROTOCOL_VERSION,
} from '../../../src/shared/protocol';

describe('host/webview protocol', () => {
  it('accepts the webview messages the results view sends', () => {
    for (const message of [
      { type: 'ready', version: PROTOCOL_VERSION },
      { type: 'request', requestId: 'w1', request: { kind: 'reveal-exchange', runId: 'run-1', exchangeId: 'x1' } },
      {
        type: 'request',
        requestId: 'w2',
        request: { kind: 'full-body', runId: 'run-1', exchangeId: 'x1', part: 'response' },
      },
      { type: 'command', command: 'export-har', runId: 'run-1' },
      { type: 'command', command: 'copy-curl', runId: 'run-1', exchangeId: 'x1' },
      { type: 'command', command: 'rerun', runId: 'run-1' },
      { type: 'command', command: 'step-control', runId: 'run-1', action: 'next' },
      { type: 'command', command: 'step-control', runId: 'run-1', action: 'continue' },
      { type: 'command', command: 'step-control', runId: 'run-1', action: 'stop' },
      { type: 'command', command: 'open-history' },
    ]) {
      assert.equal(isWebviewMessage(message), true, JSON.stringify(message));
    }
  });

  it('rejects malformed or unknown webview messages', () => {
    for (const message of [
      null,
      'ready',
      [],
      { type: 'ready' },
      { type: 'request', requestId: '', request: { kind: 'reveal-exchange', runId: 'r', exchangeId: 'x' } },
      { type: 'request', requestId: 'w1', request: { kind: 'reveal-exchange', runId: 'r' } },
      { type: 'request', requestId: 'w1', request: { kind: 'full-body', runId: 'r', exchangeId: 'x', part: 'both' } },
      { type: 'request', requestId: 'w1', request: { kind: 'run-shell', runId: 'r', exchangeId: 'x' } },
      { type: 'command', command: 'copy-curl', runId: 'run-1' },
      { type: 'command', command: 'delete-everything' },
      { type: 'command', command: 'step-control', runId: 'run-1', action: 'rewind' },
      { type: 'command', command: 'step-control', action: 'next' },
      {
        type: 'request',
        requestId: 'x'.repeat(600),
        request: { kind: 'reveal-exchange', runId: 'r', exchangeId: 'x' },
      },
    ]) {
      assert.equal(isWebviewMessage(message), false, JSON.stringify(message)?.slice(0, 80));
    }
  });

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        assert.equal(typeof isWebviewMessage(value), 'boolean');
        assert.equal(typeof isHostMessage(value), 'boolean');
        assert.equal(typeof isPersistedState(value), 'boolean');
      }),
    );
  });

  it('accepts the host messages and rejects broken ones', () => {
    assert.equal(isHostMessage({ type: 'show', content: { kind: 'empty' } }), true);
    assert.equal(isHostMessage({ type: 'show', content: { kind: 'run', run: {} } }), true);
    assert.equal(isHostMessage({ type: 'settings', allowReveal: false }), true);
    assert.equal(
      isHostMessage({ type: 'response', requestId: 'w1', ok: false, error: { code: 'c', message: 'm' } }),
      true,
    );
    assert.equal(
      isHostMessage({ type: 'response', requestId: 'w1', ok: true, result: { kind: 'full-body', body: {} } }),
      true,
    );
    assert.equal(isHostMessage({ type: 'show', content: { kind: 'html', html: '<script>' } }), false);
    assert.equal(isHostMessage({ type: 'response', requestId: 'w1', ok: true }), false);
    assert.equal(isHostMessage({ type: 'eval', code: '1' }), false);
  });

  it('persists ids only', () => {
    assert.equal(isPersistedState({ runId: 'run-1' }), true);
    assert.equal(isPersistedState({}), true);
    assert.equal(isPersistedState({ runId: 'run-1', token: 'eyJ...' }), false);
    assert.equal(isPersistedState({ runId: 42 }), false);
  });

  it('matches answers to questions by id, once each', async () => {
    const pending = new PendingRequests<string>('t');
    const a = pending.open();
    const b = pending.open();
    assert.notEqual(a.requestId, b.requestId);
    assert.equal(pending.settle(b.requestId, { ok: true, value: 'B' }), true);
    assert.equal(pending.settle(a.requestId, { ok: false, message: 'nope' }), true);
    assert.equal(await b.promise, 'B');
    await assert.rejects(a.promise, /nope/);
    assert.equal(pending.settle(a.requestId, { ok: true, value: 'late' }), false);
    assert.equal(pending.size, 0);
  });
});
