// The IdP tree's discovery state follows what runs learned, not only the Discover command:
// a demo run that discovered the sandbox IdP marks the sandbox's entry discovered.
import { strict as assert } from 'node:assert';
import { IdpDiscovery } from '../../../src/extension/trees/idp-discovery';
import { idpNode } from '../../../src/extension/trees/idp-nodes';
import type { IdpEntry } from '../../../src/extension/workspace/source-model';
import { entryId, SANDBOX_SOURCE_ID } from '../../../src/extension/workspace/source-model';

const ISSUER = 'https://127.0.0.1:9000/oauth2/default';
const connected = {
  type: 'idp-connected' as const,
  name: 'sandbox',
  discovered: true,
  metadata: { issuer: ISSUER, token_endpoint: `${ISSUER}/v1/token` },
  at: 1,
};

describe('IdP discovery state', () => {
  it("a demo run's discovery marks the sandbox's IdP discovered in the tree, and fires a change", () => {
    const discovery = new IdpDiscovery();
    let changes = 0;
    discovery.onDidChange(() => changes++);
    discovery.learn({ id: 'demo', kind: 'sandbox' }, connected);
    const id = entryId.idp(SANDBOX_SOURCE_ID, 'sandbox');
    assert.equal(changes, 1);
    assert.deepEqual(discovery.get(id), {
      status: 'ok',
      issuer: ISSUER,
      endpoints: { token: `${ISSUER}/v1/token` },
      at: 1,
    });
    const entry = { id, name: 'sandbox', sourceId: SANDBOX_SOURCE_ID, sourceKind: 'sandbox', endpoints: {} };
    const node = idpNode(entry as unknown as IdpEntry, discovery.get(id), [], 0);
    assert.match(node.description ?? '', /· discovered$/);
  });

  it("a workspace file's run is kept under that file's IdP", () => {
    const discovery = new IdpDiscovery();
    discovery.learn({ id: 'file:///w/a.oidc-flow.yaml', kind: 'file' }, { ...connected, name: 'okta' });
    assert.equal(discovery.get(entryId.idp('file:///w/a.oidc-flow.yaml', 'okta'))?.status, 'ok');
    assert.equal(discovery.get(entryId.idp(SANDBOX_SOURCE_ID, 'okta')), undefined);
  });

  it('a failed connection says why; endpoints written by hand change nothing', () => {
    const discovery = new IdpDiscovery();
    const source = { id: 'f', kind: 'file' as const };
    discovery.learn(source, { ...connected, name: 'hand', discovered: false });
    assert.equal(discovery.get(entryId.idp('f', 'hand')), undefined);
    discovery.learn(source, { type: 'idp-failed', name: 'bad', code: 'discovery.http_status', message: '404', at: 2 });
    assert.deepEqual(discovery.get(entryId.idp('f', 'bad')), {
      status: 'failed',
      code: 'discovery.http_status',
      message: '404',
      at: 2,
    });
  });

  it("forgets the sandbox's IdPs when the sandbox restarts (new ports), and nothing else", () => {
    const discovery = new IdpDiscovery();
    discovery.learn({ id: 'demo', kind: 'sandbox' }, connected);
    discovery.learn({ id: 'f', kind: 'file' }, connected);
    let changes = 0;
    discovery.onDidChange(() => changes++);
    discovery.forgetSource(SANDBOX_SOURCE_ID);
    assert.equal(discovery.get(entryId.idp(SANDBOX_SOURCE_ID, 'sandbox')), undefined);
    assert.equal(discovery.get(entryId.idp('f', 'sandbox'))?.status, 'ok');
    assert.equal(changes, 1);
    discovery.forgetSource(SANDBOX_SOURCE_ID);
    assert.equal(changes, 1, 'nothing forgotten, nothing to redraw');
  });
});
