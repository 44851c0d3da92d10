import type * as Undici from 'undici';

/** The parts of undici every request uses (dispatchers.ts, timed-connector.ts). */
export interface UndiciParts {
  Agent: typeof Undici.Agent;
  /** The Agent's own Pool and Client (agent.js loads them): dispatchers.ts makes them to know each origin's connections. */
  Pool: typeof Undici.Pool;
  Client: typeof Undici.Client;
  buildConnector: typeof Undici.buildConnector;
}

let loaded: UndiciParts | undefined;
let proxyAgent: typeof Undici.ProxyAgent | undefined;

/**
 * undici's dispatcher and connector, evaluated when the first dispatcher is
 * made, not when the HTTP layer is imported (issue #14, CLI start).
 *
 * From their own modules, not the package index: the index also evaluates
 * fetch, WebSocket, EventSource, the mocks and the cache stores, which the
 * client never uses (it calls `dispatch` on an Agent or ProxyAgent); that was
 * about half of undici's load time. These paths are undici's internals:
 * test/unit/http/undici.test.ts covers them, so an upgrade that moves them
 * fails there.
 *
 * A `require` from src/ is also where esbuild.config.mjs cuts the CLI's
 * bundles, so a command that never sends a request does not read undici.
 */
export function undici(): UndiciParts {
  /* eslint-disable @typescript-eslint/no-require-imports */
  loaded ??= {
    Agent: require('undici/lib/dispatcher/agent') as UndiciParts['Agent'],
    Pool: require('undici/lib/dispatcher/pool') as UndiciParts['Pool'],
    Client: require('undici/lib/dispatcher/client') as UndiciParts['Client'],
    buildConnector: require('undici/lib/core/connect') as UndiciParts['buildConnector'],
  };
  /* eslint-enable @typescript-eslint/no-require-imports */
  return loaded;
}

/**
 * undici's ProxyAgent, evaluated at the first proxied dispatcher. It brings
 * the SOCKS5 agent and client, and needs the request API that the package
 * index mixes into every dispatcher: ProxyAgent opens its https tunnels with
 * `connect` from it. A direct Agent only ever gets `dispatch` calls, so a
 * start without a proxy (`verify`, `run`) evaluates neither (issue #14, CLI
 * start: the five API modules, with their body readers, and the proxy
 * modules ran at every start before).
 */
export function undiciProxyAgent(): typeof Undici.ProxyAgent {
  if (!proxyAgent) {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const dispatcher = require('undici/lib/dispatcher/dispatcher') as { prototype: object };
    Object.assign(dispatcher.prototype, require('undici/lib/api') as object);
    proxyAgent = require('undici/lib/dispatcher/proxy-agent') as typeof Undici.ProxyAgent;
    /* eslint-enable @typescript-eslint/no-require-imports */
  }
  return proxyAgent;
}
