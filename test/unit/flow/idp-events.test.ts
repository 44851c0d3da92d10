// What a run tells its shell about the IdPs it connected to: the IdP tree says "discovered" (or why
// not) from these events, so a run that discovered an IdP must say so, and a failed one must say why.
import { strict as assert } from 'node:assert';
import { loadFlowFile } from '../../../src/core/flow/load';
import { FlowRunner } from '../../../src/core/flow/runner';
import type { RunEvent } from '../../../src/core/flow/runner';
import { FakeHttp } from '../../support/fake-http';

const ISSUER = 'https://idp.test/oauth2/default';

const fileWith = (discovery: boolean) => `
version: 1
idps:
  okta:
    issuer: ${ISSUER}
    discovery: ${discovery}
    endpoints: { token: ${ISSUER}/v1/token }
    clientId: cc
    clientAuth: none
flows:
  f:
    steps:
      - { id: token, type: token, idp: okta, grant: client_credentials, reuse: false }
`;

async function run(http: FakeHttp, discovery: boolean): Promise<RunEvent[]> {
  const { file } = loadFlowFile(fileWith(discovery), { fileName: 'test.yaml' });
  const events: RunEvent[] = [];
  await new FlowRunner(file, { http, secrets: { env: {} } }).run({ flow: 'f', onEvent: (e) => events.push(e) });
  return events.filter((e) => e.type === 'idp-connected' || e.type === 'idp-failed');
}

function tokenEndpoint(http: FakeHttp): void {
  http.on(`${ISSUER}/v1/token`, { body: { access_token: 'abc', token_type: 'Bearer', expires_in: 60 } });
}

describe('flow runner: IdP connection events', () => {
  it('reports an IdP whose discovery document it read, with the metadata', async () => {
    const http = new FakeHttp();
    http.on(`${ISSUER}/.well-known/openid-configuration`, {
      body: {
        issuer: ISSUER,
        authorization_endpoint: `${ISSUER}/v1/authorize`,
        token_endpoint: `${ISSUER}/v1/token`,
        jwks_uri: `${ISSUER}/v1/keys`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
      },
    });
    tokenEndpoint(http);
    const [event, ...rest] = await run(http, true);
    assert.equal(rest.length, 0, 'one event per IdP per run');
    assert.ok(event?.type === 'idp-connected', JSON.stringify(event));
    assert.equal(event.name, 'okta');
    assert.equal(event.discovered, true);
    assert.equal(event.metadata.issuer, ISSUER);
    assert.equal(event.metadata.jwks_uri, `${ISSUER}/v1/keys`);
  });

  it('says an IdP with discovery: false was connected but not discovered', async () => {
    const http = new FakeHttp();
    tokenEndpoint(http);
    const [event] = await run(http, false);
    assert.ok(event?.type === 'idp-connected', JSON.stringify(event));
    assert.equal(event.discovered, false);
  });

  it('reports a discovery that failed with its error code', async () => {
    const http = new FakeHttp();
    http.on(/well-known/, { status: 404, body: 'not here' });
    const [event] = await run(http, true);
    assert.ok(event?.type === 'idp-failed', JSON.stringify(event));
    assert.equal(event.name, 'okta');
    assert.match(event.code, /^discovery\./);
  });
});
