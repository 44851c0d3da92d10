import type * as tls from 'node:tls';
import { nodeCrypto } from '../node-crypto';
import type * as Undici from 'undici';
import type { Dispatcher } from 'undici';
import { createTimedConnector } from './timed-connector';
import { undici, undiciProxyAgent } from './undici';

/**
 * One undici dispatcher per distinct TLS/proxy/connect-timeout setting, kept
 * for reuse (connection pooling) and closed together.
 */

export interface TransportSettings {
  ca?: readonly string[];
  cert?: string;
  key?: string;
  passphrase?: string;
  insecure: boolean;
  proxy?: string;
  connectTimeout: number;
}

/**
 * node:tls (and node:crypto, core/node-crypto.ts) load when a setting needs them (an extra CA, a
 * client certificate, a private key to hash), not with the HTTP layer: plain options need neither,
 * and tls.connect loads tls itself for an https URL. Loading them cost an http:// request (a
 * loopback JWKS, the bench's `verify` and `run`) about a quarter of `node -e 0`'s start in
 * instructions (issue #14).
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const nodeTls = (): typeof tls => require('node:tls') as typeof tls;

function trustedRoots(extra: readonly string[] | undefined): string[] | undefined {
  if (!extra || extra.length === 0) return undefined;
  // Setting `ca` replaces Node's default trust, so the defaults go in with the extras.
  const tlsModule = nodeTls();
  const getDefaults = (tlsModule as { getCACertificates?: (type: string) => string[] }).getCACertificates;
  const defaults = typeof getDefaults === 'function' ? getDefaults('default') : [...tlsModule.rootCertificates];
  return [...defaults, ...extra];
}

/** The TLS options of one dispatcher; exported for its test. */
export function tlsOptions(settings: TransportSettings): tls.ConnectionOptions {
  const options: tls.ConnectionOptions = { rejectUnauthorized: !settings.insecure };
  const ca = trustedRoots(settings.ca);
  if (ca) options.ca = ca;
  if (settings.cert) options.cert = settings.cert;
  if (settings.key) options.key = settings.key;
  if (settings.passphrase) options.passphrase = settings.passphrase;
  if (!ca && !settings.cert) return options;
  // Given `ca` (the ~150 default roots plus the extra CA) or a client certificate, tls.connect builds
  // a secure context for every connection, parsing them all: ~40 ms of CPU a connection, 40 s for
  // 1,000 concurrent introspections (the soak). One context per dispatcher is built once. A key that
  // does not load is left to tls.connect, so its error is still reported where the connection fails.
  try {
    const { ca: _ca, cert: _cert, key: _key, passphrase: _passphrase, ...rest } = options;
    return {
      ...rest,
      secureContext: nodeTls().createSecureContext({ ca, cert: _cert, key: _key, passphrase: _passphrase }),
    };
  } catch {
    return options;
  }
}

function keyOf(settings: TransportSettings): string {
  const text = JSON.stringify(settings);
  // Hashed when it holds a private key or its passphrase, so the cache does not keep them as readable
  // map keys; the other settings are public, and hashing them on every request showed in the profile.
  return settings.key || settings.passphrase ? nodeCrypto().createHash('sha256').update(text).digest('hex') : text;
}

/**
 * The connections (undici Clients) of each origin of one direct Agent, as its pools make them.
 *
 * A request right after the last one to the same origin should reuse its connection, as curl and
 * browsers do: over a real network a second connection costs a TCP and TLS handshake, and the
 * timeline would show one nobody asked for. undici's pool marks a connection free only in the check
 * phase after its response (client-h1 resumes it in a setImmediate), so a request given to the
 * Agent before then opens a second one. Given to that connection's Client, it waits in the Client's
 * own queue and goes out on the same socket, after undici's idle-socket check, in that same check
 * phase. Waiting for the phase ourselves and then going through the Agent cost a second turn of the
 * event loop (the idle-socket check's setImmediate, queued during the check phase, runs in the
 * next), about 0.03x of bench/runner-overhead.ts's runner ratio (issue #14 point 2).
 */
class OriginConnections {
  private readonly clients = new Map<string, Undici.Client[]>();

  /** The Agent's factory: undici's default for several connections (a Pool), each Client recorded. */
  readonly factory = (origin: string | URL, options: object): Dispatcher => {
    const key = String(origin);
    const { Pool, Client } = undici();
    return new Pool(origin, {
      ...options,
      factory: (url: string | URL, clientOptions: object) => {
        const client = new Client(url, clientOptions);
        const known = this.clients.get(key);
        if (known) known.push(client);
        else this.clients.set(key, [client]);
        return client;
      },
    });
  };

