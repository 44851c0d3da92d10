import { strict as assert } from 'node:assert';
import { ManualClock } from '../../../src/core/clock';
import { manualTime } from '../../support/manual-time';
import type { OidcError } from '../../../src/core/errors';
import type { ClientConfig } from '../../../src/core/oauth/client-auth';
import { DEVICE_CODE_GRANT, deviceAuthorization } from '../../../src/core/oauth/device';
import type { DeviceUserCode } from '../../../src/core/oauth/device';
import { oktaMetadata } from '../../../src/core/oauth/okta';
import { FakeHttp, formOf } from '../../support/fake-http';

const metadata = oktaMetadata({ domain: 'dev-1.okta.com', authorizationServerId: 'default' });
const DEVICE = metadata.device_authorization_endpoint!;
const TOKEN = metadata.token_endpoint!;
const client: ClientConfig = { clientId: '0oa-tv', authMethod: 'none' };
const START = Date.UTC(2026, 0, 1);

const DEVICE_OK = {
  body: {
    device_code: 'DC-1',
    user_code: 'WDJB-MJHT',
    verification_uri: 'https://dev-1.okta.com/activate',
    verification_uri_complete: 'https://dev-1.okta.com/activate?user_code=WDJB-MJHT',
    expires_in: 600,
    interval: 2,
  },
};
const pending = { status: 400, body: { error: 'authorization_pending' } };

function setup() {
  const { clock, slept: sleeps, sleep } = manualTime(START);
  return { clock, sleeps, sleep };
}

describe('device authorization grant', () => {
  it('shows the user code, polls at the interval until approved, and returns the tokens', async () => {
    const { clock, sleeps, sleep } = setup();
    const http = new FakeHttp()
      .on(DEVICE, DEVICE_OK)
      .once(TOKEN, pending)
      .once(TOKEN, pending)
      .once(TOKEN, { body: { access_token: 'AT', token_type: 'Bearer', expires_in: 3600 } });
    let shown: DeviceUserCode | undefined;
    const t = await deviceAuthorization(
      { http, metadata, client, clock },
      { scope: ['openid', 'offline_access'], extra: { audience: 'x' }, onUserCode: (info) => (shown = info), sleep },
    );

    assert.deepEqual(shown, {
      userCode: 'WDJB-MJHT',
      verificationUri: 'https://dev-1.okta.com/activate',
      verificationUriComplete: 'https://dev-1.okta.com/activate?user_code=WDJB-MJHT',
      expiresIn: 600,
      interval: 2,
    });
    assert.equal(t.accessToken, 'AT');
    assert.deepEqual(sleeps, [2000, 2000, 2000]);
    const [deviceReq, ...polls] = http.requests;
    assert.equal(deviceReq!.label, 'device authorization endpoint');
    assert.equal(deviceReq!.lane, 'idp');
    assert.deepEqual(formOf(deviceReq!), { scope: 'openid offline_access', audience: 'x', client_id: '0oa-tv' });
    assert.equal(polls.length, 3);
    assert.deepEqual(formOf(polls[0]!), { grant_type: DEVICE_CODE_GRANT, device_code: 'DC-1', client_id: '0oa-tv' });
    assert.ok(polls[0]!.secrets!.includes('DC-1'));
  });

  it('defaults the interval to 5 s and adds 5 s on slow_down', async () => {
    const { clock, sleeps, sleep } = setup();
    const http = new FakeHttp()
      .on(DEVICE, { body: { ...DEVICE_OK.body, interval: undefined } })
      .once(TOKEN, { status: 400, body: { error: 'slow_down' } })
      .once(TOKEN, pending)
      .once(TOKEN, { body: { access_token: 'AT', token_type: 'Bearer' } });
    await deviceAuthorization({ http, metadata, client, clock }, { onUserCode: () => undefined, sleep });
    assert.deepEqual(sleeps, [5000, 10000, 10000]);
  });

  it('reports expired_token and access_denied clearly', async () => {
    for (const [error, code, pattern] of [
      ['expired_token', 'oauth.expired_token', /device code expired/],
      ['access_denied', 'oauth.access_denied', /denied the device sign-in/],
    ] as const) {
      const { clock, sleep } = setup();
      const http = new FakeHttp().on(DEVICE, DEVICE_OK).on(TOKEN, { status: 400, body: { error } });
      await assert.rejects(
        deviceAuthorization({ http, metadata, client, clock }, { onUserCode: () => undefined, sleep }),
        (e: OidcError) => {
          assert.equal(e.code, code);
          assert.match(e.message, pattern);
          assert.match(e.message, /https:\/\/dev-1\.okta\.com\/activate/);
          return true;
        },
      );
    }
  });

  it('stops by itself when expires_in passes on the clock', async () => {
    const { clock, sleep } = setup();
    const http = new FakeHttp()
      .on(DEVICE, { body: { ...DEVICE_OK.body, expires_in: 5, interval: 2 } })
      .on(TOKEN, pending);
    await assert.rejects(
      deviceAuthorization({ http, metadata, client, clock }, { onUserCode: () => undefined, sleep }),
      (e: OidcError) => e.code === 'oauth.expired_token' && /after 5 s/.test(e.message),
    );
    assert.equal(http.requests.length, 3);
  });

  it('stops when the signal aborts', async () => {
    const { clock } = setup();
    const controller = new AbortController();
    const http = new FakeHttp().on(DEVICE, DEVICE_OK).on(TOKEN, pending);
    const sleep = async (ms: number) => {
      clock.advance(ms);
      if (http.requests.length >= 2) controller.abort();
    };
    await assert.rejects(
      deviceAuthorization(
        { http, metadata, client, clock },
        { onUserCode: () => undefined, sleep, signal: controller.signal },
      ),
      { code: 'oauth.device_aborted' },
    );
  });

  it('turns a device endpoint error into oauth.<error> naming the endpoint', async () => {
    const http = new FakeHttp().on(DEVICE, {
      status: 400,
      body: { error: 'unauthorized_client', error_description: 'The client is not authorized to use the device flow.' },
    });
    await assert.rejects(
      deviceAuthorization({ http, metadata, client, clock: new ManualClock(START) }, { onUserCode: () => undefined }),
      (e: OidcError) => {
        assert.equal(e.code, 'oauth.unauthorized_client');
        assert.match(e.message, new RegExp(`Device authorization endpoint ${DEVICE}`));
        return true;
      },
    );
  });

  it('rejects a device answer without the required fields', async () => {
    const http = new FakeHttp().on(DEVICE, { body: { user_code: 'X' } });
    await assert.rejects(
      deviceAuthorization({ http, metadata, client }, { onUserCode: () => undefined }),
      (e: OidcError) => e.code === 'oauth.invalid_device_response' && /device_code, verification_uri/.test(e.message),
    );
  });

  it('needs a device_authorization_endpoint', async () => {
    await assert.rejects(
      deviceAuthorization(
        { http: new FakeHttp(), metadata: { ...metadata, device_authorization_endpoint: undefined }, client },
        { onUserCode: () => undefined },
      ),
      { code: 'oauth.missing_endpoint' },
    );
  });
});
