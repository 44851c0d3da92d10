import { Agent, fetch } from 'undici';
import { OidcError } from '../../src/core/errors';
import type { SandboxIdp } from '../../src/core/sandbox/sandbox-idp';

/**
 * A headless "browser" for the sandbox IdP's pages: follows redirects by
 * hand, keeps cookies, and fills in the sign-in, consent and device forms,
 * so tests can run the authorization code and device flows end to end.
 */

export interface LoginOptions {
  username: string;
  password: string;
  /** PEM of the CA that signed the IdP's certificate. */
  ca: string;
}

interface Form {
  action: string;
  fields: Array<{ name: string; value: string; type: string }>;
}

const MAX_STEPS = 20;

function decodeEntities(value: string): string {
  return value
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))
    .replace(/&quot;/g, '"')
    .replace(/&#x27;|&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function attribute(tag: string, name: string): string | undefined {
  const match = new RegExp(`\\s${name}\\s*=\\s*"([^"]*)"`, 'i').exec(tag);
  return match ? decodeEntities(match[1]!) : undefined;
}

/** The first POST form of a page, with its inputs. */
function firstPostForm(html: string): Form | undefined {
  for (const match of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const [, attributes = '', inner = ''] = match;
    if ((attribute(` ${attributes}`, 'method') ?? 'get').toLowerCase() !== 'post') continue;
    const fields = [...inner.matchAll(/<input\b[^>]*>/gi)].flatMap(([tag]) => {
      const name = attribute(tag, 'name');
      return name
        ? [{ name, value: attribute(tag, 'value') ?? '', type: (attribute(tag, 'type') ?? 'text').toLowerCase() }]
        : [];
    });
    return { action: attribute(` ${attributes}`, 'action') ?? '', fields };
  }
  return undefined;
}

/** What a page says went wrong: its alert, or oidc-provider's error fields. */
function pageProblem(html: string): string | undefined {
  const alert = /role="alert"[^>]*>([\s\S]*?)</.exec(html)?.[1];
  if (alert) return decodeEntities(alert.trim());
  const error = /data-key="error"[^>]*>([^<]*)</.exec(html)?.[1];
  const description = /data-key="error_description"[^>]*>([^<]*)</.exec(html)?.[1];
  return error ? decodeEntities(`${error}${description ? `: ${description}` : ''}`) : undefined;
}

class CookieJar {
  readonly #cookies = new Map<string, string>();

  store(setCookies: string[]): void {
    for (const header of setCookies) {
      const [pair = '', ...attributes] = header.split(';');
      const index = pair.indexOf('=');
      if (index <= 0) continue;
      const name = pair.slice(0, index).trim();
      const value = pair.slice(index + 1).trim();
      const expired = attributes.some((attr) => {
        const [key = '', val = ''] = attr.split('=').map((part) => part.trim());
        if (key.toLowerCase() === 'max-age') return Number(val) <= 0;
        if (key.toLowerCase() === 'expires') return Date.parse(val) <= Date.now();
        return false;
      });
      if (expired || value === '') this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
  }

  header(): string {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

type Stop = { kind: 'redirect'; url: string } | { kind: 'page'; html: string };

/**
 * Walks pages from `start`, filling forms with `values`, until a redirect
 * leaves the IdP's origin or a page without a form is reached.
 */
async function walk(start: string, values: Record<string, string>, ca: string): Promise<Stop> {
  const dispatcher = new Agent({ connect: { ca } });
  const jar = new CookieJar();
  const origin = new URL(start).origin;
  let url = start;
  let body: URLSearchParams | undefined;
  const submitted = new Set<string>();
  try {
    for (let step = 0; step < MAX_STEPS; step += 1) {
      const headers: Record<string, string> = { accept: 'text/html' };
      const cookie = jar.header();
      if (cookie) headers.cookie = cookie;
      if (body) headers['content-type'] = 'application/x-www-form-urlencoded';
      const response = await fetch(url, {
        method: body ? 'POST' : 'GET',
        headers,
        body: body?.toString(),
        redirect: 'manual',
        dispatcher,
      });
      jar.store(response.headers.getSetCookie());

      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        await response.body?.cancel();
        const next = new URL(location, url).href;
        if (new URL(next).origin !== origin) return { kind: 'redirect', url: next };
        url = next;
        body = undefined;
        continue;
      }

      const html = await response.text();
      const form = firstPostForm(html);
      const problem = pageProblem(html);
      if (!form) {
        if (problem || response.status >= 400) {
          throw new OidcError(
            'sandbox.login.error_page',
            `The IdP showed an error page at ${url} (HTTP ${response.status}): ${problem ?? 'no details'}.`,
            {
              hint: 'Check the authorization request parameters (client_id, redirect_uri, scope, PKCE).',
            },
          );
        }
        return { kind: 'page', html };
      }
      const action = new URL(form.action || url, url).href;
      // The same form twice with an alert means the IdP refused what was entered.
      if (problem && submitted.has(new URL(action).pathname)) {
        throw new OidcError('sandbox.login.rejected', `The IdP refused the form at ${action}: ${problem}`, {
          hint: 'Use a sandbox user (alice/alice-password or bob/bob-password) and a current user code.',
        });
      }
      submitted.add(new URL(action).pathname);
      body = new URLSearchParams();
      for (const field of form.fields) {
        const given = values[field.name];
        body.append(field.name, field.type !== 'hidden' && given !== undefined ? given : field.value);
      }
      url = action;
    }
  } finally {
    await dispatcher.close();
  }
  throw new OidcError('sandbox.login.too_many_steps', `Signing in from ${start} took more than ${MAX_STEPS} pages.`, {
    hint: 'The IdP is probably looping between pages; open the authorize URL in a browser to see why.',
  });
}

/**
 * Signs in at the IdP from an authorize URL and returns the final redirect
 * (to the client's redirect_uri, with code and state) without following it.
 */
export async function completeLogin(authorizeUrl: string, options: LoginOptions): Promise<string> {
  const stop = await walk(authorizeUrl, { username: options.username, password: options.password }, options.ca);
  if (stop.kind !== 'redirect') {
    throw new OidcError(
      'sandbox.login.no_redirect',
      `Signing in from ${authorizeUrl} ended on a page instead of a redirect to the client.`,
      {
        hint: 'Check that the request uses response_mode=query and a registered redirect_uri.',
      },
    );
  }
  return stop.url;
}

/** Approves a device authorization by entering the user code and signing in on the IdP's pages. */
export async function approveDeviceCode(
  idp: Pick<SandboxIdp, 'issuer' | 'caPem'>,
  userCode: string,
  credentials: { username: string; password: string },
): Promise<void> {
  const stop = await walk(`${idp.issuer}/v1/device`, { user_code: userCode, ...credentials }, idp.caPem);
  if (stop.kind !== 'page' || !stop.html.includes('device-activated')) {
    throw new OidcError(
      'sandbox.login.device_not_approved',
      `Approving device code at ${idp.issuer}/v1/device did not reach the success page.`,
      {
        hint: 'Check the user code and that the device authorization has not expired.',
      },
    );
  }
}
