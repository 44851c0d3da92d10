import assert from 'node:assert/strict';
import { allowListProblems } from '../../scripts/package/allow-list';
import { changelogProblems, versionProblems } from '../../scripts/release-check';

describe('release:check and the package allow-lists', () => {
  it('names a shipped file no glob admits and a glob nothing matches, with what to do', () => {
    const [leak, lost, ...rest] = allowListProblems(
      'the CLI package',
      'scripts/package-contents/cli.txt',
      ['dist/cli.js', 'src/cli/cli.ts'],
      ['dist/cli.js', 'LICENSE'],
    );
    assert.deepEqual(rest, []);
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
});
