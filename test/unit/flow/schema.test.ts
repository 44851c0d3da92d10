import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { checkAgainstSchema, flowFileSchema, STEP_TYPES } from '../../../src/core/flow';
import { checkFlowFile } from '../../../src/core/flow/load';

type Schema = Record<string, unknown> & { properties?: Record<string, Record<string, unknown>> };
const defs = flowFileSchema.definitions as Record<string, Schema>;

describe('flow file JSON Schema', () => {
  it('is the file shipped in schemas/ and is described for editors', () => {
    const onDisk = JSON.parse(
      readFileSync(join(__dirname, '../../../schemas/flow-file.schema.json'), 'utf8'),
    ) as unknown;
    assert.deepEqual(onDisk, flowFileSchema);
    assert.equal(typeof flowFileSchema.title, 'string');
    assert.equal(typeof flowFileSchema.markdownDescription, 'string');
  });

  it('has a definition for every step type, each with the common fields and a snippet', () => {
    const common = Object.keys(defs.callStep!.properties!).slice(0, 7);
    assert.deepEqual(common, ['id', 'name', 'description', 'type', 'assert', 'continueOnFailure', 'onlyIn']);
    for (const type of STEP_TYPES) {
      const def = defs[`${type}Step`];
      assert.ok(def, `definition for ${type}`);
      assert.equal(def.additionalProperties, false);
      for (const field of common) assert.ok(def.properties![field], `${type}.${field}`);
      assert.equal(def.properties!.type!.const, type);
      assert.ok(Array.isArray(def.defaultSnippets));
    }
  });

  it('describes every field of idps and routes', () => {
    for (const def of [defs.idp!, defs.route!]) {
      for (const [name, field] of Object.entries(def.properties!)) {
        assert.equal(typeof field.markdownDescription, 'string', name);
      }
    }
  });

  it('a request step takes basicAuth with a username and a password, nothing else; a literal password is refused', () => {
    const file = (basicAuth: string) =>
      `version: 1\nflows:\n  f:\n    steps:\n      - id: r\n        type: request\n        url: https://api.test/x\n        basicAuth: ${basicAuth}\n`;
    const issues = (basicAuth: string) =>
      checkFlowFile(file(basicAuth), { fileName: 'x.yaml' }).issues.map((issue) => [issue.code, issue.message]);
    assert.deepEqual(issues('{ username: u, password: "${env:API_PASSWORD}" }'), []);
    assert.deepEqual(issues('{ username: u }'), [
      ['flowfile.schema', "flows.f.steps[0].basicAuth is missing the field 'password'."],
    ]);
    assert.deepEqual(issues('{ username: u, password: hunter2 }'), [
      [
        'flowfile.literal_secret',
        'flows.f.steps[0].basicAuth.password holds a literal value for password; secrets are never written in the flow file.',
      ],
    ]);
  });

  it('accepts the example and the okta preset form', () => {
    const example = parse(
      readFileSync(join(__dirname, '../../../examples/introspection-scenario.yaml'), 'utf8'),
    ) as unknown;
    assert.deepEqual(checkAgainstSchema(example), []);
    const preset = {
      version: 1,
      idps: {
        okta: {
          okta: { domain: 'dev-1.okta.com', authorizationServerId: 'default' },
          clientId: 'c',
          clientAuth: 'none',
        },
      },
    };
    assert.deepEqual(checkAgainstSchema(preset), []);
  });

  it('explains a domain written as a URL and an IdP with no way to find endpoints', () => {
    const problems = checkAgainstSchema({
      version: 1,
      idps: { a: { okta: { domain: 'https://dev-1.okta.com' } }, b: { clientId: 'x' } },
    });
    assert.deepEqual(
      problems.map((p) => p.message),
      [
        'idps.a.okta.domain: Write the Okta domain alone, without https:// or a path, e.g. dev-1.okta.com.'.replace(
          'dev-1',
          'dev-123456',
        ),
        'idps.b: An IdP needs `issuer`, `okta` or `endpoints`.',
      ],
    );
  });

  it("takes a route's gateway log: a file (templates allowed) and an offset in minutes or a template", () => {
    const withLog = (log: unknown) => ({ version: 1, routes: { r: { baseUrl: 'http://gw', log } } });
    assert.deepEqual(checkAgainstSchema(withLog({ file: '{{env.logs}}/error.log', utcOffsetMinutes: -300 })), []);
    assert.deepEqual(checkAgainstSchema(withLog({ file: '/var/log/error.log', utcOffsetMinutes: '{{env.tz}}' })), []);
    assert.ok(checkAgainstSchema(withLog({ utcOffsetMinutes: 0 })).length > 0, 'file is required');
    assert.ok(checkAgainstSchema(withLog({ file: '/x', utcOffsetMinutes: 2000 })).length > 0, 'beyond 14 hours');
    assert.ok(checkAgainstSchema(withLog({ file: '/x', level: 'debug' })).length > 0, 'unknown field');
  });
});
