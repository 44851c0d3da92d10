import type { HttpResponse, RecordedResponse } from './types';

/** The answer recordedJson parsed last, its body then, and what it found: null for a body that is not JSON. */
let lastResponse: RecordedResponse | undefined;
let lastBody: string | undefined;
let lastParsed: { value: unknown } | null = null;

/**
 * The JSON of a recorded answer's body, parsed once for every reader: a token step reads the token
 * answer, and the run's secret registry reads the same answer again to learn the tokens in it; each
 * parsed it, twice an iteration of a token loop (issue #14 point 1). Undefined when the body is not
 * JSON. The last answer only is kept: the registry learns an answer right after its step ends,
 * before any other is parsed, and a WeakMap of every answer cost the runner more than the parse
 * it saved wherever nothing is masked (bench/runner-overhead.ts: +0.01x). The value is shared and
 * its top level frozen: a reader that changed it would change what the registry learns, and a
 * secret could go unmasked.
 */
export function recordedJson(response: RecordedResponse): { value: unknown } | undefined {
  // A big answer (a 5 MB API body) is parsed for each reader, as before: keeping its parse until the
  // next answer would hold many times its size in memory, for a parse that is no token answer's.
  if (response.body.length > SHARED_PARSE_MAX) return parsedJson(response.body);
  // The body too: an answer whose body was replaced since (a capture completes its record) is parsed again.
  if (response !== lastResponse || response.body !== lastBody) {
    lastParsed = parsedJson(response.body) ?? null;
    lastResponse = response;
    lastBody = response.body;
  }
  return lastParsed ?? undefined;
}

/**
 * The JSON of an answer's text: recordedJson when the text is its recorded body (every answer of our
 * HTTP client), else parsed here (an answer made by hand, a test's), frozen alike.
 */
export function responseJson(response: Pick<HttpResponse, 'text' | 'exchange'>): { value: unknown } | undefined {
  const recorded = response.exchange?.response;
  if (recorded !== undefined && recorded.body === response.text) return recordedJson(recorded);
  return parsedJson(response.text);
}

/** Token answers and OAuth errors are a few KB; the largest body whose parse is kept for its next reader. */
const SHARED_PARSE_MAX = 64 * 1024;

/** The JSON in `text`, its top level frozen like a shared one; undefined when it is not JSON. */
export function parsedJson(text: string): { value: unknown } | undefined {
  try {
    return { value: Object.freeze(JSON.parse(text) as unknown) };
  } catch {
    return undefined;
  }
}
