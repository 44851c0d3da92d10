import type * as Undici from 'undici';

/** The parts of undici the HTTP layer uses (dispatchers.ts, timed-connector.ts). */
export interface UndiciParts {
  Agent: typeof Undici.Agent;
  ProxyAgent: typeof Undici.ProxyAgent;
  buildConnector: typeof Undici.buildConnector;
}

let loaded: UndiciParts | undefined;

/**
 * undici's dispatchers and connector, evaluated when the first dispatcher is
 * made, not when the HTTP layer is imported (issue #14, CLI start).
 *
 * From their own modules, not the package index: the index also evaluates
 * fetch, WebSocket, EventSource, the mocks and the cache stores, which the
 * client never uses (it calls `dispatch` on an Agent or ProxyAgent); that was
 * about half of undici's load time. The index's one side effect that matters
 * is done here too: it gives every dispatcher undici's request API, and
 * ProxyAgent opens its tunnels with `connect` from it. These paths are
 * undici's internals: test/unit/http covers them, so an upgrade that moves
 * them fails there.
 *
 * A `require` from src/ is also where esbuild.config.mjs cuts the CLI's
 * bundles, so a command that never sends a request does not read undici.
 */
export function undici(): UndiciParts {
  if (!loaded) {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const dispatcher = require('undici/lib/dispatcher/dispatcher') as { prototype: object };
    Object.assign(dispatcher.prototype, require('undici/lib/api') as object);
    loaded = {
      Agent: require('undici/lib/dispatcher/agent') as UndiciParts['Agent'],
      ProxyAgent: require('undici/lib/dispatcher/proxy-agent') as UndiciParts['ProxyAgent'],
      buildConnector: require('undici/lib/core/connect') as UndiciParts['buildConnector'],
    };
    /* eslint-enable @typescript-eslint/no-require-imports */
  }
  return loaded;
}
