import { timingSafeEqual } from 'node:crypto';

/** A person who can sign in to the sandbox IdP. */
export interface SandboxUser {
  /** Login name; it is also the `sub` of the user's tokens, as Okta uses the login. */
  username: string;
  password: string;
  /** Okta-style user id, carried as `uid` in access tokens. */
  uid: string;
  name: string;
  email: string;
  groups: string[];
}

/** The fixed sandbox users: alice is an orders admin, bob is not. */
export function sandboxUsers(): SandboxUser[] {
  return [
    {
      username: 'alice',
      password: 'alice-password',
      uid: '00ualice0000sandbox1',
      name: 'Alice Example',
      email: 'alice@example.com',
      groups: ['Everyone', 'orders-admins'],
    },
    {
      username: 'bob',
      password: 'bob-password',
      uid: '00ubob000000sandbox2',
      name: 'Bob Example',
      email: 'bob@example.com',
      groups: ['Everyone'],
    },
  ];
}

/** Finds the user whose password matches, comparing in constant time. */
export function checkPassword(
  users: readonly SandboxUser[],
  username: string,
  password: string,
): SandboxUser | undefined {
  const user = users.find((candidate) => candidate.username === username);
  if (!user) return undefined;
  const expected = Buffer.from(user.password);
  const given = Buffer.from(password);
  return expected.length === given.length && timingSafeEqual(expected, given) ? user : undefined;
}

/** The OIDC claims a user releases for the granted scopes. */
export function userClaims(user: SandboxUser, scopes: ReadonlySet<string>): Record<string, unknown> {
  const claims: Record<string, unknown> = { sub: user.username };
  if (scopes.has('profile')) {
    claims.name = user.name;
    claims.preferred_username = user.username;
  }
  if (scopes.has('email')) {
    claims.email = user.email;
    claims.email_verified = true;
  }
  if (scopes.has('groups')) claims.groups = [...user.groups];
  return claims;
}
