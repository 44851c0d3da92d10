/**
 * The extension package as the marketplaces see it: its readme (the details
 * page), its manifest's links, icon and limits, the VSIX allow-list's globs
 * and the zip reader `npm run package` checks the VSIX with.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { renderContributes, withSection } from '../../scripts/marketplace-readme';
import type { Contributes } from '../../scripts/marketplace-readme';
import { globToRegExp, outsideAllowList, parseAllowList } from '../../scripts/package/allow-list';
import { marketplaceIssues, vsixManifestTags } from '../../scripts/package/marketplace-checks';
import type { PackagedManifest } from '../../scripts/package/marketplace-checks';
import { parseVsix } from '../../scripts/package/vsix-archive';
import { PACKAGE_README, readmeBaseUrls } from '../../scripts/package-vsix';

const root = join(__dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PackagedManifest & Contributes;
const readmePath = join(root, PACKAGE_README);
const readme = readFileSync(readmePath, 'utf8');

/** The targets of a Markdown text's links and images (`[..](target)`, `![..](target)`, `<img src>`). */
function linkTargets(markdown: string): string[] {
  return [
    ...[...markdown.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]!),
    ...[...markdown.matchAll(/<img[^>]+src=["']([^"']+)["']/g)].map((m) => m[1]!),
  ];
}
const isRelative = (target: string): boolean => !/^[a-z][a-z0-9+.-]*:/i.test(target) && !target.startsWith('#');

