import type { EndpointName } from '../flow/file-format';
import type { KeyValue, SourceBody, SourceRequest } from './types';

/**
 * Recognises the requests of an export that talk OAuth to an IdP by hand
 * (a POST of `grant_type` to a token endpoint, a POST of `token` to an
 * introspection or revocation endpoint), and reads an issuer back out of an
 * endpoint URL. Exports of real scenarios are made of such requests rather
 * than of the tools' OAuth 2.0 helpers, so without this they import as plain
 * requests and the flow never holds a token the diagnosis can follow.
 */

export type OAuthEndpointKind = Extract<EndpointName, 'token' | 'introspection' | 'revocation'>;

/** The form fields a request posts, read before any template conversion; undefined when it posts no form. */
export function postedForm(body: SourceBody | undefined): KeyValue[] | undefined {
  if (!body) return undefined;
  if (body.params !== undefined) return body.params.filter((p) => !p.file);
  const mime = (body.mimeType ?? '').toLowerCase();
  if (body.text === undefined || !mime.includes('x-www-form-urlencoded')) return undefined;
  return body.text
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair) => {
      const eq = pair.indexOf('=');
      return {
        name: formDecode(eq < 0 ? pair : pair.slice(0, eq)),
        value: eq < 0 ? '' : formDecode(pair.slice(eq + 1)),
      };
    });
}

function formDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/** The first value of a form field, by its exact name (OAuth parameter names are case-sensitive). */
export function formValue(form: KeyValue[], name: string): string | undefined {
  return form.find((p) => p.name === name)?.value;
}

/** The path of a URL or URL template, without query or fragment, lower-cased, no trailing slash. */
function pathOf(url: string): string {
  return url.split(/[?#]/)[0]!.replace(/\/+$/, '').toLowerCase();
}

/**
 * Which IdP endpoint a request calls by hand, if any. `tokenUrls` are the
 * token URLs the export's own OAuth 2.0 settings name: a POST of a grant to
 * one of them is a token request whatever its path looks like.
 */
export function oauthEndpointOf(req: SourceRequest, tokenUrls: ReadonlySet<string>): OAuthEndpointKind | undefined {
  if (req.method !== 'POST') return undefined;
  const form = postedForm(req.body);
  if (!form) return undefined;
  const path = pathOf(req.url.trim());
  if (formValue(form, 'grant_type') !== undefined && (tokenUrls.has(req.url.trim()) || path.endsWith('/token')))
    return 'token';
  if (formValue(form, 'token') === undefined) return undefined;
  if (path.endsWith('/introspect')) return 'introspection';
  if (path.endsWith('/revoke')) return 'revocation';
  return undefined;
}

/** A URL origin written either literally or as one environment value (`{{env.url}}`). */
const BASE = String.raw`(https?:\/\/[^/?#\s]+|\{\{env\.[A-Za-z0-9_-]+\}\})`;
const OKTA_CUSTOM = new RegExp(String.raw`^(${BASE}\/oauth2\/([^/?#]+))\/v1\/[a-z]+$`, 'i');
const OKTA_ORG = new RegExp(String.raw`^${BASE}\/oauth2\/v1\/[a-z]+$`, 'i');
const KEYCLOAK = new RegExp(String.raw`^(${BASE}(?:\/[^?#]*)?\/realms\/[^/?#]+)\/protocol\/openid-connect\/`, 'i');
const AUTH0 = new RegExp(String.raw`^${BASE}\/oauth\/(?:token|revoke)$`, 'i');

/**
 * The issuer an endpoint URL belongs to, when its shape says so: Okta custom
 * and org authorization servers, Keycloak realms and Auth0 tenants (whose
 * issuer ends with a slash). Undefined for any other URL: the IdP then gets
 * explicit endpoints and no discovery. (oauth/okta.ts's oktaIssuer goes the
 * other way: domain to issuer.)
 */
export function issuerFromEndpointUrl(url: string): string | undefined {
  const bare = url.split(/[?#]/)[0]!;
  const custom = OKTA_CUSTOM.exec(bare);
  if (custom && custom[3]!.toLowerCase() !== 'v1') return custom[1];
  const org = OKTA_ORG.exec(bare);
  if (org) return org[1];
  const keycloak = KEYCLOAK.exec(bare);
  if (keycloak) return keycloak[1];
  const auth0 = AUTH0.exec(bare);
  if (auth0 && /auth0\.com$/i.test(auth0[1]!)) return `${auth0[1]}/`;
  return undefined;
}

/** Reads `id:secret` out of a literal Basic credential; undefined when it is templated or not base64 of a pair. */
export function decodeBasicCredential(value: string): { id: string; secret: string } | undefined {
  if (!/^[A-Za-z0-9+/=]+$/.test(value)) return undefined;
  const text = Buffer.from(value, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon <= 0 || /[\u0000-\u001f]/.test(text)) return undefined;
  return { id: formDecode(text.slice(0, colon)), secret: formDecode(text.slice(colon + 1)) };
}
