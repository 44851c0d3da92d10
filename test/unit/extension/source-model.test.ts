import assert from 'node:assert/strict';
import type { FlowFile } from '../../../src/core/flow/file-format';
import { sandboxRoutes, sandboxSource } from '../../../src/extension/workspace/sandbox-source';
import type { FlowSource } from '../../../src/extension/workspace/source-model';
import {
  displayValue,
  flowEntries,
  flowUpTo,
  idpEntries,
  routeEntries,
  routesByService,
  singleStepFile,
} from '../../../src/extension/workspace/source-model';
import { isFlowFilePath } from '../../../src/extension/workspace/flow-file-names';

const file: FlowFile = {
  version: 1,
  environments: { dev: { issuer: 'https://idp' } },
  idps: {
    okta: { okta: { domain: 'dev-1.okta.com' }, clientId: 'abc', clientSecret: '${secret:okta.clientSecret}' },
    plain: { issuer: 'https://login.example.com/', clientId: 'x' },
  },
  routes: {
    orders: {
      baseUrl: 'https://gw/',
      path: '/orders',
      service: 'orders-service',
      gateway: { kind: 'kong', config: { auth_methods: ['introspection'] } },
    },
    health: { baseUrl: 'https://gw', path: '/health' },
  },
  flows: {
    smoke: {
      steps: [
        { id: 't', type: 'token', idp: 'okta' },
        { id: 'c', type: 'call', route: 'orders' },
        { id: 'i', type: 'introspect', idp: 'okta', token: '{{steps.t.token.access_token}}' },
      ],
    },
  },
};
const source: FlowSource = {
  id: 'file:///w/a.oidc-flow.yaml',
  kind: 'file',
  label: 'a.oidc-flow.yaml',
  file,
  errorCount: 0,
};

