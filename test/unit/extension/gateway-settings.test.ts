import assert from 'node:assert/strict';
import { join } from 'node:path';
import { toGatewaySource } from '../../../src/extension/gateway/gateway-loader';
import { parseGatewaySettings } from '../../../src/extension/gateway/gateway-settings';
import { GatewayTokens, gatewayTokenKey } from '../../../src/extension/gateway/gateway-tokens';
import { gatewayLoaderDeps } from '../../support/gateway-loader-deps';
import { rejection } from '../../support/rejection';

const deps = gatewayLoaderDeps;

describe('gateway source settings', () => {
  it('keeps valid entries and says why each other one was left out', () => {
    const { sources, problems } = parseGatewaySettings([
      { name: ' kong ', kind: 'admin-api', adminUrl: ' http://localhost:8001 ', workspace: '', token: 'ignored' },
      { name: 'files', kind: 'deck', path: 'kong/kong.yaml', proxyUrl: 'http://localhost:8000' },
      'not an object',
      { name: 'bad name!', kind: 'deck' },
      { name: 'k2', kind: 'nginx' },
      { name: 'kong', kind: 'deck', path: 'x.yaml' },
    ]);
    assert.deepEqual(sources, [
      { name: 'kong', kind: 'admin-api', adminUrl: 'http://localhost:8001' },
      { name: 'files', kind: 'deck', path: 'kong/kong.yaml', proxyUrl: 'http://localhost:8000' },
    ]);
    assert.equal(problems.length, 4);
    assert.match(problems[0]!, /oidcFlow\.gateways\[2\] is not an object/);
    assert.match(problems[2]!, /"nginx"/);
    assert.match(problems[3]!, /used twice/);
    assert.deepEqual(parseGatewaySettings(undefined), { sources: [], problems: [] });
    assert.equal(parseGatewaySettings({}).problems.length, 1);
  });

  it('builds the core source with the stored token, resolving relative paths against the workspace', async () => {
    const tokens = deps({
      token: async (name) => (name === 'kong' ? { token: 'rbac', origin: 'https://k:8444' } : undefined),
    });
    assert.deepEqual(
      await toGatewaySource({ name: 'kong', kind: 'admin-api', adminUrl: 'https://k:8444', workspace: 'team' }, tokens),
      { kind: 'admin-api', adminUrl: 'https://k:8444', token: 'rbac', workspace: 'team' },
    );
    assert.deepEqual(await toGatewaySource({ name: 'open', kind: 'admin-api', adminUrl: 'http://k:8001' }, tokens), {
      kind: 'admin-api',
      adminUrl: 'http://k:8001',
    });
    assert.deepEqual(await toGatewaySource({ name: 'f', kind: 'deck', path: 'kong/kong.yaml' }, deps()), {
      kind: 'deck',
      path: join('/work/space', 'kong/kong.yaml'),
    });
    assert.deepEqual(
      await toGatewaySource(
        { name: 'a', kind: 'apache', path: '/etc/httpd/oidc.conf' },
        deps({ workspaceRoot: () => undefined }),
      ),
      { kind: 'apache', path: '/etc/httpd/oidc.conf' },
    );
  });

  it('takes the Konnect token from secret storage first, then KONNECT_TOKEN, and says what to do without one', async () => {
    const config = { name: 'cp', kind: 'konnect' as const, controlPlane: 'default', region: 'eu' };
    assert.deepEqual(
      await toGatewaySource(
        config,
        deps({ token: async () => ({ token: 'stored' }), env: { KONNECT_TOKEN: 'from-env' } }),
      ),
      { kind: 'konnect', region: 'eu', controlPlane: 'default', token: 'stored' },
    );
    assert.equal(
      ((await toGatewaySource(config, deps({ env: { KONNECT_TOKEN: ' from-env ' } }))) as { token: string }).token,
      'from-env',
    );
    const missing = await rejection(toGatewaySource(config, deps()));
    assert.equal(missing.code, 'gateway.settings.token_missing');
    assert.match(missing.hint!, /Set Gateway Token/);
  });

  it('names the missing field, or the missing folder for a relative path', async () => {
    const noUrl = await rejection(toGatewaySource({ name: 'kong', kind: 'admin-api' }, deps()));
    assert.equal(noUrl.code, 'gateway.settings.field_missing');
    assert.match(noUrl.message, /"adminUrl"/);
    assert.equal(
      (await rejection(toGatewaySource({ name: 'f', kind: 'deck' }, deps()))).code,
      'gateway.settings.field_missing',
    );
    const noFolder = await rejection(
      toGatewaySource({ name: 'f', kind: 'deck', path: 'kong.yaml' }, deps({ workspaceRoot: () => undefined })),
    );
    assert.equal(noFolder.code, 'gateway.settings.no_workspace');
  });

  it("keeps each source's token in secret storage under a key derived from its name", async () => {
    const stored = new Map<string, string>();
    const tokens = new GatewayTokens({
      get: async (k) => stored.get(k),
      store: async (k, v) => void stored.set(k, v),
      delete: async (k) => void stored.delete(k),
    });
    await tokens.set('kong', 'rbac-1', 'https://kong.example:8444');
    assert.deepEqual([...stored.keys()], [gatewayTokenKey('kong')]);
    assert.deepEqual(await tokens.get('kong'), { token: 'rbac-1', origin: 'https://kong.example:8444' });
    // A token stored before origins were kept is read as it was, unbound, never dropped.
    stored.set(gatewayTokenKey('old'), 'plain-rbac');
    assert.deepEqual(await tokens.get('old'), { token: 'plain-rbac' });
    stored.set(gatewayTokenKey('odd'), '{not json');
    assert.deepEqual(await tokens.get('odd'), { token: '{not json' });
    assert.equal(await tokens.get('other'), undefined);
    await tokens.delete('kong');
    assert.equal(stored.has(gatewayTokenKey('kong')), false);
  });
});
