import assert from 'node:assert/strict';
import type { TokenMeta } from '../../../src/extension/secrets/token-vault';
import { sourceNodes } from '../../../src/extension/trees/flow-nodes';
import { historyNodes } from '../../../src/extension/trees/history-nodes';
import { endpointsFromMetadata, idpNode, tokenNode } from '../../../src/extension/trees/idp-nodes';
import { CONTEXT_VALUES, refOf } from '../../../src/extension/trees/node';
import { serviceNodes } from '../../../src/extension/trees/route-nodes';
import type { FlowSource, IdpEntry } from '../../../src/extension/workspace/source-model';
import { flowEntries, routeEntries } from '../../../src/extension/workspace/source-model';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const entry: IdpEntry = {
  id: 'idp:f#okta',
  sourceId: 'f',
  sourceLabel: 'a.oidc-flow.yaml',
  sourceKind: 'file',
  name: 'okta',
  issuer: 'https://dev-1.okta.com/oauth2/default',
  clientId: 'abc',
  clientAuth: 'client_secret_basic',
  endpoints: { token: 'https://override/token' },
  secretKey: 'okta.clientSecret',
  secretKeys: ['okta.clientSecret'],
};
const token = (overrides: Partial<TokenMeta> = {}): TokenMeta => ({
  id: 't1',
  idpId: entry.id,
  sourceId: 'f',
  idpName: 'okta',
  grant: 'client_credentials',
  obtainedAt: NOW - 1000,
  expiresAt: NOW / 1000 + 3600,
  kind: 'jwt',
  hasRefreshToken: false,
  hasIdToken: false,
  scope: 'orders:read',
  ...overrides,
});

describe('tree nodes', () => {
  it('shows an IdP with issuer, client, endpoints and tokens; the context value drives menus', () => {
    const node = idpNode(
      entry,
      {
        status: 'ok',
        issuer: 'https://dev-1.okta.com/oauth2/default',
        endpoints: { token: 'https://discovered/token', jwks: 'https://discovered/keys' },
        at: NOW,
      },
      [token()],
      NOW,
    );
    assert.equal(node.contextValue, CONTEXT_VALUES.idpFile);
    assert.match(node.description!, /discovered/);
    const children = node.children!();
    assert.deepEqual(
      children.map((c) => c.label),
      ['Issuer', 'Client', 'Endpoints', 'Tokens'],
    );
    const endpoints = children[2]!.children!();
    assert.deepEqual(
      endpoints.map((e) => `${e.label}=${e.description}`),
      ['token=https://override/token', 'jwks=https://discovered/keys'],
    );
    const tokens = children[3]!.children!();
    assert.equal(tokens[0]!.contextValue, CONTEXT_VALUES.token);
    assert.match(tokens[0]!.description!, /1h 0m/);
    assert.doesNotMatch(
      JSON.stringify(children.map((c) => ({ ...c, children: undefined }))),
      /clientSecret"?:\s*"[^$]/,
    );
  });

  it('marks an expired token and a failed discovery', () => {
    assert.equal(tokenNode(token({ expiresAt: NOW / 1000 - 60 }), NOW).contextValue, CONTEXT_VALUES.tokenExpired);
    const failed = idpNode(
      entry,
      { status: 'failed', code: 'discovery.http_status', message: '404', at: NOW },
      [],
      NOW,
    );
    assert.equal(failed.icon, 'error');
    assert.ok(failed.children!().some((c) => c.label === 'Discovery failed'));
    assert.equal(
      idpNode({ ...entry, sourceKind: 'sandbox' }, undefined, [], NOW).contextValue,
      CONTEXT_VALUES.idpSandbox,
    );
  });

  it('keeps node ids stable and unique across a refresh', () => {
    const source: FlowSource = {
      id: 'f',
      kind: 'file',
      label: 'a.oidc-flow.yaml',
      errorCount: 0,
      file: {
        version: 1,
        routes: { r: { baseUrl: 'https://gw', service: 's' } },
        flows: {
          smoke: {
            steps: [
              { id: 'a', type: 'wait' },
              { id: 'b', type: 'wait' },
            ],
          },
        },
      },
    };
    const collect = () => {
      const ids: string[] = [];
      const walk = (nodes: ReturnType<typeof sourceNodes>) =>
        nodes.forEach((n) => {
          ids.push(n.id);
          walk(n.children?.() ?? []);
        });
      walk(sourceNodes([source], flowEntries([source])));
      walk(serviceNodes(routeEntries([source])));
      return ids;
    };
    const first = collect();
    assert.deepEqual(collect(), first);
    assert.equal(new Set(first).size, first.length);
  });

  it('shows a broken flow file with its problem instead of its flows', () => {
    const nodes = sourceNodes(
      [
        {
          id: 'f',
          kind: 'file',
          label: 'bad.oidc-flow.yaml',
          errorCount: 2,
          firstError: 'bad.oidc-flow.yaml:3:1: YAML syntax error',
        },
      ],
      [],
    );
    assert.equal(nodes[0]!.description, '2 problems');
    assert.match(nodes[0]!.tooltip!, /syntax/);
    assert.equal(nodes[0]!.resourceUri, 'f');
  });

  it('reopens history entries by id', () => {
    const [node] = historyNodes(
      [
        {
          id: 'run-1',
          title: 'demo',
          status: 'failed',
          startedAt: NOW - 120_000,
          durationMs: 10,
          source: 'x',
          verdict: 'client deactivated',
        },
      ],
      NOW,
    );
    assert.equal(node!.command!.command, 'oidcFlow.openHistoryEntry');
    assert.deepEqual(refOf(node!.command!.args![0]), { kind: 'history', runId: 'run-1' });
    assert.deepEqual(refOf(node), { kind: 'history', runId: 'run-1' });
    assert.match(node!.description!, /2 min ago/);
  });

  it('reads endpoints from a discovery document', () => {
    assert.deepEqual(
      endpointsFromMetadata({ issuer: 'i', token_endpoint: 't', jwks_uri: 'k', introspection_endpoint: 5 }),
      { token: 't', jwks: 'k' },
    );
    assert.equal(refOf(undefined), undefined);
    assert.equal(refOf('x'), undefined);
  });
});
