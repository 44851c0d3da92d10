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
  const entries = isList(headers) ? headers : Object.entries(headers);
  return entries.find(([key]) => key.toLowerCase() === wanted)?.[1];
}

/** The key under which a header record holds `name` (to replace or delete it), whatever its case. */
export function headerKey(headers: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  return Object.keys(headers).find((key) => key.toLowerCase() === wanted);
}
