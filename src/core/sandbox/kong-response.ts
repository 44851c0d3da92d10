/**
 * kong.response.exit() as Kong's PDK writes it (kong/pdk/response.lua
 * @4df4c98e): a table body is encoded by lua-cjson, which escapes "/" as
 * "\/" and writes no spaces, under Content-Type
 * `application/json; charset=utf-8`; a string body goes out as it is.
 */
export interface KongExit {
  status: number;
  body: string;
  /** Header names as Kong writes them. */
  headers: Record<string, string>;
}

/** lua-cjson's encoding of a plain object of strings (encode_escape_forward_slash is on by default). */
export function cjsonEncode(value: unknown): string {
  return JSON.stringify(value).replace(/\//g, '\\/');
}

/** A response Kong itself produces (no upstream). */
export function kongExit(status: number, body: string | object, headers: Record<string, string> = {}): KongExit {
  if (typeof body === 'string') return { status, body, headers };
  return {
    status,
    body: cjsonEncode(body),
    headers: { 'Content-Type': 'application/json; charset=utf-8', ...headers },
  };
}

/**
 * kong.response.error() and Kong's error pages (kong/error_handlers.lua,
 * kong/tools/http.lua:419-423 @4df4c98e): the JSON template, with the request id.
 */
export function kongErrorPage(status: number, message: string, requestId: string): KongExit {
  return {
    status,
    body: `{\n  "message":"${message}",\n  "request_id":"${requestId}"\n}`,
    headers: { 'Content-Type': 'application/json; charset=utf-8' },
  };
}
