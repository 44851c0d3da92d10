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

/** Fills in the defaults: `Authorization: Bearer <token>`, else a field named `access_token`. */
export function resolvePlacement(placement: TokenPlacement = {}): ResolvedPlacement {
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
    case 'header':
      return { ...target, headers: { ...target.headers, [p.name]: p.scheme === '' ? token : `${p.scheme} ${token}` } };
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
