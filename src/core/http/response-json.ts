import type { HttpResponse, RecordedResponse } from './types';

/** Parsed bodies by the recorded answer they came in; null for a body that is not JSON. */
const parsedBodies = new WeakMap<RecordedResponse, { value: unknown } | null>();

/**
 * The JSON of a recorded answer's body, parsed once for every reader: a token step reads the token
 * answer, and the run's secret registry reads the same answer again to learn the tokens in it; each
 * parsed it, twice an iteration of a token loop (issue #14 point 1). Undefined when the body is not
 * JSON. The value is shared and its top level frozen: a reader that changed it would change what the
 * registry learns, and a secret could go unmasked.
 */
export function recordedJson(response: RecordedResponse): { value: unknown } | undefined {
  let parsed = parsedBodies.get(response);
  if (parsed === undefined) {
    try {
      parsed = { value: Object.freeze(JSON.parse(response.body) as unknown) };
    } catch {
      parsed = null;
    }
    parsedBodies.set(response, parsed);
  }
  return parsed ?? undefined;
}

/**
 * The JSON of an answer's text: recordedJson when the text is its recorded body (every answer of our
 * HTTP client), else parsed here (an answer made by hand, a test's), frozen alike.
 */
export function responseJson(response: Pick<HttpResponse, 'text' | 'exchange'>): { value: unknown } | undefined {
  const recorded = response.exchange?.response;
  if (recorded !== undefined && recorded.body === response.text) return recordedJson(recorded);
  try {
    return { value: Object.freeze(JSON.parse(response.text) as unknown) };
  } catch {
    return undefined;
  }
}
