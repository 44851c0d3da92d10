import type { TokenPlacement } from './file-format';

/** A route's token placement with its defaults filled in. */
export interface ResolvedPlacement {
  in: 'header' | 'query' | 'cookie' | 'body';
  name: string;
  /** Authorization scheme for a header; '' sends the bare token. */
  scheme: string;
}

/** The parts of a request a token can go into. */
export interface TokenTarget {
  url: string;
  headers: Record<string, string>;
  form?: Record<string, string>;
}

/** Where a route that says nothing puts its token; shared, since most routes say nothing. */
const DEFAULT_PLACEMENT: Readonly<ResolvedPlacement> = Object.freeze({
  in: 'header',
  name: 'Authorization',
  scheme: 'Bearer',
});

/** Fills in the defaults: `Authorization: Bearer <token>`, else a field named `access_token`. */
export function resolvePlacement(placement: TokenPlacement = {}): Readonly<ResolvedPlacement> {
  if (placement.in === undefined && placement.name === undefined && placement.scheme === undefined)
    return DEFAULT_PLACEMENT;
  const where = placement.in ?? 'header';
  return {
    in: where,
    name: placement.name ?? (where === 'header' ? 'Authorization' : 'access_token'),
    scheme: placement.scheme ?? 'Bearer',
  };
}

/** Puts a token where the route says its gateway reads it; returns a new target, the given one is left alone. */
export function placeToken(target: TokenTarget, token: string, placement?: TokenPlacement): TokenTarget {
  const p = resolvePlacement(placement);
  switch (p.in) {
    case 'header': {
      const value = p.scheme === '' ? token : `${p.scheme} ${token}`;
      // A computed key, not an assignment: a header named __proto__ stays a header.
      if (p.name === '__proto__') return { ...target, headers: { ...target.headers, [p.name]: value } };
      // Any other name: a copy, then an assignment, which makes the same own property in the same
      // place (of Object.prototype's names only __proto__ is an accessor). A computed key after a
      // spread is handed by V8's optimised code to its C++ runtime: ~1.5 µs a call, timed in place
      // between a run's requests, against ~0.4 µs now (issue #14 point 2).
      const headers = { ...target.headers };
      headers[p.name] = value;
      return { ...target, headers };
    }
    case 'query': {
      const url = new URL(target.url);
      url.searchParams.set(p.name, token);
      return { ...target, url: url.toString() };
    }
    case 'cookie':
      return { ...target, headers: { ...target.headers, Cookie: `${p.name}=${token}` } };
    case 'body':
      return { ...target, form: { ...(target.form ?? {}), [p.name]: token } };
  }
}
