import type { JWTVerifyGetKey } from 'jose';
import { loadJwtVerify } from '../jwt/jose-loader';
import { systemClock } from '../clock';
import { OidcError } from '../errors';
import { headerValue } from '../http/headers';
import type { HttpResponse } from '../http/types';
import { postWithClientAuth, requireEndpoint } from './context';
import type { OAuthContext } from './context';
import { errorFromResponse, isRecord, parseJson } from './oauth-error';
import { splitScope } from './token-response';

export interface IntrospectOptions {
  /** Sent as `token_type_hint` (Kong sends `access_token` by default). */
  tokenTypeHint?: 'access_token' | 'refresh_token' | 'id_token' | (string & {});
  /** `jwt` asks for a signed RFC 9701 answer. */
  accept?: 'json' | 'jwt';
  /** Key lookup for the signed answer, e.g. jose createRemoteJWKSet(jwks_uri). */
  verifyKey?: JWTVerifyGetKey;
  extra?: Record<string, string>;
}

export interface IntrospectionResult {
  active: boolean;
  /** Every member of the answer (the `token_introspection` object for a JWT answer). */
  claims: Record<string, unknown>;
  scope?: string[];
  /** Epoch ms from `exp`. */
  expiresAt?: number;
  format: 'json' | 'jwt';
  response: HttpResponse;
  /** Things to show next to the result, e.g. a JSON answer to a JWT request. */
  warnings: string[];
}

export const INTROSPECTION_JWT_TYPE = 'application/token-introspection+jwt';

function readClaims(
  body: unknown,
  where: string,
  status: number,
  shape: string,
): Record<string, unknown> & { active: boolean } {
  if (!isRecord(body)) {
    throw new OidcError(
      'introspection.invalid_response',
      `The ${where} answered with ${shape} that is not an object.`,
      {
        where,
        status,
        hint: 'Check that introspection_endpoint really is the introspection endpoint.',
      },
    );
  }
  if (typeof body.active !== 'boolean') {
    const seen =
      body.active === undefined
        ? 'no "active" member'
        : `"active" as ${JSON.stringify(body.active)} instead of a boolean`;
    throw new OidcError(
      'introspection.invalid_response',
      `The ${where} answered with ${seen}; RFC 7662 requires "active": true or false.`,
      {
        where,
        status,
        hint: 'The endpoint is not an RFC 7662 introspection endpoint, or a proxy rewrote the answer.',
      },
    );
  }
  return body as Record<string, unknown> & { active: boolean };
}

/** RFC 7662 token introspection, optionally with an RFC 9701 signed answer. */
export async function introspect(
  ctx: OAuthContext,
  token: string,
  options: IntrospectOptions = {},
): Promise<IntrospectionResult> {
  const clock = ctx.clock ?? systemClock;
  const url = requireEndpoint(ctx, 'introspection_endpoint', 'introspection endpoint', 'introspection');
  const where = `introspection endpoint ${url}`;
  const wantJwt = options.accept === 'jwt';
  const response = await postWithClientAuth(ctx, {
    url,
    label: 'introspection endpoint',
    form: { token, token_type_hint: options.tokenTypeHint, ...(options.extra ?? {}) },
    headers: { Accept: wantJwt ? INTROSPECTION_JWT_TYPE : 'application/json' },
    secrets: [token],
  });

  if (response.status < 200 || response.status >= 300) {
    throw errorFromResponse(response, where, { clock, callerAuthenticates: true });
  }

  const contentType = (headerValue(response.headers, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  const warnings: string[] = [];
  const looksLikeJwt =
    contentType === INTROSPECTION_JWT_TYPE ||
    contentType === 'application/jwt' ||
    /^[\w-]+\.[\w-]+\.[\w-]*$/.test(response.text.trim());
  if (wantJwt && looksLikeJwt) {
    if (!options.verifyKey) {
      throw new OidcError(
        'introspection.jwt_invalid',
        `The ${where} answered with a signed JWT but no key was given to verify it.`,
        {
          where,
          status: response.status,
          hint: "Pass the IdP's JWKS (jwks_uri) as verifyKey, or ask for a JSON answer.",
        },
      );
    }
    let payload: Record<string, unknown>;
    // jose loads only for a signed (RFC 9701) answer.
    const { errors: joseErrors, jwtVerify } = await loadJwtVerify();
    try {
      ({ payload } = await jwtVerify(response.text.trim(), options.verifyKey, {
        typ: 'token-introspection+jwt',
        issuer: ctx.metadata.issuer,
        audience: ctx.client.clientId,
        currentDate: new Date(clock.now()),
      }));
    } catch (error) {
      const code = error instanceof joseErrors.JOSEError ? error.code : 'ERR_UNKNOWN';
      if (error instanceof joseErrors.JWTClaimValidationFailed && error.claim === 'aud') {
        // RFC 9701: the IdP addresses its signed answer to the client that asked; say what it wrote instead.
        const had = error.payload.aud;
        throw new OidcError(
          'introspection.jwt_invalid',
          `The signed answer from the ${where} is addressed to aud ${had === undefined ? '(none)' : JSON.stringify(had)}, not to the client that asked (${ctx.client.clientId}): the IdP sent it with that "aud" (${error.message}).`,
          {
            where,
            status: response.status,
            cause: error,
            hint: `RFC 9701 wants aud to be the requesting client's id (${ctx.client.clientId}); this is the IdP's doing (some put the token's own audience there). Ask for a JSON answer (Accept: application/json) to read it anyway.`,
          },
        );
      }
      throw new OidcError(
        'introspection.jwt_invalid',
        `The signed answer from the ${where} did not verify (${code}: ${error instanceof Error ? error.message : String(error)}).`,
        {
          where,
          status: response.status,
          cause: error,
          hint: `The JWT must have typ token-introspection+jwt, iss ${ctx.metadata.issuer}, aud ${ctx.client.clientId}, and a signature from a key in the IdP's JWKS.`,
        },
      );
    }
    const claims = readClaims(payload.token_introspection, where, response.status, 'a token_introspection claim');
    return result(claims, 'jwt', response, warnings);
  }
  if (wantJwt)
    warnings.push(
      `Asked the ${where} for ${INTROSPECTION_JWT_TYPE} but it answered ${contentType || 'without a content type'}; the answer is unsigned.`,
    );

  const parsed = parseJson(response.text);
  if (!parsed) throw errorFromResponse(response, where, { clock, callerAuthenticates: true });
  return result(readClaims(parsed.value, where, response.status, 'JSON'), 'json', response, warnings);
}

function result(
  claims: Record<string, unknown> & { active: boolean },
  format: 'json' | 'jwt',
  response: HttpResponse,
  warnings: string[],
): IntrospectionResult {
  const exp = typeof claims.exp === 'number' ? claims.exp : typeof claims.exp === 'string' ? Number(claims.exp) : NaN;
  return {
    active: claims.active,
    claims,
    // Okta's JWTs say scp; introspection says scope.
    scope: splitScope(claims.scope) ?? splitScope(claims.scp),
    expiresAt: Number.isFinite(exp) ? exp * 1000 : undefined,
    format,
    response,
    warnings,
  };
}
