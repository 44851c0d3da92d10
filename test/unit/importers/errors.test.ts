import { strict as assert } from 'node:assert';
import { OidcError } from '../../../src/core/errors';
import { importAny, importInsomnia, importPostman } from '../../../src/core/importers';
import { fixture, insomniaV4, postman } from './helpers';

function errorOf(run: () => unknown): OidcError {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof OidcError, `expected OidcError, got ${String(error)}`);
    assert.ok(error.hint, 'every error has a hint');
    return error;
  }
  assert.fail('expected an error');
}

describe('importer errors', () => {
  it('import.syntax: broken JSON names the line, never the text around it', () => {
    const text =
      '{\n  "_type": "export",\n  "__export_format": 4,\n  "resources": [ { "clientSecret": "hunter2-Secret-Value" x } ]\n}';
    const error = errorOf(() => importAny(text, { fileName: 'broken.json' }));
    assert.equal(error.code, 'import.syntax');
    assert.match(error.message, /line 4/);
    assert.match(error.where ?? '', /^broken\.json:4:\d+$/);
    assert.ok(!error.message.includes('hunter2'), 'the export text is not quoted');
  });

  // Found by test/unit/fuzz/importers.test.ts: yaml's toJS re-walked the document at every such alias (seconds for 300).
  it('import.syntax: an alias inside its own anchor is refused before it is expanded', () => {
    const text = `type: collection.insomnia.rest/5.0\nname: x\ncollection: &a [${'*a, '.repeat(300)}]\n`;
    const error = errorOf(() => importAny(text, { fileName: 'self.yaml' }));
    assert.equal(error.code, 'import.syntax');
    assert.match(error.message, /self\.yaml:3:\d+: .*Alias \*a is inside its own anchor &a/);
  });

  it('import.syntax: broken YAML names the line', () => {
    const text =
      'type: collection.insomnia.rest/5.0\nname: x\ncollection:\n  - url: "https://a.example.com\n    name: A\n';
    const error = errorOf(() => importAny(text, { fileName: 'broken.yaml' }));
    assert.equal(error.code, 'import.syntax');
    assert.match(error.message, /broken\.yaml:\d+:\d+: the export is not valid YAML \(line \d+/);
  });

  it('import.unrecognised says which formats are supported', () => {
    for (const text of ['{"openapi": "3.0.0"}', '[1, 2]', 'just: yaml', '   ']) {
      const error = errorOf(() => importAny(text, { fileName: 'other.json' }));
      assert.equal(error.code, 'import.unrecognised');
      assert.match(
        error.message,
        /Supported: Insomnia v4 export \(JSON\), Insomnia v5 collection \(YAML\) or Postman Collection v2\.0 or v2\.1 \(JSON\)/,
      );
    }
    const env = errorOf(() =>
      importAny('{"name": "Dev", "values": [], "_postman_variable_scope": "environment"}', { fileName: 'env.json' }),
    );
    assert.match(env.message, /Postman environment/);
    const insomniaEnv = errorOf(() =>
      importAny('type: environment.insomnia.rest/5.0\nname: Globals\n', { fileName: 'g.yaml' }),
    );
    assert.equal(insomniaEnv.code, 'import.unrecognised');
  });

  it('import.unrecognised when a specific importer gets the other tool’s export', () => {
    const postmanText = fixture('postman-v21-okta-kong.json');
    assert.equal(errorOf(() => importInsomnia(postmanText, { fileName: 'p.json' })).code, 'import.unrecognised');
    const insomniaText = fixture('insomnia-v4-okta-kong.json');
    assert.equal(errorOf(() => importPostman(insomniaText, { fileName: 'i.json' })).code, 'import.unrecognised');
  });

  it('import.unsupported_version for older Insomnia and Postman formats', () => {
    const cases: Array<[string, RegExp]> = [
      ['{"_type": "export", "__export_format": 3, "resources": []}', /format 3/],
      ['type: collection.insomnia.rest/4.0\nname: x\n', /version 4\.0/],
      [
        '{"info": {"name": "x", "schema": "https://schema.getpostman.com/json/collection/v1.0.0/collection.json"}, "item": []}',
        /v1\.0\.0/,
      ],
      ['{"id": "1", "name": "Old", "order": [], "requests": []}', /Postman collection v1/],
    ];
    for (const [text, pattern] of cases) {
      const error = errorOf(() => importAny(text, { fileName: 'old.json' }));
      assert.equal(error.code, 'import.unsupported_version');
      assert.match(error.message, pattern);
    }
  });

  it('import.empty when there is no HTTP request', () => {
    assert.equal(errorOf(() => importAny(insomniaV4([]), { fileName: 'e.json' })).code, 'import.empty');
    assert.equal(errorOf(() => importAny(postman({}), { fileName: 'e.json' })).code, 'import.empty');
  });
});
