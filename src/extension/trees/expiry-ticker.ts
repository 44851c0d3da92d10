/**
 * Keeps time-to-expiry labels live: the IdP tree shows "expires in 12m",
 * computed when a row renders, so the tree must re-render while any token is
 * held. Every `everyMs` it asks for a refresh, only when there are tokens.
 */
export interface TickerTimers {
  setInterval(callback: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export function expiryTicker(
  hasTokens: () => boolean,
  refresh: () => void,
  everyMs = 30_000,
  timers: TickerTimers = globalThis as unknown as TickerTimers,
): { dispose(): void } {
  const handle = timers.setInterval(() => {
    if (hasTokens()) refresh();
  }, everyMs);
  return { dispose: () => timers.clearInterval(handle) };
}
