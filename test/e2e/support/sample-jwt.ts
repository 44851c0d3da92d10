/** A JWT for the decode tests: signed with a throwaway key, so decoding must show it without verifying it. */
import { createHmac } from 'node:crypto';

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** An HS256 JWT whose subject is e2e-user and whose key id is e2e-key. */
export function sampleJwt(): string {
  const header = { alg: 'HS256', typ: 'JWT', kid: 'e2e-key' };
  const payload = {
    iss: 'https://idp.e2e.test/oauth2/default',
    sub: 'e2e-user',
    aud: 'api://orders',
    scp: ['orders.read'],
    exp: 4102444800,
  };
  const input = `${base64url(header)}.${base64url(payload)}`;
  const signature = createHmac('sha256', 'e2e-throwaway-key').update(input).digest('base64url');
  return `${input}.${signature}`;
}
