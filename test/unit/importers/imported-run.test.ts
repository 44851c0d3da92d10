/** What a freshly imported flow does when it is run before its variables are filled in: named configuration errors. */
import { strict as assert } from 'node:assert';
import { ManualClock } from '../../../src/core/clock';
import { isConfigurationCode } from '../../../src/core/errors';
import type { ErrorCode } from '../../../src/core/errors';
import { loadFlowFile } from '../../../src/core/flow/load';
import { FlowRunner } from '../../../src/core/flow/runner';
import { importPostman } from '../../../src/core/importers';
import { FakeHttp } from '../../support/fake-http';
import { postman } from './helpers';

function runImported(text: string, env: Record<string, string> = {}) {
  const result = importPostman(text, { fileName: 'export.json' });
  const { file } = loadFlowFile(result.yaml, { fileName: 'imported.yaml' });
  const http = new FakeHttp();
  const runner = new FlowRunner(file, { http, clock: new ManualClock(Date.UTC(2026, 11, 1)), secrets: { env } });
  return { http, run: runner.run({ flow: Object.keys(file.flows!)[0]! }) };
}

describe('running an import whose variables are not filled in', () => {
  it('an empty {{baseUrl}} in a request URL is a configuration error naming the variable and the step', async () => {
    const { http, run } = runImported(
      postman({ item: [{ name: 'Health', request: { method: 'GET', url: '{{baseUrl}}/health' } }] }),
    );
    const step = (await run).steps[0]!;
    assert.equal(step.status, 'error');
    assert.equal(step.error?.code, 'flow.invalid_url');
    assert.ok(isConfigurationCode(step.error!.code as ErrorCode));
    assert.match(step.error!.message, /^Step health /);
    assert.match(step.error!.message, /\{\{env\.baseUrl\}\} is empty/);
    assert.match(step.error!.hint ?? '', /baseUrl/);
    assert.doesNotMatch(`${step.error!.message} ${step.error!.hint}`, /likely a bug|Unexpected failure/);
    assert.equal(http.requests.length, 0);
  });

  it('an empty route base URL in a call step names the variable, the route and the step', async () => {
    const { run } = runImported(
      postman({
        item: [
          {
            name: 'Orders',
            request: {
              method: 'GET',
              url: '{{gateway}}/orders',
              auth: { type: 'bearer', bearer: [{ key: 'token', value: '{{accessToken}}' }] },
            },
          },
        ],
      }),
      { ACCESS_TOKEN: 'opaque-token-value' },
    );
    const step = (await run).steps[0]!;
    assert.equal(step.error?.code, 'flow.invalid_url');
    assert.match(step.error!.message, /^Step orders /);
    assert.match(step.error!.message, /\{\{env\.gateway\}\} is empty/);
    assert.match(step.error!.message, /route gateway/);
  });
});

describe('running an import whose IdP or host variables are not filled in', () => {
  const oauth = (tokenUrl: string) => ({
    type: 'oauth2',
    oauth2: [
      { key: 'accessTokenUrl', value: tokenUrl },
      { key: 'grant_type', value: 'client_credentials' },
      { key: 'clientId', value: 'client-1' },
    ],
  });
  const collection = (url: string, tokenUrl: string) =>
    postman({ item: [{ name: 'Orders', request: { method: 'GET', url, auth: oauth(tokenUrl) } }] });

  it('an empty token URL variable names the variable and the IdP field, before anything is sent', async () => {
    const { http, run } = runImported(collection('https://api.example.com/orders', '{{tokenUrl}}'));
    const step = (await run).steps[0]!;
    assert.equal(step.error?.code, 'flow.invalid_url');
    assert.match(step.error!.message, /^IdP idp has no usable URL: \{\{env\.tokenUrl\}\} is empty/);
    assert.match(step.error!.message, /idps\.idp\.endpoints\.token/);
    assert.equal(http.requests.length, 0);
  });

  it('an empty Okta domain in the middle of a URL is caught too (the URL would parse with the wrong host)', async () => {
    const { http, run } = runImported(
      collection('https://api.example.com/orders', 'https://{{oktaDomain}}/oauth2/default/v1/token'),
    );
    const step = (await run).steps[0]!;
    assert.equal(step.error?.code, 'flow.invalid_url');
    assert.match(step.error!.message, /\{\{env\.oktaDomain\}\} is empty, so idps\.okta\.issuer/);
    assert.equal(http.requests.length, 0);
  });

  it('an empty host variable in a request URL is named although the URL parses', async () => {
    const { http, run } = runImported(
      postman({ item: [{ name: 'Health', request: { method: 'GET', url: 'https://{{host}}/api/health' } }] }),
    );
    const step = (await run).steps[0]!;
    assert.equal(step.error?.code, 'flow.invalid_url');
    assert.match(step.error!.message, /\{\{env\.host\}\} is empty, so https:\/\/\{\{env\.host\}\}\/api\/health/);
    assert.equal(http.requests.length, 0);
  });

  it('an empty variable in the path is sent as written (it may be meant)', async () => {
    const text = postman({
      variable: [{ key: 'prefix', value: '' }],
      item: [{ name: 'Health', request: { method: 'GET', url: 'https://api.example.com/v1{{prefix}}/health' } }],
    });
    const result = importPostman(text, { fileName: 'export.json' });
    const { file } = loadFlowFile(result.yaml, { fileName: 'imported.yaml' });
    const http = new FakeHttp().on('https://api.example.com/v1/health', { body: {} });
    const run = await new FlowRunner(file, { http, clock: new ManualClock(0), secrets: { env: {} } }).run({
      flow: Object.keys(file.flows!)[0]!,
    });
    assert.equal(run.steps[0]!.status, 'passed');
  });
});
