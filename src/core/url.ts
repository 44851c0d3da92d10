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
