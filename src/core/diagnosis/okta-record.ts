/**
 * Okta's own record of a refused token's application and user, asked of its
 * management API so the verdict can say it confirmed a deactivation instead
 * of inferring one. The runner's call diagnosis and the CLI's explain both
 * ask through here.
 */
import type { Clock } from '../clock';
import { asOidcError } from '../errors';
import type { HttpClient } from '../http/types';
import { oktaAppStatus, oktaUserStatus } from '../oauth/okta-management';
import { tokenClient } from './diagnose';
import type { IdpRecord } from './diagnose';

/** Whom to ask about: the token's client id and, for a user's token, the user. */
export interface RecordSubject {
  clientId?: string;
  userId?: string;
}

/**
 * The client a token was issued to (RFC 9068 client_id, Okta's cid, azp, else
 * the client that obtained it) and its user: Okta's uid, else a sub that is
 * not the client itself (a client-credentials token's sub is its client id).
 */
export function recordSubject(claims: Record<string, unknown>, obtainedBy?: string): RecordSubject {
  const clientId = tokenClient(claims) ?? (obtainedBy || undefined);
  const sub = typeof claims.sub === 'string' && claims.sub !== clientId ? claims.sub : undefined;
  const userId = typeof claims.uid === 'string' ? claims.uid : sub;
  return { ...(clientId ? { clientId } : {}), ...(userId ? { userId } : {}) };
}

/**
 * Asks about the application and then the user; a failed call ends the
 * asking (the same token and org would fail the same way) and becomes the
 * record's error, never an exception. Undefined when there is no one to ask about.
 */
export async function oktaRecord(
  http: HttpClient,
  target: { orgUrl: string; apiToken: string; clock?: Clock },
  subject: RecordSubject,
): Promise<IdpRecord | undefined> {
  if (!subject.clientId && !subject.userId) return undefined;
  const record: IdpRecord = { source: 'okta-management-api' };
  try {
    if (subject.clientId) {
      const app = await oktaAppStatus(http, { ...target, clientId: subject.clientId });
      record.app = {
        clientId: app.clientId,
        status: app.status,
        active: app.active,
        ...(app.label ? { label: app.label } : {}),
      };
    }
    if (subject.userId) {
      const user = await oktaUserStatus(http, { ...target, userId: subject.userId });
      record.user = {
        id: user.userId,
        status: user.status,
        active: user.active,
        ...(user.login ? { login: user.login } : {}),
      };
    }
  } catch (error) {
    const e = asOidcError(error);
    record.error = { code: e.code, message: e.message };
  }
  return record;
}
