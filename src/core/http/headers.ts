/**
 * Header lookups, whatever case the sender used. HTTP header names are
 * case-insensitive; servers (and people writing flow files) send
 * `Content-Type`, `content-type` and `CONTENT-TYPE` alike.
 */

/** Headers as a record (request headers, a response's headers) or as recorded name/value pairs. */
export type HeaderSource<V> = Readonly<Record<string, V>> | ReadonlyArray<readonly [name: string, value: V]>;

function isList<V>(headers: HeaderSource<V>): headers is ReadonlyArray<readonly [string, V]> {
  return Array.isArray(headers);
}

/** The value of header `name` in any case; the first one when the name is there twice. */
export function headerValue<V>(headers: HeaderSource<V>, name: string): V | undefined {
  const wanted = name.toLowerCase();
  if (isList(headers)) {
    for (const [key, value] of headers) if (key.toLowerCase() === wanted) return value;
    return undefined;
  }
  // for-in rather than Object.entries: no array of pairs a lookup (the client asks this of every
  // request's headers; issue #14 point 1). Own properties only, as Object.entries gives.
  for (const key in headers) if (key.toLowerCase() === wanted && Object.hasOwn(headers, key)) return headers[key];
  return undefined;
}

/** The key under which a header record holds `name` (to replace or delete it), whatever its case. */
export function headerKey(headers: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  return Object.keys(headers).find((key) => key.toLowerCase() === wanted);
}
