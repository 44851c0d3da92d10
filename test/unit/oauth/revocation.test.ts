import { strict as assert } from 'node:assert';
import { ManualClock } from '../../../src/core/clock';
import type { OidcError } from '../../../src/core/errors';
import type { ClientConfig } from '../../../src/core/oauth/client-auth';
import { oktaMetadata } from '../../../src/core/oauth/okta';
import { revoke } from '../../../src/core/oauth/revocation';
import { FakeHttp, formOf } from '../../support/fake-http';

const metadata = oktaMetadata({ domain: 'dev-1.okta.com', authorizationServerId: 'default' });
const REVOKE = metadata.revocation_endpoint!;
const client: ClientConfig = { clientId: '0oa-kong', authMethod: 'client_secret_basic', clientSecret: 'kong-secret' };
const clock = new ManualClock(Date.UTC(2026, 0, 1));

describe('revocation', () => {
  it('posts token and hint with client auth; 200 is success', async () => {
    const http = new FakeHttp().on(REVOKE, { status: 200, body: '' });
    const { response } = await revoke({ http, metadata, client, clock }, 'RT-1', { tokenTypeHint: 'refresh_token' });
    assert.equal(response.status, 200);
    const req = http.last();
    assert.equal(req.label, 'revocation endpoint');
    assert.equal(req.lane, 'idp');
    assert.deepEqual(formOf(req), { token: 'RT-1', token_type_hint: 'refresh_token' });
    assert.ok(req.secrets!.includes('RT-1'));
  });

  it('turns unsupported_token_type and a refused client into errors naming the endpoint', async () => {
    const unsupported = new FakeHttp().on(REVOKE, { status: 400, body: { error: 'unsupported_token_type' } });
    await assert.rejects(
      revoke({ http: unsupported, metadata, client, clock }, 't'),
      (e: OidcError) =>
        e.code === 'oauth.unsupported_token_type' && e.message.includes(REVOKE) && /token_type_hint/.test(e.hint!),
    );
    const refused = new FakeHttp().on(REVOKE, { status: 401, body: '' });
    await assert.rejects(
      revoke({ http: refused, metadata, client, clock }, 't'),
      (e: OidcError) => e.code === 'oauth.invalid_client' && /own client credentials/.test(e.hint!),
    );
  });

  it('needs a revocation endpoint', async () => {
    await assert.rejects(revoke({ http: new FakeHttp(), metadata: { issuer: 'https://idp' }, client }, 't'), {
      code: 'revocation.missing_endpoint',
    });
  });
});
