/**
 * Claim explanations for people: what each claim of a (decoded, not
 * necessarily verified) token means, with times shown both as local clock
 * time and relative to now. Okta's non-standard claims are covered because
 * they are what people actually paste.
 */
import type { Clock } from '../clock';
import { systemClock } from '../clock';
import { formatDuration, formatLocal, formatRelative } from './time-format';

export { formatDuration } from './time-format';

export interface ClaimExplanation {
  name: string;
  value: unknown;
  /** Short human name, e.g. "Expires". */
  label: string;
  /** One or two sentences in plain words. */
  explanation: string;
  /** True for claims this tool does not know (issuer-specific or application claims). */
  custom?: boolean;
}

export interface ExplainOptions {
  clock?: Clock;
  /** IANA time zone for absolute times; default the system's. */
  timeZone?: string;
}

export interface TokenLifetime {
  /** The exp claim (epoch seconds), when the token has a numeric one. */
  expiresAt?: number;
  /** Seconds until exp; negative once expired. */
  secondsLeft?: number;
  expired: boolean;
}

interface Context {
  payload: Record<string, unknown>;
  now: number;
  timeZone?: string;
}

type Explainer = (value: unknown, ctx: Context) => string;

const show = (value: unknown): string => (typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value)));

const list = (value: unknown): string => {
  if (Array.isArray(value)) return value.length === 0 ? '(none)' : value.map(show).join(', ');
  return show(value);
};

const isTime = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

function when(value: unknown, ctx: Context): string {
  if (!isTime(value)) return `${show(value)} is not a time (seconds since 1970); verifiers will reject it.`;
  return `${formatLocal(value, ctx.timeZone)} (${formatRelative(value, ctx.now)})`;
}

const AMR: Record<string, string> = {
  pwd: 'password',
  mfa: 'multiple factors',
  otp: 'one-time code',
  sms: 'SMS',
  tel: 'phone call',
  hwk: 'hardware key',
  swk: 'software key',
  face: 'face recognition',
  fpt: 'fingerprint',
  pin: 'PIN',
  kba: 'knowledge-based questions',
  user: 'user presence',
  pop: 'proof of possession',
  sc: 'smart card',
  mca: 'multiple channels',
  wia: 'Windows integrated authentication',
};

const clientOf = (payload: Record<string, unknown>): unknown => payload.client_id ?? payload.cid ?? payload.azp;

