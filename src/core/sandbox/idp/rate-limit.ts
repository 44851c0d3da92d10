/**
 * A rate limit a test turns on, counted over Okta's one-minute window, with
 * Okta's `X-Rate-Limit-Limit/Remaining/Reset` headers (Reset in epoch
 * seconds), as okta/okta-developer-docs@468de9c511b5e4009bb5f06c25cbf4b85fecb8d0
 * docs/reference/api/authn/index.md shows them on a 429.
 */

const WINDOW_MS = 60_000;

export interface RateLimitVerdict {
  headers: Record<string, string>;
  /** True once the window's requests are used up: answer 429. */
  limited: boolean;
}

export class SandboxRateLimit {
  #limit: number | undefined;
  #used = 0;
  #windowStart = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Allows `limit` requests a minute from now on; undefined lifts the limit. */
  set(limit: number | undefined): void {
    this.#limit = limit;
    this.#used = 0;
    this.#windowStart = this.now();
  }

  /** Counts one request; undefined while no limit is set (Okta's headers are then left out). */
  take(): RateLimitVerdict | undefined {
    const limit = this.#limit;
    if (limit === undefined) return undefined;
    const now = this.now();
    if (now >= this.#windowStart + WINDOW_MS) {
      this.#windowStart = now;
      this.#used = 0;
    }
    this.#used += 1;
    const limited = this.#used > limit;
    return {
      limited,
      headers: {
        'x-rate-limit-limit': String(limit),
        'x-rate-limit-remaining': String(Math.max(0, limit - this.#used)),
        'x-rate-limit-reset': String(Math.ceil((this.#windowStart + WINDOW_MS) / 1000)),
      },
    };
  }
}
