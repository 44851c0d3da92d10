import assert from 'node:assert/strict';
import { gatewayLoader, toGatewaySource } from '../../../src/extension/gateway/gateway-loader';
import type { GatewaySourceConfig } from '../../../src/extension/gateway/gateway-settings';
import {
  gatewayTokenOrigin,
  isLoopbackHost,
  isOfficialKonnectOrigin,
} from '../../../src/extension/gateway/gateway-token-policy';
import { gatewayLoaderDeps } from '../../support/gateway-loader-deps';
import { rejection } from '../../support/rejection';

/**
 * What this file proves: a gateway source's credential goes only where the
 * person meant it to. A workspace's settings can reuse a source's name and
 * point it anywhere, so a stored token is bound to the origin it was stored
 * for, KONNECT_TOKEN goes only to Kong's Konnect API hosts, no token crosses
 * plain http to another machine, and an untrusted workspace reads nothing.
 */

const deps = gatewayLoaderDeps;

const ADMIN: GatewaySourceConfig = { name: 'kong', kind: 'admin-api', adminUrl: 'https://kong.corp:8444' };
const KONNECT: GatewaySourceConfig = { name: 'cp', kind: 'konnect', controlPlane: 'default', region: 'eu' };

describe('gateway tokens: where they may go', () => {
  it('sends a stored token to the origin it was stored for', async () => {
    const source = await toGatewaySource(
      ADMIN,
      deps({ token: async () => ({ token: 'rbac', origin: 'https://kong.corp:8444' }) }),
    );
    assert.equal((source as { token?: string }).token, 'rbac');
  });

  it('refuses a stored token when the source now points at another origin, naming both', async () => {
    const moved = { ...ADMIN, adminUrl: 'https://attacker.example:8444' };
    const error = await rejection(
      toGatewaySource(moved, deps({ token: async () => ({ token: 'rbac', origin: 'https://kong.corp:8444' }) })),
    );
    assert.equal(error.code, 'gateway.settings.token_origin');
    assert.match(error.message, /stored for https:\/\/kong\.corp:8444.*now points at https:\/\/attacker\.example:8444/);
    assert.match(error.hint!, /Set Gateway Token/);
    assert.doesNotMatch(error.toUserMessage(), /rbac/);
  });

  it('refuses an Admin API token over plain http to another machine, and allows it on loopback', async () => {
    const stored = (origin: string) => deps({ token: async () => ({ token: 'rbac', origin }) });
    const remote = { ...ADMIN, adminUrl: 'http://kong.corp:8001' };
    const error = await rejection(toGatewaySource(remote, stored('http://kong.corp:8001')));
    assert.equal(error.code, 'gateway.settings.insecure_http');
    assert.match(error.message, /kong .*http:\/\/kong\.corp:8001/);
    assert.match(error.hint!, /https:\/\//);
    for (const url of ['http://localhost:8001', 'http://127.0.0.1:8001', 'http://[::1]:8001']) {
      const source = await toGatewaySource({ ...ADMIN, adminUrl: url }, stored(new URL(url).origin));
      assert.equal((source as { token?: string }).token, 'rbac', url);
    }
    // Without a token nothing secret is sent: an open Admin API over http is read as before.
    assert.deepEqual(await toGatewaySource(remote, deps()), { kind: 'admin-api', adminUrl: 'http://kong.corp:8001' });
  });

  it('refuses a Konnect token over plain http to a custom konnectUrl on another machine', async () => {
    const custom = { ...KONNECT, konnectUrl: 'http://konnect.corp' };
    const error = await rejection(
      toGatewaySource(custom, deps({ token: async () => ({ token: 'kpat', origin: 'http://konnect.corp' }) })),
    );
    assert.equal(error.code, 'gateway.settings.insecure_http');
  });

  it("sends KONNECT_TOKEN only to Kong's own Konnect API hosts, never to a custom konnectUrl", async () => {
    const env = { KONNECT_TOKEN: 'kpat_from_env' };
    assert.equal(((await toGatewaySource(KONNECT, deps({ env }))) as { token: string }).token, 'kpat_from_env');
    for (const konnectUrl of ['https://konnect.attacker.example', 'http://localhost:9000']) {
      const error = await rejection(toGatewaySource({ ...KONNECT, konnectUrl }, deps({ env })));
      assert.equal(error.code, 'gateway.settings.token_origin', konnectUrl);
      assert.match(error.message, /KONNECT_TOKEN is sent only to Kong's Konnect API/);
      assert.doesNotMatch(error.toUserMessage(), /kpat_from_env/);
    }
    const none = await rejection(toGatewaySource({ ...KONNECT, konnectUrl: 'https://konnect.corp' }, deps()));
    assert.equal(none.code, 'gateway.settings.token_missing');
    assert.doesNotMatch(none.hint!, /KONNECT_TOKEN/, 'no hint towards a variable that would not be sent');
    // A token stored for the custom URL is still used there.
    const stored = await toGatewaySource(
      { ...KONNECT, konnectUrl: 'https://konnect.corp' },
      deps({ env, token: async () => ({ token: 'kpat_stored', origin: 'https://konnect.corp' }) }),
    );
    assert.equal((stored as { token: string }).token, 'kpat_stored');
  });

  it('binds an older, unbound token on first use to a Konnect or loopback origin without asking', async () => {
    const bound: string[] = [];
    const common = {
      token: async () => ({ token: 'old' }),
      bindToken: async (name: string, token: string, origin: string) => void bound.push(`${name} ${token} ${origin}`),
      confirmBind: async () => assert.fail('a Konnect or loopback origin is not asked about'),
    };
    await toGatewaySource(KONNECT, deps(common));
    await toGatewaySource({ ...ADMIN, adminUrl: 'http://localhost:8001' }, deps(common));
    assert.deepEqual(bound, ['cp old https://eu.api.konghq.com', 'kong old http://localhost:8001']);
  });

  it('asks before an older token goes to any other origin; a no refuses and keeps the token', async () => {
    const asked: string[] = [];
    const bound: string[] = [];
    const with_ = (answer: boolean) =>
      deps({
        token: async () => ({ token: 'old' }),
        bindToken: async (_name, _token, origin) => void bound.push(origin),
        confirmBind: async (name, origin) => {
          asked.push(`${name} ${origin}`);
          return answer;
        },
      });
    const error = await rejection(toGatewaySource(ADMIN, with_(false)));
    assert.equal(error.code, 'gateway.settings.token_origin');
    assert.match(error.message, /stored before tokens were bound/);
    assert.deepEqual(bound, [], 'a refused token is neither sent nor rebound (and stays stored)');
    assert.equal(((await toGatewaySource(ADMIN, with_(true))) as { token: string }).token, 'old');
    assert.deepEqual(asked, ['kong https://kong.corp:8444', 'kong https://kong.corp:8444']);
    assert.deepEqual(bound, ['https://kong.corp:8444']);
    // Without a way to ask, the older token is refused rather than sent.
    const silent = await rejection(toGatewaySource(ADMIN, deps({ token: async () => ({ token: 'old' }) })));
    assert.equal(silent.code, 'gateway.settings.token_origin');
  });

  it('reads nothing for an untrusted workspace, and says how to trust it', async () => {
    let asked = 0;
    const load = gatewayLoader(
      deps({
        trusted: () => false,
        token: async () => {
          asked += 1;
          return { token: 'rbac', origin: 'https://kong.corp:8444' };
        },
        readFile: async () => assert.fail('no file may be read'),
      }),
    );
    for (const config of [ADMIN, { name: 'f', kind: 'deck', path: 'kong.yaml' } as GatewaySourceConfig]) {
      const error = await rejection(load(config));
      assert.equal(error.code, 'extension.untrusted_workspace');
      assert.match(
        error.message,
        new RegExp(`gateway source ${config.name} was not read: this workspace is not trusted`),
      );
      assert.match(error.hint!, /Workspaces: Manage Workspace Trust/);
    }
    assert.equal(asked, 0, 'the stored token is not even looked up');
  });

  it('knows the Konnect hosts, loopback hosts and the origin a token is bound to', () => {
    for (const region of ['us', 'eu', 'au', 'me', 'in', 'sg', 'global'])
      assert.equal(isOfficialKonnectOrigin(`https://${region}.api.konghq.com`), true, region);
    for (const origin of [
      'http://us.api.konghq.com',
      'https://us.api.konghq.com.evil',
      'https://us.api.konghq.com:8443',
    ])
      assert.equal(isOfficialKonnectOrigin(origin), false, origin);
    for (const host of ['localhost', '127.0.0.1', '127.1.2.3', '[::1]', 'app.localhost'])
      assert.equal(isLoopbackHost(host), true, host);
    for (const host of ['kong.corp', '128.0.0.1', 'localhost.evil.com', '10.0.0.1'])
      assert.equal(isLoopbackHost(host), false, host);
    assert.equal(gatewayTokenOrigin({ ...ADMIN, adminUrl: 'https://kong.corp:8444/admin/' }), 'https://kong.corp:8444');
    assert.equal(gatewayTokenOrigin({ name: 'cp', kind: 'konnect' }), 'https://us.api.konghq.com');
    assert.equal(gatewayTokenOrigin({ ...KONNECT, konnectUrl: 'https://k.corp/api' }), 'https://k.corp');
    assert.equal(gatewayTokenOrigin({ name: 'f', kind: 'deck', path: 'k.yaml' }), undefined);
  });
});