describe('the extension package', () => {
  describe('its readme (docs/marketplace/README.md, the details page)', () => {
    it('lists exactly the commands and settings package.json contributes', () => {
      assert.equal(
        withSection(readme, renderContributes(manifest)),
        readme,
        'docs/marketplace/README.md is out of date with package.json: run `npm run readme:marketplace`',
      );
    });

    it('leaves out commands hidden from the palette and cuts each setting to its first sentence', () => {
      const section = renderContributes({
        contributes: {
          commands: [
            { command: 'x.shown', title: 'Shown', category: 'X' },
            { command: 'x.hidden', title: 'Hidden', category: 'X' },
          ],
          menus: { commandPalette: [{ command: 'x.hidden', when: 'false' }] },
          configuration: {
            properties: {
              'x.proxy': { type: 'string', default: '', markdownDescription: 'A proxy, e.g. `a|b`. More text.' },
            },
          },
        },
      });
      assert.match(section, /\| X: Shown \| `x\.shown` \|/);
      assert.doesNotMatch(section, /Hidden/);
      assert.match(section, /\| `x\.proxy` \| \(empty\) \| A proxy, e\.g\. `a\\\|b`\. \|/);
      assert.throws(() => withSection('no markers', section), /markers/);
    });

    it('shows the sidebar, the verdict and the timeline from files beside it, and links only to files that exist', () => {
      const targets = linkTargets(readme);
      const images = [...readme.matchAll(/!\[[^\]]*\]\(([^)\s]+)\)/g)].map((m) => m[1]!);
      assert.deepEqual(images, ['sidebar.png', 'verdict.png', 'timeline.png']);
      for (const target of targets.filter(isRelative)) {
        assert.ok(
          existsSync(join(dirname(readmePath), target.split('#')[0]!)),
          `the package readme links to ${target}, which is not in docs/marketplace/ (run the e2e package test to take the pictures)`,
        );
      }
      // The marketplaces show https images only, never SVG (vsce refuses them).
      assert.deepEqual(
        targets.filter((t) => /\.svg$/i.test(t) || /^http:/i.test(t)),
        [],
      );
      // A user of the extension never runs these; the repository README is where they belong.
      assert.doesNotMatch(readme, /npm ci|npm test|npm run (build|package)/);
    });

    it('has its relative links rewritten to the repository, relative to its own folder', () => {
      assert.deepEqual(readmeBaseUrls('https://github.com/o/r.git', 'docs/marketplace/README.md'), {
        content: 'https://github.com/o/r/blob/HEAD/docs/marketplace',
        images: 'https://github.com/o/r/raw/HEAD/docs/marketplace',
      });
    });
  });

  it('has a CHANGELOG with no relative links (vsce would resolve them against the readme folder)', () => {
    const changelog = readFileSync(join(root, 'CHANGELOG.md'), 'utf8');
    assert.deepEqual(linkTargets(changelog).filter(isRelative), []);
  });

  describe('its manifest', () => {
    it('links the repository, issues and homepage, names its license and is a preview while 0.x', () => {
      assert.deepEqual(marketplaceIssues(manifest, manifest.keywords ?? [], ['extension/LICENSE.txt']), []);
      assert.match(String((manifest.repository as { url: string }).url), /^https:\/\/github\.com\/[^/]+\/[^/]+\.git$/);
      assert.ok(existsSync(join(root, 'LICENSE')));
    });

    it('has a 128×128 PNG icon', () => {
      const png = readFileSync(join(root, manifest.icon!));
      assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG', `${manifest.icon} is not a PNG`);
      // IHDR: width and height, big-endian, at bytes 16 and 20.
      assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [128, 128]);
    });
  });

  describe('the registry checks npm run package makes', () => {
    const good: PackagedManifest = {
      name: 'x',
      publisher: 'p',
      version: '0.1.0',
      license: 'MIT',
      preview: true,
      icon: 'icon.png',
      categories: ['Testing'],
      repository: { url: 'https://github.com/p/x.git' },
      bugs: { url: 'https://github.com/p/x/issues' },
      homepage: 'https://github.com/p/x#readme',
    };
    const issuesOf = (change: Partial<PackagedManifest>, tags: string[] = [], paths: string[] = []): string[] =>
      marketplaceIssues({ ...good, ...change }, tags, paths).map((i) => `${i.registry}: ${i.message}`);

    it('pass a well-formed manifest', () => {
      assert.deepEqual(issuesOf({}), []);
    });

    it('refuse what the Marketplace or Open VSX refuse', () => {
      assert.deepEqual(
        issuesOf(
          {},
          Array.from({ length: 31 }, (_, i) => `t${i}`),
        ),
        ['Marketplace: 31 tags (keywords plus the tags vsce adds), over its limit of 30'],
      );
      assert.deepEqual(issuesOf({ publisher: 'my publisher' }), [
        'Open VSX: publisher (the namespace) "my publisher" is not a valid name',
      ]);
      assert.deepEqual(issuesOf({ license: undefined }), [
        'Open VSX: no license: open-vsx.org refuses unlicensed extensions',
      ]);
      assert.deepEqual(issuesOf({ license: undefined }, [], ['extension/LICENSE.txt']), []);
      assert.deepEqual(issuesOf({ repository: undefined }), [
        'both: repository is missing: the details page links to it',
      ]);
      assert.deepEqual(issuesOf({ homepage: 'github.com/p/x' }), [
        'Open VSX: homepage "github.com/p/x" is not an absolute URL',
      ]);
      assert.deepEqual(issuesOf({ description: 'x'.repeat(2049) }), [
        'Open VSX: description is 2049 characters, over the limit of 2048',
      ]);
      assert.deepEqual(issuesOf({ displayName: 'a\u0007b' }), [
        'Open VSX: displayName holds a control or format character',
      ]);
      assert.deepEqual(issuesOf({ categories: ['Security'] }), [
        'Marketplace: category "Security" is not one it lists',
      ]);
      assert.deepEqual(issuesOf({ galleryBanner: { theme: 'blue' } }), [
        'Open VSX: galleryBanner.theme "blue" is neither dark nor light',
      ]);
      assert.deepEqual(issuesOf({ preview: undefined }), [
        'both: version 0.1.0 is 0.x but preview is not set: say it is a preview',
      ]);
      assert.deepEqual(issuesOf({ version: 'latest' }), [
        'both: version "latest" is not a semantic version both registries accept',
      ]);
    });

    it("read the VSIX manifest's tags", () => {
      assert.deepEqual(vsixManifestTags('<Metadata><Tags>oauth,jwt,json</Tags></Metadata>'), ['oauth', 'jwt', 'json']);
      assert.deepEqual(vsixManifestTags('<Metadata><Tags></Tags></Metadata>'), []);
    });
  });

  describe('the allow-list format (scripts/package-contents/*.txt)', () => {
    it('is one glob a line, # comments and blank lines skipped', () => {
      assert.deepEqual(parseAllowList('# head\n\na/b.js  # why\n  c/**\r\n'), ['a/b.js', 'c/**']);
    });

    it('matches * within a folder, ** across folders, and every other character as itself', () => {
      assert.ok(globToRegExp('extension/dist/*.js').test('extension/dist/lazy.js'));
      assert.ok(!globToRegExp('extension/dist/*.js').test('extension/dist/x/lazy.js'));
      assert.ok(!globToRegExp('extension/dist/*.js').test('extension/dist/lazy.js.map'));
      assert.ok(globToRegExp('extension/media/**').test('extension/media/walkthrough/a.md'));
      assert.ok(globToRegExp('**/package.json').test('package.json'));
      assert.ok(globToRegExp('[Content_Types].xml').test('[Content_Types].xml'));
      assert.ok(!globToRegExp('[Content_Types].xml').test('C.xml'));
      assert.ok(!globToRegExp('a.b').test('axb'));
    });

    it('names the paths outside it', () => {
      assert.deepEqual(outsideAllowList(['a/x.js', 'a/x.js.map', 'b'], ['a/*.js', 'b']), ['a/x.js.map']);
    });
  });

  describe('the VSIX reader', () => {
    // A two-entry zip as vsce writes them: one stored, one deflated.
    function zip(files: Array<{ name: string; data: Buffer; deflate: boolean }>): Buffer {
      const locals: Buffer[] = [];
      const centrals: Buffer[] = [];
      let offset = 0;
      for (const file of files) {
        const body = file.deflate ? deflateRawSync(file.data) : file.data;
        const name = Buffer.from(file.name);
        const local = Buffer.alloc(30);
        local.writeUInt32LE(0x04034b50, 0);
        local.writeUInt16LE(file.deflate ? 8 : 0, 8);
        local.writeUInt32LE(body.length, 18);
        local.writeUInt32LE(file.data.length, 22);
        local.writeUInt16LE(name.length, 26);
        const central = Buffer.alloc(46);
        central.writeUInt32LE(0x02014b50, 0);
        central.writeUInt16LE(file.deflate ? 8 : 0, 10);
        central.writeUInt32LE(body.length, 20);
        central.writeUInt32LE(file.data.length, 24);
        central.writeUInt16LE(name.length, 28);
        central.writeUInt32LE(offset, 42);
        locals.push(local, name, body);
        centrals.push(central, name);
        offset += 30 + name.length + body.length;
      }
      const directory = Buffer.concat(centrals);
      const end = Buffer.alloc(22);
      end.writeUInt32LE(0x06054b50, 0);
      end.writeUInt16LE(files.length, 8);
      end.writeUInt16LE(files.length, 10);
      end.writeUInt32LE(directory.length, 12);
      end.writeUInt32LE(offset, 16);
      return Buffer.concat([...locals, directory, end]);
    }

    it('lists entries with their sizes and reads stored and deflated ones', () => {
      const text = Buffer.from('{"name":"x"}'.repeat(50));
      const archive = parseVsix(
        zip([
          { name: 'extension.vsixmanifest', data: Buffer.from('<Tags>a</Tags>'), deflate: false },
          { name: 'extension/package.json', data: text, deflate: true },
        ]),
      );
      assert.deepEqual(
        archive.entries.map((e) => [e.path, e.size]),
        [
          ['extension.vsixmanifest', 14],
          ['extension/package.json', text.length],
        ],
      );
      assert.equal(archive.read('extension.vsixmanifest')?.toString(), '<Tags>a</Tags>');
      assert.equal(archive.read('EXTENSION/package.json')?.toString(), text.toString());
      assert.equal(archive.read('missing'), undefined);
    });

    it('says so when the file is not a zip archive', () => {
      assert.throws(() => parseVsix(Buffer.alloc(100), 'x.vsix'), /x\.vsix is not a zip archive/);
    });
  });
});
