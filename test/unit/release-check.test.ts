import assert from 'node:assert/strict';
import { deflateRawSync } from 'node:zlib';
import { allowListProblems, checkAgainstAllowList, globToRegExp } from '../../scripts/package-contents/allow-list';
import { changelogProblems, versionProblems, zipEntries } from '../../scripts/release-check';

/** A zip as vsce writes one: local headers, deflated data, the central directory, its end record. */
function zip(files: Record<string, string>): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [name, text] of Object.entries(files)) {
    const data = deflateRawSync(Buffer.from(text));
    const nameBytes = Buffer.from(name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt16LE(nameBytes.length, 26);
    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(0x02014b50, 0);
    entry.writeUInt16LE(8, 10);
    entry.writeUInt32LE(data.length, 20);
    entry.writeUInt16LE(nameBytes.length, 28);
    entry.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, data);
    central.push(entry, nameBytes);
    offset += local.length + nameBytes.length + data.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

describe('release:check and the package allow-lists', () => {
  it('globs: ** spans folders, * stays in one, the rest is literal', () => {
    assert.ok(globToRegExp('dist/cli-*.js').test('dist/cli-decode.js'));
    assert.ok(!globToRegExp('dist/cli-*.js').test('dist/cli-decode.js.map'));
    assert.ok(!globToRegExp('dist/*.js').test('dist/sub/x.js'));
    assert.ok(globToRegExp('extension/media/**').test('extension/media/walkthrough/a.md'));
    assert.ok(globToRegExp('**/x.md').test('x.md'));
    assert.ok(globToRegExp('[Content_Types].xml').test('[Content_Types].xml'));
    assert.ok(!globToRegExp('a.md').test('aXmd'));
  });

  it('names a shipped file no glob admits and a glob nothing matches, with what to do', () => {
    const check = checkAgainstAllowList(['dist/cli.js', 'src/cli/cli.ts'], ['dist/cli.js', 'LICENSE']);
    assert.deepEqual(check, { unexpected: ['src/cli/cli.ts'], missing: ['LICENSE'] });
    const [leak, lost] = allowListProblems('the CLI package', 'scripts/package-contents/cli.txt', check);
    assert.match(leak!, /ships src\/cli\/cli\.ts, which scripts\/package-contents\/cli\.txt does not allow/);
    assert.match(lost!, /has no file matching "LICENSE"/);
  });

  it('the version: semantic, and the same wherever the docs quote it', () => {
    const docs = new Map([
      ['README.md', 'code --install-extension oidc-flow-debugger-0.1.0.vsix'],
      ['docs/ci.md', 'npm i -g oidc-flow@0.0.9\nnpx oidc-flow@0.1.0 run'],
    ]);
    assert.deepEqual(versionProblems('0.1.0', docs), [
      'docs/ci.md quotes version 0.0.9 ("oidc-flow@0.0.9"), package.json says 0.1.0: update docs/ci.md.',
    ]);
    assert.match(versionProblems('1.0', new Map())[0]!, /"1\.0" is not a semantic version/);
  });

  it('the changelog: an entry for the version with items; "unreleased" is a note', () => {
    const changelog = '# Changelog\n\n## 0.2.0 (unreleased)\n- New.\n\n## 0.1.0\n\n## 0.0.1\n- Old.\n';
    assert.deepEqual(changelogProblems(changelog, '0.2.0'), {
      problems: [],
      notes: ['CHANGELOG.md marks 0.2.0 "unreleased": date the heading in the release commit.'],
    });
    assert.deepEqual(changelogProblems(changelog, '0.1.0').problems, [
      'CHANGELOG.md\'s "## 0.1.0" entry lists no change ("- ..." lines).',
    ]);
    assert.match(changelogProblems(changelog, '0.3.0').problems[0]!, /no "## 0\.3\.0" entry/);
    assert.match(changelogProblems(changelog, '0.0').problems[0]!, /no "## 0\.0" entry/, 'no prefix match');
  });

  it('reads a VSIX: its file names and an entry inflated', () => {
    const entries = zipEntries(
      zip({ 'extension/package.json': '{"version":"0.1.0"}', 'extension.vsixmanifest': '<x/>' }),
    );
    assert.deepEqual([...entries.keys()], ['extension/package.json', 'extension.vsixmanifest']);
    assert.equal(entries.get('extension/package.json')!().toString(), '{"version":"0.1.0"}');
    assert.throws(() => zipEntries(Buffer.from('not a zip at all, just text that is long enough')), /not a zip/);
  });
});
