/**
 * What `explain` and `capture` both ask about a refused token: the local
 * check against the IdP's keys and the IdP's own answer (introspection).
 * One function for both, so a verdict reads the same whichever way in.
 */
import type { Clock } from '../clock';
import { asOidcError } from '../errors';
import type { ErrorCode } from '../errors';
import { looksLikeKong } from '../gateway/profiles';
import type { KongOidcConfig } from '../gateway/kong-oidc-config';
import { headerValue } from '../http/headers';
import { classifyToken, decodeJwt } from '../jwt/decode';
import type { DecodedJwt } from '../jwt/decode';
import { notATokenReason } from '../jwt/token-shape';
import { verifyJwt } from '../jwt/verify';
import type { JwtVerification } from '../jwt/verify';
import type { ConnectedIdp } from '../oauth/connect-idp';
import { introspect } from '../oauth/introspection';
import type { DiagnosisInput } from './diagnose';

/** What the local JWT check produced. */
export type LocalCheck =
  | { state: 'verified'; verification: Pick<JwtVerification, 'valid' | 'checks'> }
  | { state: 'skipped'; reason: string }
  | { state: 'error'; message: string };

/** What the IdP's introspection produced. */
export type IdpAnswer =
  | { state: 'answered'; active: boolean; claims: Record<string, unknown> }
  | { state: 'skipped'; reason: string }
  | { state: 'error'; code: ErrorCode; message: string };

/** The token as the diagnosis sees it (kind, decoded parts, why it is no token), and its decoded form. */
export function tokenInput(token: string): { input: NonNullable<DiagnosisInput['token']>; decoded?: DecodedJwt } {
  let decoded: DecodedJwt | undefined;
  const kind = classifyToken(token);
  if (kind === 'jwt') {
    try {
      decoded = decodeJwt(token);
    } catch {
      decoded = undefined;
    }
  }
  const input: NonNullable<DiagnosisInput['token']> = decoded
    ? { kind: 'jwt', header: decoded.header, payload: decoded.payload }
    : { kind: kind === 'jwe' ? 'jwe' : 'opaque' };
  const malformed = notATokenReason(token);
  if (malformed) input.malformed = malformed;
  return { input, decoded };
}

/** Which gateway answered, from the route's config or the answer's own headers. */
export function gatewayKindOf(
  config: KongOidcConfig | undefined,
  headers: Record<string, string>,
): DiagnosisInput['gatewayKind'] {
  if (config || looksLikeKong(headers)) return 'kong';
  // Apache's Server header picks the mod_auth_openidc profile, so fixes come as its directives.
  if (/^apache\b/i.test(headerValue(headers, 'server') ?? '')) return 'apache';
  return 'other';
}

/** Checks the token against the IdP's keys and asks the IdP about it (each skipped, with why, when it cannot be done). */
export async function checkToken(
  token: string,
  decoded: DecodedJwt | undefined,
  idp: Pick<ConnectedIdp, 'jwks' | 'ctx'>,
  leeway: number | undefined,
  clock: Clock,
): Promise<{ local: LocalCheck; idp: IdpAnswer; verification?: JwtVerification }> {
  let local: LocalCheck;
  let verification: JwtVerification | undefined;
  if (!decoded) local = { state: 'skipped', reason: 'The token is opaque: only the IdP can tell what it means.' };
  else if (!idp.jwks) local = { state: 'skipped', reason: 'The IdP publishes no jwks_uri; give --jwks-uri.' };
  else {
    try {
      verification = await verifyJwt(decoded, {
        keys: idp.jwks,
        issuer: idp.ctx.metadata.issuer || undefined,
        leewaySeconds: leeway,
        clock,
      });
      local = { state: 'verified', verification };
    } catch (error) {
      local = { state: 'error', message: asOidcError(error).message };
    }
  }
  let answer: IdpAnswer;
  if (!idp.ctx.client.clientId)
    answer = { state: 'skipped', reason: 'Give --client-id (and its secret) to ask the IdP.' };
  else if (!idp.ctx.metadata.introspection_endpoint)
    answer = {
      state: 'skipped',
      reason: 'The IdP publishes no introspection endpoint; give --introspection-endpoint.',
    };
  else {
    try {
      const result = await introspect(idp.ctx, token, { tokenTypeHint: 'access_token' });
      answer = { state: 'answered', active: result.active, claims: result.claims };
    } catch (error) {
      const e = asOidcError(error);
      answer = { state: 'error', code: e.code, message: e.message };
    }
  }
  return { local, idp: answer, verification };
}