  /** A connection of `origin` with nothing running or waiting on it; undefined when every one is busy. */
  idle(origin: string): Dispatcher | undefined {
    const known = this.clients.get(origin);
    if (!known) return undefined;
    let idle: Undici.Client | undefined;
    let open = 0;
    for (const client of known) {
      // A pool the Agent closed (all its connections gone) closes its Clients: forget them.
      if (client.closed || client.destroyed) continue;
      known[open++] = client;
      if (!idle && client.stats.size === 0) idle = client;
    }
    if (open === 0) this.clients.delete(origin);
    else known.length = open;
    return idle;
  }
}

/** Dispatchers keyed by transport settings; `close()` ends them all. */
export class DispatcherCache {
  private readonly dispatchers = new Map<string, Dispatcher>();
  private readonly connections = new WeakMap<Dispatcher, OriginConnections>();
  // Public texts of the settings (CA PEMs, a certificate, a proxy URL) by a small number: the same
  // string object comes with every request of an IdP or route, and a Map finds it by its cached
  // hash, where the JSON key escaped every CA PEM again on every request (issue #14 point 1).
  private readonly texts = new Map<string, number>();
  // The dispatcher of each frozen settings object already seen: the client hands the same frozen
  // object for every request with the same options, so the key need not be built again each time.
  private byObject = new WeakMap<Readonly<TransportSettings>, Dispatcher>();
  private closed = false;

  private keyOf(settings: TransportSettings): string {
    if (settings.key || settings.passphrase) return keyOf(settings);
    let ca = '';
    for (const pem of settings.ca ?? []) ca += `${this.textId(pem)},`;
    return `${settings.insecure ? 1 : 0} ${settings.connectTimeout} ${this.textId(settings.proxy)} ${this.textId(settings.cert)} ${settings.ca ? ca : '-'}`;
  }

  /** A method, not a closure made per request (issue #14 point 2). */
  private textId(text: string | undefined): string {
    if (text === undefined) return '-';
    let n = this.texts.get(text);
    if (n === undefined) this.texts.set(text, (n = this.texts.size));
    return String(n);
  }

  /** The dispatcher for these settings, created on first use. */
  get(settings: Readonly<TransportSettings>): Dispatcher {
    if (this.closed) throw new Error('The HTTP client was closed.');
    const known = this.byObject.get(settings);
    if (known) return known;
    const key = this.keyOf(settings);
    let dispatcher = this.dispatchers.get(key);
    if (!dispatcher) {
      const made = create(settings);
      dispatcher = made.dispatcher;
      if (made.connections) this.connections.set(dispatcher, made.connections);
      this.dispatchers.set(key, dispatcher);
    }
    // Only a frozen object: one a caller could still change must be looked up by what it says.
    if (Object.isFrozen(settings)) this.byObject.set(settings, dispatcher);
    return dispatcher;
  }

  /**
   * What a request to `origin` should be given: the idle connection of that origin when `dispatcher`
   * (from `get`) has one, else `dispatcher` itself, whose pool picks or opens a connection. Through a
   * proxy, always the proxy's dispatcher.
   */
  forRequest(dispatcher: Dispatcher, origin: string): Dispatcher {
    return this.connections.get(dispatcher)?.idle(origin) ?? dispatcher;
  }

  /** Closes every dispatcher, ending idle keep-alive connections. */
  async close(): Promise<void> {
    this.closed = true;
    this.byObject = new WeakMap();
    const all = [...this.dispatchers.values()];
    this.dispatchers.clear();
    await Promise.all(
      all.map((dispatcher) => dispatcher.close().catch(() => dispatcher.destroy().catch(() => undefined))),
    );
  }
}

/** A dispatcher for these settings; a direct one with the record of its origins' connections. */
function create(settings: TransportSettings): { dispatcher: Dispatcher; connections?: OriginConnections } {
  const options = tlsOptions(settings);
  if (settings.proxy) {
    const dispatcher = new (undiciProxyAgent())({
      uri: settings.proxy,
      allowH2: false,
      // Plain http goes to the proxy in absolute form (what proxies log); https still tunnels.
      proxyTunnel: false,
      connectTimeout: settings.connectTimeout,
      requestTls: { ...options, allowH2: false, timeout: settings.connectTimeout },
    });
    return { dispatcher };
  }
  const connections = new OriginConnections();
  const dispatcher = new (undici().Agent)({
    allowH2: false,
    connect: createTimedConnector({ ...options, timeout: settings.connectTimeout }),
    factory: connections.factory,
  });
  return { dispatcher, connections };
}