const KNOWN: Record<string, { label: string; explain: Explainer }> = {
  iss: {
    label: 'Issuer',
    explain: (v) =>
      `The authorization server that issued the token: ${show(v)}. Verifiers must expect exactly this string (a trailing slash matters).`,
  },
  sub: {
    label: 'Subject',
    explain: (v, { payload }) =>
      v === clientOf(payload)
        ? `Who the token is about: ${show(v)}, the client itself (typical of the client-credentials grant: no user is involved).`
        : `Who the token is about: ${show(v)} (a user or, without a user, a client).`,
  },
  aud: {
    label: 'Audience',
    explain: (v) =>
      `Who the token is meant for: ${list(v)}. The receiving API (Kong: audience_required) must find its own identifier here.`,
  },
  exp: {
    label: 'Expires',
    explain: (v, ctx) => {
      if (!isTime(v)) return when(v, ctx);
      const lifetime = isTime(ctx.payload.iat)
        ? ` The token lives ${formatDuration(v - ctx.payload.iat)} in total.`
        : '';
      return v <= ctx.now
        ? `The token expired at ${when(v, ctx)} and must be refused.${lifetime}`
        : `The token is usable until ${when(v, ctx)}.${lifetime}`;
    },
  },
  nbf: { label: 'Not before', explain: (v, ctx) => `The token must not be accepted before ${when(v, ctx)}.` },
  iat: { label: 'Issued at', explain: (v, ctx) => `The token was issued at ${when(v, ctx)}.` },
  auth_time: { label: 'Authentication time', explain: (v, ctx) => `The user last logged in at ${when(v, ctx)}.` },
  jti: {
    label: 'Token id',
    explain: (v) => `A unique id for this token (${show(v)}), used to detect replays and in revocation or audit logs.`,
  },
  scope: {
    label: 'Scopes',
    explain: (v) =>
      typeof v === 'string'
        ? `Granted scopes: ${v.split(' ').filter(Boolean).join(', ') || '(none)'} (a space-separated string, the standard form; Kong reads it with scopes_claim [scope]).`
        : `Granted scopes: ${list(v)}. The standard form is a space-separated string.`,
  },
  scp: {
    label: 'Scopes (Okta)',
    explain: (v) =>
      `Granted scopes: ${list(v)}. Okta puts scopes in "scp" as an array instead of "scope", so Kong needs scopes_claim [scp] to see them.`,
  },
  cid: {
    label: 'Client id (Okta)',
    explain: (v) => `The Okta application (client) that requested the token: ${show(v)}.`,
  },
  uid: {
    label: 'User id (Okta)',
    explain: (v) => `Okta's internal id of the user: ${show(v)}. Client-credentials tokens have none.`,
  },
  ver: { label: 'Version (Okta)', explain: (v) => `Okta's token format version: ${show(v)}.` },
  // RFC 7662's members of an introspection answer, which explain shows beside a JWT's claims.
  active: {
    label: 'Active (introspection)',
    explain: (v) =>
      v === true
        ? 'The IdP says the token is active now.'
        : `The IdP says the token is not active (${show(v)}): expired, revoked, not issued by it, or not to be disclosed to the client that asked.`,
  },
  token_type: {
    label: 'Token type (introspection)',
    explain: (v) => `The kind of token, as the IdP says: ${show(v)} (e.g. Bearer, DPoP, or access_token).`,
  },
  username: {
    label: 'Username (introspection)',
    explain: (v) => `A human-readable name of the user the token was issued for: ${show(v)}.`,
  },
  device_id: { label: 'Device id (Okta)', explain: (v) => `The device the token was issued to: ${show(v)}.` },
  groups: {
    label: 'Groups',
    explain: (v) => `Groups the subject belongs to: ${list(v)} (Kong: groups_claim / groups_required).`,
  },
  roles: { label: 'Roles', explain: (v) => `Roles of the subject: ${list(v)} (Kong: roles_claim / roles_required).` },
  azp: {
    label: 'Authorized party',
    explain: (v) => `The client the token was issued to: ${show(v)}. In an ID token it must equal your client id.`,
  },
  client_id: {
    label: 'Client id',
    explain: (v) => `The client that requested the token: ${show(v)} (RFC 9068 / RFC 8693).`,
  },
  nonce: {
    label: 'Nonce',
    explain: (v) =>
      `Ties this ID token to one login request: it must equal the nonce the application sent (${show(v)}).`,
  },
  at_hash: {
    label: 'Access token hash',
    explain: () =>
      'The left half of the hash of the access token issued with this ID token; lets the client check the two belong together.',
  },
  c_hash: {
    label: 'Code hash',
    explain: () => 'The left half of the hash of the authorization code issued with this ID token (hybrid flow).',
  },
  cnf: { label: 'Confirmation (sender-constrained)', explain: (v) => explainCnf(v) },
  act: { label: 'Actor (token exchange)', explain: (v, { payload }) => explainAct(v, payload.sub) },
  may_act: {
    label: 'May act',
    explain: (v) => `Who may act on behalf of the subject through token exchange (RFC 8693): ${describeParty(v)}.`,
  },
  amr: {
    label: 'Authentication methods',
    explain: (v) =>
      `How the user authenticated: ${Array.isArray(v) ? v.map((m) => (typeof m === 'string' && AMR[m] ? `${m} (${AMR[m]})` : show(m))).join(', ') : show(v)}.`,
  },
  acr: { label: 'Authentication context', explain: (v) => `The assurance level of the login: ${show(v)}.` },
  sid: {
    label: 'Session id',
    explain: (v) => `The login session at the identity provider: ${show(v)} (used for logout).`,
  },
  email: { label: 'Email', explain: (v) => `The user's email address: ${show(v)}.` },
  email_verified: {
    label: 'Email verified',
    explain: (v) =>
      v === true ? 'The identity provider verified the email address.' : 'The email address is not verified.',
  },
  name: { label: 'Name', explain: (v) => `The user's full name: ${show(v)}.` },
  preferred_username: {
    label: 'Username',
    explain: (v) => `The user's preferred username: ${show(v)}. Do not use it as a stable id; use sub.`,
  },
};

