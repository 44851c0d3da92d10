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
  return placeTokenInto({ ...target, headers: { ...target.headers } }, token, placement);
}

/**
 * Puts a token into a target the caller made for this one request (its own object and headers
 * object): they are changed, not copied. A call prepares a fresh target each time, and the two
 * copies placeToken makes cost ~0.25 µs each a call, timed in place between a run's requests
 * (issue #14 point 2). A form is still copied: it is the flow step's own object.
 */
export function placeTokenInto(target: TokenTarget, token: string, placement?: TokenPlacement): TokenTarget {
  const p = resolvePlacement(placement);
  switch (p.in) {
    case 'header': {
      const value = p.scheme === '' ? token : `${p.scheme} ${token}`;
      // An assignment to __proto__ would set the prototype (to a string: nothing at all); defining
      // the property makes the same own header a computed key in a literal would, in the same place.
      if (p.name === '__proto__')
        Object.defineProperty(target.headers, p.name, { value, writable: true, enumerable: true, configurable: true });
      else target.headers[p.name] = value;
      return target;
    }
    case 'query': {
      const url = new URL(target.url);
      url.searchParams.set(p.name, token);
      target.url = url.toString();
      return target;
    }
    case 'cookie':
      target.headers.Cookie = `${p.name}=${token}`;
      return target;
    case 'body':
      target.form = { ...(target.form ?? {}), [p.name]: token };
      return target;
  }
}
