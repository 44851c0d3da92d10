import assert from 'node:assert/strict';
import { expiryTicker } from '../../../src/extension/trees/expiry-ticker';
import type { TickerTimers } from '../../../src/extension/trees/expiry-ticker';
import type { TokenMeta } from '../../../src/extension/secrets/token-vault';
import { tokenNode } from '../../../src/extension/trees/idp-nodes';

/** Timers that fire only when the test says so. */
function manualTimers() {
  const active = new Map<number, { callback: () => void; ms: number }>();
  let next = 0;
  const timers: TickerTimers = {
    setInterval: (callback, ms) => {
      active.set(++next, { callback, ms });
      return next;
    },
    clearInterval: (handle) => void active.delete(handle as number),
  };
  return { timers, active, tick: () => [...active.values()].forEach((t) => t.callback()) };
}

describe('the expiry ticker (live time-to-expiry in the IdP tree)', function () {
  it('asks the tree to re-render every 30 s while tokens are held, not otherwise, and stops on dispose', function () {
    const clock = manualTimers();
    let tokens = 0;
    let refreshes = 0;
    const ticker = expiryTicker(
      () => tokens > 0,
      () => refreshes++,
      undefined,
      clock.timers,
    );
    assert.deepEqual(
      [...clock.active.values()].map((t) => t.ms),
      [30_000],
    );
    clock.tick();
    assert.equal(refreshes, 0, 'refreshed the tree with no token to count down');
    tokens = 1;
    clock.tick();
    clock.tick();
    assert.equal(refreshes, 2);
    ticker.dispose();
    assert.equal(clock.active.size, 0, 'the interval outlived the extension');
  });

  it('a re-render shows the new time to expiry (the label is computed when the row renders)', function () {
    const now = Date.UTC(2026, 0, 1, 12, 0, 0);
    const meta: TokenMeta = {
      id: 't1',
      idpId: 'idp:f#okta',
      sourceId: 'f',
      idpName: 'okta',
      grant: 'client_credentials',
      obtainedAt: now,
      expiresAt: now / 1000 + 3600,
      kind: 'jwt',
      hasRefreshToken: false,
      hasIdToken: false,
    };
    const first = tokenNode(meta, now).description;
    const later = tokenNode(meta, now + 25 * 60_000).description;
    assert.notEqual(later, first, `the label did not move in 25 minutes: ${first}`);
    assert.match(String(later), /35m/);
    assert.equal(tokenNode(meta, now + 61 * 60_000).contextValue, 'token.expired');
  });
});