describe('workspace source model', () => {
  it('derives IdPs with stable ids, issuers and the secret key they name', () => {
    const entries = idpEntries([source]);
    assert.deepEqual(
      entries.map((e) => e.id),
      ['idp:file:///w/a.oidc-flow.yaml#okta', 'idp:file:///w/a.oidc-flow.yaml#plain'],
    );
    assert.equal(entries[0]!.issuer, 'https://dev-1.okta.com/oauth2/default');
    assert.equal(entries[0]!.secretKey, 'okta.clientSecret');
    assert.equal(entries[0]!.clientAuth, 'client_secret_basic');
    assert.equal(entries[1]!.issuer, 'https://login.example.com');
    assert.equal(entries[1]!.clientAuth, 'none');
    assert.deepEqual(idpEntries([source]), entries, 'ids and values are stable across refreshes');
  });

  it('lists every secret-store key an IdP names (client secret, private key, certificate) for Remove and Delete Secrets', () => {
    assert.deepEqual(idpEntries([source])[0]!.secretKeys, ['okta.clientSecret']);
    const mtls: FlowFile = {
      version: 1,
      idps: {
        bank: {
          issuer: 'https://idp.bank.test',
          clientId: 'c',
          clientAuth: 'tls_client_auth',
          certificate: '${secret:bank.certificate}',
          privateKey: '${secret:bank.privateKey}',
        },
        jwt: {
          issuer: 'https://idp.test',
          clientId: 'c',
          clientAuth: 'private_key_jwt',
          privateKey: '${secret:jwt.privateKey}',
          keyId: 'k1',
        },
        env: { issuer: 'https://idp.test', clientId: 'c', clientSecret: '${env:CLIENT_SECRET}' },
      },
    };
    const entries = idpEntries([
      { id: 'file:///w/m.oidc-flow.yaml', kind: 'file', label: 'm.oidc-flow.yaml', file: mtls, errorCount: 0 },
    ]);
    assert.deepEqual(Object.fromEntries(entries.map((e) => [e.name, e.secretKeys])), {
      bank: ['bank.privateKey', 'bank.certificate'],
      jwt: ['jwt.privateKey'],
      env: [],
    });
  });

  it('shows templates rendered with the chosen environment, secrets never', () => {
    const templated: FlowFile = {
      version: 1,
      defaultEnvironment: 'dev',
      environments: {
        dev: { issuer: 'https://dev.idp/oauth2/default', gw: '${env:GW_URL}', token: '${secret:t}' },
        prod: { issuer: 'https://prod.idp/oauth2/default', gw: 'https://gw.prod' },
      },
      idps: {
        okta: { issuer: '{{env.issuer}}/', clientId: '${env:CLIENT_ID}', clientSecret: '${secret:okta.clientSecret}' },
      },
      routes: { orders: { baseUrl: '{{ env.gw }}', path: '/orders' } },
    };
    const src: FlowSource = {
      id: 'file:///w/t.oidc-flow.yaml',
      kind: 'file',
      label: 't.oidc-flow.yaml',
      file: templated,
      errorCount: 0,
    };
    const display = { envOf: () => undefined, processEnv: { GW_URL: 'http://localhost:8000', CLIENT_ID: 'cc-basic' } };
    const [idp] = idpEntries([src], display);
    assert.equal(idp!.issuer, 'https://dev.idp/oauth2/default');
    assert.equal(idp!.issuerAsWritten, '{{env.issuer}}');
    assert.equal(idp!.clientId, 'cc-basic');
    assert.equal(routeEntries([src], display)[0]!.url, 'http://localhost:8000/orders');
    assert.equal(
      routeEntries([src], { ...display, envOf: () => 'prod' })[0]!.url,
      'https://gw.prod/orders',
      'the remembered environment wins',
    );
    assert.equal(
      idpEntries([src], { envOf: () => 'gone' })[0]!.issuer,
      'https://dev.idp/oauth2/default',
      'an environment that no longer exists falls back to the default',
    );
    assert.equal(displayValue('{{env.token}}', src, display), '${secret:t}', 'a secret reference is shown as written');
    assert.equal(
      displayValue('{{env.missing}}-${env:NOPE}', src, display),
      '{{env.missing}}-${env:NOPE}',
      'what cannot be resolved stays as written',
    );
    assert.equal(idpEntries([src])[0]!.issuer, '{{env.issuer}}', 'without a display context, values are as written');
  });

  it('groups routes by service and shows the auth plugin', () => {
    const routes = routeEntries([source]);
    assert.equal(routes[0]!.url, 'https://gw/orders');
    assert.equal(routes[0]!.plugin, 'openid-connect (introspection)');
    assert.equal(routes[1]!.plugin, 'no gateway config');
    assert.deepEqual(
      routesByService(routes).map((g) => [g.service, g.routes.length]),
      [
        ['(no service)', 1],
        ['orders-service', 1],
      ],
    );
  });

  it('lists flows and their steps; the sandbox comes first', () => {
    const sandbox: FlowSource = {
      id: 'sandbox',
      kind: 'sandbox',
      label: 'Sandbox',
      errorCount: 0,
      file: { version: 1, idps: { okta: { issuer: 'x' } } },
    };
    assert.equal(idpEntries([source, sandbox])[0]!.sourceKind, 'sandbox');
    const flows = flowEntries([source]);
    assert.deepEqual(
      flows[0]!.steps.map((s) => s.stepId),
      ['t', 'c', 'i'],
    );
    assert.equal(flows[0]!.steps[1]!.id, 'step:file:///w/a.oidc-flow.yaml#smoke/c');
  });

  it('cuts a flow at a step (earlier steps still run) and wraps one-off steps', () => {
    const cut = flowUpTo(file, 'smoke', 'c')!;
    assert.deepEqual(
      cut.flows!.smoke!.steps.map((s) => s.id),
      ['t', 'c'],
    );
    assert.equal(flowUpTo(file, 'smoke', 'nope'), undefined);
    const single = singleStepFile(
      file,
      'one-off',
      [{ id: 'v', type: 'verify', token: '{{vars.token}}', idp: 'okta' }],
      { token: 'abc' },
    );
    assert.deepEqual(Object.keys(single.flows!), ['one-off']);
    assert.deepEqual(single.flows!['one-off']!.vars, { token: 'abc' });
    assert.equal(single.idps, file.idps);
  });

  it('turns the sandbox gateway routes into routes without the gateway client secret', () => {
    const routes = sandboxRoutes('https://127.0.0.1:9', [
      {
        service: 'orders-service',
        route: 'orders',
        upstreamUrl: 'http://u',
        paths: ['/orders'],
        stripPath: true,
        oidc: {
          scope: 'route',
          config: {
            issuer: 'https://i',
            client_id: ['gw'],
            client_secret: ['s3cr3t-value'],
            auth_methods: ['introspection'],
          },
        },
      },
    ]);
    assert.equal(routes.orders!.baseUrl, 'https://127.0.0.1:9');
    assert.equal(routes.orders!.path, '/orders');
    assert.doesNotMatch(JSON.stringify(routes), /s3cr3t-value/);
    const src = sandboxSource(
      {
        version: 1,
        defaultEnvironment: 'sandbox',
        environments: { sandbox: { a: 'b' } },
        idps: { okta: { issuer: '{{env.a}}' } },
      },
      { env: { SANDBOX_ISSUER: 'https://i' }, gateway: { url: 'https://g', routes: [] } },
    );
    assert.equal(src.kind, 'sandbox');
    assert.deepEqual(Object.keys(src.file!.idps!), ['okta']);
    assert.equal(src.env!.SANDBOX_ISSUER, 'https://i');
  });

  it('recognises flow file names', () => {
    for (const yes of [
      '/w/a.oidc-flow.yaml',
      '/w/b.oidc-flow.yml',
      'c.oidc-flow.json',
      '/w/oidc-flow.yaml',
      'C:\\w\\oidc-flow.json',
    ])
      assert.equal(isFlowFilePath(yes), true, yes);
    for (const no of ['/w/a.yaml', '/w/oidc-flow.yaml.bak', '/w/myoidc-flow.yaml', '/w/flow.json'])
      assert.equal(isFlowFilePath(no), false, no);
  });
});
