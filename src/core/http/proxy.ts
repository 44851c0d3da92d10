/**
 * Which proxy (if any) a URL goes through: the explicit `proxy` option, else
 * HTTPS_PROXY / HTTP_PROXY from the environment (lowercase too), unless the
 * host matches NO_PROXY the way curl reads it.
 */

export type Env = Record<string, string | undefined>;

/** What describeProxy shows for a proxy URL that does not parse. */
export const INVALID_PROXY = '(invalid proxy URL)';

/** The variable in lower case, else upper case, trimmed; blank is unset (curl's reading). */
function fromEnv(env: Env, lower: string, upper: string): string | undefined {
  const value = env[lower] ?? env[upper];
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/**
 * The proxy variables of `env`, read once: a client looks them up for every request, and each
 * read of `process.env` is a call into the runtime (~20 µs a request, 6 names, issue #14 point 1).
 * The process's environment does not change under a run.
 */
export function proxyVariables(env: Env): Env {
  const names = ['https_proxy', 'http_proxy', 'no_proxy'];
  const out: Env = {};
  for (const name of names) {
    out[name] = env[name];
    out[name.toUpperCase()] = env[name.toUpperCase()];
  }
  return out;
}

/** Whether `env` sets HTTPS_PROXY or HTTP_PROXY (any case, not blank): whether selectProxy can find one there. */
export function hasProxyVariable(env: Env): boolean {
  return (
    fromEnv(env, 'https_proxy', 'HTTPS_PROXY') !== undefined || fromEnv(env, 'http_proxy', 'HTTP_PROXY') !== undefined
  );
}

function defaultPort(protocol: string): string {
  return protocol === 'https:' ? '443' : '80';
}

/** Whether `url` matches a NO_PROXY list: `*`, host names (also matching subdomains), `.suffix`, `*.suffix`, optional `:port`, IP literals. */
export function matchesNoProxy(url: URL, noProxy: string | undefined): boolean {
  if (!noProxy) return false;
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const port = url.port || defaultPort(url.protocol);
  for (const raw of noProxy.split(/[\s,]+/)) {
    let entry = raw.trim().toLowerCase();
    if (!entry) continue;
    if (entry === '*') return true;
    let entryPort: string | undefined;
    const portMatch = /^(.*[^:]):(\d+)$/.exec(entry);
    if (portMatch && !entry.startsWith('[') && (entry.match(/:/g) ?? []).length === 1) {
      entry = portMatch[1]!;
      entryPort = portMatch[2];
    } else if (/^\[.*\]:\d+$/.test(entry)) {
      const close = entry.lastIndexOf(']');
      entryPort = entry.slice(close + 2);
      entry = entry.slice(0, close + 1);
    }
    entry = entry.replace(/^\[|\]$/g, '').replace(/^\*?\./, '');
    if (entryPort !== undefined && entryPort !== port) continue;
    if (host === entry || host.endsWith(`.${entry}`)) return true;
  }
  return false;
}

/**
 * The proxy URL for `url`, or undefined to go direct. NO_PROXY is read only once there is a proxy to
 * skip: this runs for every request, and most go direct (issue #14 point 1).
 */
export function selectProxy(url: URL, options: { proxy?: string; noProxy?: string }, env: Env): string | undefined {
  let proxy = options.proxy;
  if (proxy === undefined) {
    proxy =
      url.protocol === 'https:'
        ? (fromEnv(env, 'https_proxy', 'HTTPS_PROXY') ?? fromEnv(env, 'http_proxy', 'HTTP_PROXY'))
        : fromEnv(env, 'http_proxy', 'HTTP_PROXY');
  }
  if (!proxy) return undefined;
  return matchesNoProxy(url, options.noProxy ?? fromEnv(env, 'no_proxy', 'NO_PROXY')) ? undefined : proxy;
}

/** The proxy URL without its credentials, for showing. */
export function describeProxy(proxy: string): string {
  try {
    const url = new URL(proxy);
    url.username = '';
    url.password = '';
    return url.toString().replace(/\/$/, '');
  } catch {
    return INVALID_PROXY;
  }
}
