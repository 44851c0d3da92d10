/** Flow files from elsewhere: bounded size, aliases that expand too far, duplicate keys found in one pass. */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { checkFlowFile, MAX_FLOW_FILE_CHARS } from '../../../src/core/flow/load';
import { stripTemplateLike } from '../../../src/core/flow/literal-secrets';
import { jwtInText } from '../../../src/core/jwt/token-patterns';
import { expansionOverflow, readableYamlValue } from '../../../src/core/untrusted-input';

const codes = (text: string, fileName = 'f.yaml') => checkFlowFile(text, { fileName }).issues.map((i) => i.code);

describe('flow file limits', () => {
  it('refuses a file over the size cap before parsing it, saying how big it is and what to do', () => {
    const text = `version: 1\n# ${'x'.repeat(MAX_FLOW_FILE_CHARS)}\n`;
    const [issue, ...rest] = checkFlowFile(text, { fileName: 'huge.yaml' }).issues;
    assert.deepEqual(rest, []);
    assert.equal(issue?.code, 'flowfile.too_large');
    assert.match(issue!.message, /^huge\.yaml is 4\.0 million characters long; a flow file may hold at most 4 million/);
    assert.match(issue!.hint ?? '', /Split it/);
  });

  it('refuses a small file whose aliases expand past the cap (YAML and the same limit for every value)', () => {
    const big = 'a'.repeat(100_000);
    const text = `version: 1\nenvironments:\n  x: { a: &a "${big}" }\n  y: { b: [${Array(99).fill('*a').join(', ')}] }\n`;
    assert.ok(text.length < 200_000);
    const issues = checkFlowFile(text, { fileName: 'bomb.yaml' }).issues;
    assert.deepEqual(
      issues.map((i) => i.code),
      ['flowfile.too_large'],
    );
    assert.match(issues[0]!.message, /once its YAML aliases \(\*name\) are expanded/);
  });

  it('counts shared values each time they appear, and stops at the limit', () => {
    const leaf = 'x'.repeat(10);
    const shared = [leaf, leaf];
    assert.equal(expansionOverflow({ a: shared, b: shared }, { maxChars: 100, maxNodes: 100 }), undefined);
    assert.match(
      expansionOverflow(Array(20).fill(shared), { maxChars: 100, maxNodes: 1000 }) ?? '',
      /more than 0 million characters|characters/,
    );
    assert.match(expansionOverflow(Array(200).fill(1), { maxChars: 1e6, maxNodes: 100 }) ?? '', /more than 100 values/);
  });

  for (const [name, text] of [
    ['deep.json', `{"version": 1, "x": ${'['.repeat(200_000)}${']'.repeat(200_000)}}`],
    ['deep.yaml', `version: 1\nx: ${'['.repeat(5000)}${']'.repeat(5000)}\n`],
    ['deeper.yaml', `version: 1\nx: ${'['.repeat(200_000)}${']'.repeat(200_000)}\n`],
  ] as const)
    it(`a file nested thousands of levels deep is one clear issue, not a stack overflow (${name})`, () => {
      const issues = checkFlowFile(text, { fileName: name }).issues;
      assert.deepEqual(
        issues.map((i) => i.code),
        ['flowfile.too_large'],
      );
      assert.match(issues[0]!.message, /nests lists or mappings more than 100 levels deep/);
    });

  // Found by test/unit/fuzz/flow-file.test.ts: 1,000 aliases inside their own anchor took yaml's toJS minutes.
  it('refuses an alias inside its own anchor, and more than 100 aliases, before expanding any', () => {
    const self = checkFlowFile(`version: 1\nvars: &a [${'*a, '.repeat(1000)}]\n`, { fileName: 'self.yaml' }).issues;
    assert.equal(self[0]?.code, 'flowfile.syntax');
    assert.match(self[0]!.message, /Alias \*a is inside its own anchor &a/);
    assert.equal(self[0]!.range?.start.line, 2);
    const many = checkFlowFile(`version: 1\nvars: { a: &a 1, b: [${'*a, '.repeat(101)}] }\n`, { fileName: 'm.yaml' });
    assert.match(many.issues[0]!.message, /More than 100 aliases/);
    assert.deepEqual(
      codes(`version: 1\nvars: { a: &a 1, b: [*a, *a, *a] }\n`).filter((c) => c === 'flowfile.syntax'),
      [],
    );
  });

  // yaml's visit never called the anchor check for a mapping (a Map visitor takes its place), so the
  // alias inside an anchored mapping got through; the walk in untrusted-input.ts sees every anchor.
  it('refuses an alias inside its own anchored mapping, as inside a list, and keeps a plain alias', () => {
    for (const vars of ['&a\n    b: *a', '&a { b: *a }', '&a [1, *a]', '&a\n    b: { c: [*a] }']) {
      const issues = checkFlowFile(`version: 1\nvars:\n  x: ${vars}\n`, { fileName: 'self.yaml' }).issues;
      assert.equal(issues[0]?.code, 'flowfile.syntax', vars);
      assert.match(issues[0]!.message, /Alias \*a is inside its own anchor &a/, vars);
    }
    assert.equal(readableYamlValue('a: &x\n  b: *x\n'), undefined);
    assert.deepEqual(readableYamlValue('a: &x { b: 1 }\nc: *x\nd: &y [*x]\n'), {
      a: { b: 1 },
      c: { b: 1 },
      d: [{ b: 1 }],
    });
    // A duplicate key is still found inside a mapping that an alias names, and the key, not the value, is pointed at.
    const duplicate = checkFlowFile('version: 1\nvars: &a\n  k: 1\n  k: 2\nx: *a\n', { fileName: 'd.yaml' }).issues;
    assert.equal(duplicate[0]?.code, 'flowfile.syntax');
    assert.equal(duplicate[0]!.range?.start.line, 4);
  });

  it('readableYamlValue reads a half-written file but not one whose aliases cannot be expanded safely', () => {
    assert.deepEqual(readableYamlValue('flows:\n  a: {}\n  b: [\n'), { flows: { a: {}, b: [] } });
    assert.equal(readableYamlValue(`flows: &a [${'*a, '.repeat(1000)}]\n`), undefined);
    assert.equal(readableYamlValue(`a: &a x\nb: [${'*a, '.repeat(101)}]\n`), undefined);
  });

  it('walks a value that holds itself many times without growing past the node limit', () => {
    const cycle: unknown[] = [];
    for (let i = 0; i < 10_000; i += 1) cycle.push(cycle);
    assert.equal(expansionOverflow(cycle, { maxChars: 1000, maxNodes: 50_000 }), 'more than 50,000 values');
  });

  it('still finds duplicate keys, in YAML and in JSON, with their line', () => {
    const yaml = checkFlowFile('version: 1\nroutes:\n  a: { baseUrl: "http://x" }\n  a: { baseUrl: "http://y" }\n', {
      fileName: 'd.yaml',
    }).issues;
    assert.ok(yaml.some((i) => i.code === 'flowfile.syntax' && /unique/.test(i.message) && i.range?.start.line === 4));
    assert.ok(codes('{"version": 1, "version": 1}', 'd.json').includes('flowfile.syntax'));
  });
});

describe('linear text scans', () => {
  it('stripTemplateLike removes exactly what /\\{\\{[^}]*\\}\\}/g removes', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[{}a ]{0,40}$/), (text) => {
        assert.equal(stripTemplateLike(text), text.replace(/\{\{[^}]*\}\}/g, ''));
      }),
      { numRuns: 2000 },
    );
  });

  it('jwtInText finds a JWT where a base64url run starts, and not inside a longer run', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJl';
    assert.deepEqual(`Bearer ${jwt} and token=${jwt}`.match(jwtInText('g')), [jwt, jwt]);
    assert.equal(jwtInText().test(`x${jwt}`), false);
    assert.equal(jwtInText().test('eyJ'.repeat(1000)), false);
  });
});
