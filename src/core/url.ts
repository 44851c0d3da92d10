/**
 * A URL, or undefined when the text is not one. URL.parse does this, but only
 * from Node 20.18 / 22.1; VS Code 1.90's extension host and older Node 20
 * releases, which the built CLI and the extension support, lack it.
 */
export function tryUrl(input: string, base?: string | URL): URL | undefined {
  try {
    return new URL(input, base);
  } catch {
    return undefined;
  }
}

/**
 * The request-target of a request one of our loopback servers received, as a
 * URL; undefined when it is not one (`http://a:99999/x`, `*`, garbage).
 * Origin-form is read as a path even when it starts with `//`, which
 * `new URL(target, base)` would take for a host: a client's request line
 * must never throw inside a server.
 */
export function requestTarget(target: string | undefined): URL | undefined {
  if (target === undefined || target === '') return undefined;
  if (target.startsWith('/')) return tryUrl(`http://127.0.0.1${target}`);
  const url = tryUrl(target);
  return url && /^https?:$/.test(url.protocol) ? url : undefined;
}
