/**
 * The checks a JWT's header decides on its own, before any key is fetched: its form, its algorithm
 * and its critical header parameters. verifyJwt starts with them; `oidc-flow verify` prints them
 * before it connects to the IdP (issue #14, CLI start), so this module needs no network and no jose.
 */
import { DEFAULT_ALLOWED_ALGORITHMS, jwsAlgorithmInfo } from './algorithms';
import type { JwtCheck } from './claim-checks';
import { fail, pass } from './claim-checks';
import type { DecodedJwt } from './decode';

export interface JwtHeaderChecks {
  /** The first checks of a verification, in its order: format, alg, and crit when the header has one. */
  checks: JwtCheck[];
  /** The check that refused the token (alg, else crit): its signature is then not checked. */
  refused: JwtCheck | undefined;
}

/**
 * The header's checks of a decoded JWS. `allowedAlgorithms` as verifyJwt takes it: undefined means
 * the default list (asymmetric algorithms only), which the refusal's hint then explains.
 */
export function checkJwtHeader(decoded: DecodedJwt, allowedAlgorithms?: readonly string[]): JwtHeaderChecks {
  // Read only, here and by jose: no copy per verification.
  const allowed = allowedAlgorithms ?? DEFAULT_ALLOWED_ALGORITHMS;
  const algCheck = checkAlgorithm(decoded, allowed, allowedAlgorithms === undefined);
  const critCheck = checkCrit(decoded.header);
  const checks = [pass('format', 'The token is a signed JWT (JWS compact: header.payload.signature).'), algCheck];
  if (critCheck) checks.push(critCheck);
  return { checks, refused: !algCheck.ok ? algCheck : critCheck };
}

function checkAlgorithm(decoded: DecodedJwt, allowed: readonly string[], isDefault: boolean): JwtCheck {
  const alg = decoded.header.alg;
  if (decoded.unsecured) {
    return fail(
      'alg',
      'jwt.alg_none',
      `The token is unsecured (alg "${String(alg)}"): it has no signature, so anyone could have written it.`,
      'Never accept such a token; the issuer must sign its tokens.',
    );
  }
  if (typeof alg !== 'string') {
    return fail(
      'alg',
      'jwt.alg_not_allowed',
      `The header has ${alg === undefined ? 'no alg' : `a non-text alg ${JSON.stringify(alg)}`}, so the signature algorithm is unknown.`,
      'The token is malformed.',
    );
  }
  if (allowed.includes(alg)) return pass('alg', `The algorithm ${alg} is allowed.`);
  const symmetric = jwsAlgorithmInfo(alg)?.symmetric === true;
  const hint =
    symmetric && isDefault
      ? `${alg} uses a shared secret; only asymmetric algorithms are accepted by default (like Kong's enable_hs_signatures: false). Allow it explicitly if you really share a secret with the issuer.`
      : 'Allow the algorithm if the issuer is configured to use it, or reconfigure the issuer.';
  return fail(
    'alg',
    'jwt.alg_not_allowed',
    `The algorithm ${alg} is not allowed; allowed are ${allowed.join(', ') || '(none)'}.`,
    hint,
  );
}

/**
 * RFC 7515 4.1.11: a verifier must reject a token whose `crit` header names
 * an extension it does not understand; this one understands none. (jose
 * reports it as "not supported", which read as a wrong key before.)
 */
function checkCrit(header: Record<string, unknown>): JwtCheck | undefined {
  const crit = header.crit;
  if (crit === undefined) return undefined;
  const names = Array.isArray(crit) && crit.every((n) => typeof n === 'string') ? (crit as string[]) : undefined;
  return fail(
    'crit',
    'jwt.crit_unsupported',
    names
      ? `The header marks ${names.map((n) => `"${n}"`).join(', ')} as critical (crit): a verifier must understand ${names.length === 1 ? 'that extension' : 'those extensions'} or reject the token, and this one does not.`
      : `The header's crit is ${JSON.stringify(crit).slice(0, 60)}, not a list of header names, so the token is malformed.`,
    'RFC 7515 4.1.11: the API that accepts this token must know these header parameters; ask the issuer why it marks them critical, or issue tokens without crit.',
  );
}
