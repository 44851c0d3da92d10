import type { Clock } from '../clock';
import { systemClock } from '../clock';
import { OidcError } from '../errors';
import type { HttpClient, HttpResponse } from '../http/types';
import { addClientAuth, secretForms } from './client-auth';
import type { ClientAuthDraft, ClientConfig } from './client-auth';
import type { EndpointCodePrefix } from './error-codes';
import type { AuthorizationServerMetadata, EndpointField } from './metadata';
import type { RandomBytes } from './random';

/** Everything a grant or token call needs: transport, server, client, time. */
export interface OAuthContext {
  http: HttpClient;
  metadata: AuthorizationServerMetadata;
  client: ClientConfig;
  clock?: Clock;
  random?: RandomBytes;
}

/** The URL of a metadata endpoint, or an error saying the server does not publish it. */
export function requireEndpoint(
  ctx: OAuthContext,
  field: EndpointField,
  label: string,
  codePrefix: EndpointCodePrefix = 'oauth',
): string {
  const url = ctx.metadata[field];
  if (typeof url !== 'string' || url === '') {
    throw new OidcError(
      `${codePrefix}.missing_endpoint`,
      `The authorization server ${ctx.metadata.issuer} publishes no ${field}, so the ${label} cannot be called.`,
      {
        where: label,
        hint: `Set the ${label} URL by hand, or check that the issuer and discovery document are the right ones.`,
      },
    );
  }
  return url;
}

/** The `aud` a JWT client assertion carries when calling `endpointUrl`. */
export function assertionAudience(ctx: OAuthContext, endpointUrl: string): string {
  switch (ctx.client.assertionAudience) {
    case 'token_endpoint':
      return ctx.metadata.token_endpoint ?? endpointUrl;
    case 'issuer':
      return ctx.metadata.issuer;
    default:
      return endpointUrl;
  }
}

export interface AuthenticatedPost {
  url: string;
  label: string;
  form: Record<string, string | undefined>;
  headers?: Record<string, string>;
  /** Secret values in `form` (tokens, codes, verifiers, passwords). */
  secrets?: string[];
  signal?: AbortSignal;
}

/**
 * Drops undefined and empty-string form fields so optional parameters are not sent blank, and a
 * caller's `client_secret`: a form must never smuggle a secret into a public client's request.
 * The copy is the request's own, so client authentication then adds to it in place.
 */
function compact(form: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(form)) {
    const value = form[key];
    if (value !== undefined && value !== '' && key !== 'client_secret') out[key] = value;
  }
  return out;
}

/** The list with each value once, in first-seen order; the same list when nothing repeats (the usual case). */
function unique(values: string[]): string[] {
  for (let i = 1; i < values.length; i += 1)
    if (values.lastIndexOf(values[i]!, i - 1) !== -1) return [...new Set(values)];
  return values;
}

/**
 * POSTs a form to an IdP endpoint with client authentication and redaction set up. Not async: it
 * hands back the client's own promise (an async wrapper is one more promise and its turns a
 * request), chained after the signing only when an assertion is signed; whatever fails while the
 * request is built is a rejection, as from an async function.
 */
export function postWithClientAuth(ctx: OAuthContext, post: AuthenticatedPost): Promise<HttpResponse> {
  try {
    // One fresh form, headers and secrets list that client authentication adds to in place: each
    // used to be copied twice more a request (issue #14 point 1).
    const draft: ClientAuthDraft = {
      form: compact(post.form),
      headers:
        post.headers === undefined ? { Accept: 'application/json' } : { Accept: 'application/json', ...post.headers },
      secrets: [],
    };
    if (post.secrets !== undefined)
      for (const secret of post.secrets) for (const form of secretForms(secret)) draft.secrets.push(form);
    const signing = addClientAuth(ctx.client, draft, assertionAudience(ctx, post.url), {
      clock: ctx.clock ?? systemClock,
      random: ctx.random,
    });
    return signing === undefined ? sendDraft(ctx, post, draft) : signing.then(() => sendDraft(ctx, post, draft));
  } catch (error) {
    return Promise.reject(error);
  }
}

function sendDraft(ctx: OAuthContext, post: AuthenticatedPost, draft: ClientAuthDraft): Promise<HttpResponse> {
  const options = draft.options;
  return ctx.http.send({
    method: 'POST',
    url: post.url,
    form: draft.form,
    headers: draft.headers,
    options: options !== undefined && Object.keys(options).length > 0 ? options : undefined,
    label: post.label,
    lane: 'idp',
    secrets: unique(draft.secrets),
    signal: post.signal,
  });
}

/** Merges caller-provided extra parameters last so they can override anything but client authentication. */
export function withExtra(
  form: Record<string, string | undefined>,
  extra?: Record<string, string>,
): Record<string, string | undefined> {
  return { ...form, ...(extra ?? {}) };
}