function describeParty(value: unknown): string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return show(value);
  const party = value as Record<string, unknown>;
  const parts = [
    party.sub !== undefined ? `subject ${show(party.sub)}` : undefined,
    party.client_id !== undefined ? `client ${show(party.client_id)}` : undefined,
    party.iss !== undefined ? `from ${show(party.iss)}` : undefined,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : show(value);
}

function explainAct(value: unknown, sub: unknown): string {
  const chain: string[] = [];
  let current: unknown = value;
  // Nested act claims record earlier actors in a delegation chain (RFC 8693 4.1).
  for (
    let depth = 0;
    depth < 10 && current !== null && typeof current === 'object' && !Array.isArray(current);
    depth += 1
  ) {
    chain.push(describeParty(current));
    current = (current as Record<string, unknown>).act;
  }
  if (chain.length === 0) return `Token exchange actor: ${show(value)}.`;
  const before = chain.length > 1 ? ` Earlier actors: ${chain.slice(1).join(' ← ')}.` : '';
  return `Obtained through token exchange (RFC 8693): ${chain[0]} acts on behalf of ${sub === undefined ? 'the subject' : show(sub)}.${before}`;
}

function explainCnf(value: unknown): string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return `Key confirmation: ${show(value)}.`;
  const cnf = value as Record<string, unknown>;
  const found: string[] = [];
  if (cnf.jkt !== undefined) {
    found.push(
      `bound to a DPoP key (RFC 9449, thumbprint ${show(cnf.jkt)}): every call must carry a DPoP proof signed with that key, with Authorization: DPoP`,
    );
  }
  if (cnf['x5t#S256'] !== undefined) {
    found.push(
      `bound to a TLS client certificate (mTLS, RFC 8705, thumbprint ${show(cnf['x5t#S256'])}): it is only accepted over a connection using that certificate`,
    );
  }
  if (cnf.jwk !== undefined) found.push('bound to an embedded public key (proof of possession)');
  if (found.length === 0) return `Key confirmation with members ${Object.keys(cnf).join(', ') || '(none)'}.`;
  return `The token is sender-constrained: ${found.join('; ')}. A stolen copy alone is useless.`;
}

/** Explains each claim of a payload in payload order; unknown claims are marked custom. */
export function explainClaims(payload: Record<string, unknown>, options: ExplainOptions = {}): ClaimExplanation[] {
  const ctx: Context = { payload, now: (options.clock ?? systemClock).now() / 1000, timeZone: options.timeZone };
  return Object.entries(payload).map(([name, value]) => {
    const known = Object.hasOwn(KNOWN, name) ? KNOWN[name] : undefined;
    if (known) return { name, value, label: known.label, explanation: known.explain(value, ctx) };
    return {
      name,
      value,
      label: 'Custom claim',
      explanation: `Not a standard claim: specific to the issuer or the application (value ${show(value)}).`,
      custom: true,
    };
  });
}

/** When the token expires and how long it has left, from its exp claim. */
export function tokenLifetime(payload: Record<string, unknown>, clock: Clock = systemClock): TokenLifetime {
  const exp = payload.exp;
  if (!isTime(exp)) return { expired: false };
  const secondsLeft = exp - Math.floor(clock.now() / 1000);
  return { expiresAt: exp, secondsLeft, expired: secondsLeft <= 0 };
}
