import { OidcError } from '../../src/core/errors';
import type { HttpClient, HttpExchange, HttpRequest, HttpResponse } from '../../src/core/http/types';

export interface CannedResponse {
  status?: number;
  headers?: Record<string, string>;
  /** A string is sent as is; anything else is JSON-encoded. */
  body?: unknown;
}

type Responder = CannedResponse | ((request: HttpRequest) => CannedResponse | Promise<CannedResponse>);

interface Route {
  method?: string;
  url: string | RegExp;
  responder: Responder;
  /** Remaining uses; undefined = forever. */
  times?: number;
}

/** Records requests and answers them from canned responses, matched by URL. */
export class FakeHttp implements HttpClient {
  readonly requests: HttpRequest[] = [];
  private readonly routes: Route[] = [];
  private next = 0;

  /** Answers requests to `url` (exact or regex) with `responder`; routes added first match first. */
  on(url: string | RegExp, responder: Responder, options: { method?: string; times?: number } = {}): this {
    this.routes.push({ url, responder, method: options.method, times: options.times });
    return this;
  }

  /** Like `on` but for a single use, so several answers can be queued in order. */
  once(url: string | RegExp, responder: Responder): this {
    return this.on(url, responder, { times: 1 });
  }

  last(): HttpRequest {
    const request = this.requests.at(-1);
    if (!request) throw new Error('no request was sent');
    return request;
  }

  async send(request: HttpRequest): Promise<HttpResponse> {
    this.requests.push(request);
    const route = this.routes.find(
      (r) =>
        (r.times === undefined || r.times > 0) &&
        (!r.method || r.method === request.method) &&
        (typeof r.url === 'string' ? r.url === request.url : r.url.test(request.url)),
    );
    if (!route) throw new Error(`FakeHttp: no route for ${request.method} ${request.url}`);
    if (route.times !== undefined) route.times -= 1;
    const canned = typeof route.responder === 'function' ? await route.responder(request) : route.responder;
    return buildResponse(request, canned, `ex-${++this.next}`);
  }
}

/** Form body of a recorded request as the server would see it. */
export function formOf(request: HttpRequest): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(request.form ?? {})) if (value !== undefined) out[key] = value;
  return out;
}

export function buildResponse(request: HttpRequest, canned: CannedResponse, id = 'ex-1'): HttpResponse {
  const status = canned.status ?? 200;
  const text =
    canned.body === undefined ? '' : typeof canned.body === 'string' ? canned.body : JSON.stringify(canned.body);
  const headers: Record<string, string> = {
    ...(typeof canned.body === 'string' || canned.body === undefined ? {} : { 'content-type': 'application/json' }),
    ...Object.fromEntries(Object.entries(canned.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v])),
  };
  const body = request.form
    ? new URLSearchParams(formOf(request)).toString()
    : typeof request.body === 'string'
      ? request.body
      : undefined;
  const exchange: HttpExchange = {
    id,
    label: request.label,
    lane: request.lane ?? 'other',
    startedAt: 0,
    request: {
      method: request.method,
      url: request.url,
      headers: Object.entries(request.headers ?? {}),
      body,
      bodySize: body?.length ?? 0,
    },
    response: {
      status,
      statusText: '',
      httpVersion: '1.1',
      headers: Object.entries(headers),
      body: text,
      bodySize: text.length,
      truncated: false,
      contentType: headers['content-type'],
    },
    timings: { total: 1 },
    warnings: [],
    secrets: request.secrets ?? [],
  };
  return {
    status,
    headers,
    text,
    exchange,
    json<T>(): T {
      try {
        return JSON.parse(text) as T;
      } catch (error) {
        throw new OidcError(
          'http.invalid_json',
          `${request.label ?? request.url} answered with a body that is not JSON.`,
          { cause: error },
        );
      }
    },
  };
}
