/**
 * What a capture shows about a token without showing the token: who it is
 * for, which client holds it, when it expires, and a key that groups the
 * exchanges made with it.
 */
import { createHmac } from 'node:crypto';
import { tokenClient } from '../diagnosis/diagnose';
import { classifyToken, decodeJwt } from '../jwt/decode';
import type { TokenSource } from '../gateway/profiles';

export interface CapturedToken {
  /** Where the request carried it. */
  source: TokenSource;
  /** The Authorization scheme, for a header ("Bearer", "DPoP"). */
  scheme?: string;
  kind: 'jwt' | 'jwe' | 'opaque';
  /** The JWT's sub. */
  subject?: string;
  /** The client it was issued to (client_id, cid or azp). */
  clientId?: string;
  issuer?: string;
  /** Epoch milliseconds (the JWT's exp). */
  expiresAt?: number;
  /**
   * Groups the exchanges of one token: an HMAC of the token under a key made
   * for this capture, so it is stable while the capture runs and says nothing
   * about the token (not even across captures).
   */
  groupKey: string;
}

/** The facts of `token`; `groupSecret` is the capture's own HMAC key. */
export function tokenFacts(token: string, groupSecret: Buffer, source: TokenSource, scheme?: string): CapturedToken {
  const kind = classifyToken(token);
  const facts: CapturedToken = {
    source,
    ...(scheme ? { scheme } : {}),
    kind: kind === 'jwt' || kind === 'jwe' ? kind : 'opaque',
    groupKey: createHmac('sha256', groupSecret).update(token).digest('base64url').slice(0, 16),
  };
  if (kind !== 'jwt') return facts;
  try {
    const { payload } = decodeJwt(token);
    if (typeof payload.sub === 'string') facts.subject = payload.sub;
    const client = tokenClient(payload);
    if (client) facts.clientId = client;
    if (typeof payload.iss === 'string') facts.issuer = payload.iss;
    if (typeof payload.exp === 'number' && Number.isFinite(payload.exp)) facts.expiresAt = payload.exp * 1000;
  } catch {
    // A token that only looks like a JWT: its kind is all there is to show.
    facts.kind = 'opaque';
  }
  return facts;
}
