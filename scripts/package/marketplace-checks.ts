/**
 * What the Visual Studio Marketplace and Open VSX check of a VSIX on upload,
 * that can be checked here without a network: the Marketplace's 30-tag limit
 * and closed category list (vsce checks neither), Open VSX's metadata rules
 * (ported from eclipse/openvsx server ExtensionValidator.java: name patterns,
 * field lengths, control characters, absolute URLs, gallery banner values)
 * and open-vsx.org's required license. Whether the namespace exists and the
 * publisher may publish to it only the registries can say.
 */

/** The manifest fields these checks read. */
export interface PackagedManifest {
  name?: string;
  publisher?: string;
  version?: string;
  displayName?: string;
  description?: string;
  license?: string;
  categories?: string[];
  keywords?: string[];
  homepage?: string;
  repository?: string | { url?: string };
  bugs?: string | { url?: string };
  preview?: boolean;
  icon?: string;
  galleryBanner?: { color?: string; theme?: string };
  markdown?: string;
  qna?: string | false;
}

/** The Marketplace's categories (code.visualstudio.com/api/references/extension-manifest). */
export const MARKETPLACE_CATEGORIES = [
  'Programming Languages',
  'Snippets',
  'Linters',
  'Themes',
  'Debuggers',
  'Formatters',
  'Keymaps',
  'SCM Providers',
  'Other',
  'Extension Packs',
  'Language Packs',
  'Data Science',
  'Machine Learning',
  'Visualization',
  'Notebooks',
  'Education',
  'Testing',
  'AI',
  'Chat',
];

// The publishing FAQ's "You exceeded the number of allowed tags of 30": keywords plus the tags vsce adds.
export const MARKETPLACE_MAX_TAGS = 30;
// ExtensionValidator's limits and name pattern.
const OPEN_VSX_STRING = 255;
const OPEN_VSX_DESCRIPTION = 2048;
const OPEN_VSX_GALLERY_COLOR = 16;
const OPEN_VSX_NAME = /^[\w\-+$~]+$/;
const OPEN_VSX_RESERVED_VERSIONS = ['latest', 'pre-release', 'reviews'];
const SEMVER = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;
// Java's Character types CONTROL, FORMAT, PRIVATE_USE, UNASSIGNED and the line/paragraph separators.
const FORBIDDEN_CHARACTER = /[\p{Cc}\p{Cf}\p{Co}\p{Cn}\u2028\u2029]/u;

/** One problem, named by who would refuse the package. */
export interface MarketplaceIssue {
  registry: 'Marketplace' | 'Open VSX' | 'both';
  message: string;
}

function urlOf(field: string | { url?: string } | undefined): string | undefined {
  return typeof field === 'string' ? field : field?.url;
}

function isAbsoluteUrl(value: string): boolean {
  try {
    const url = new URL(value.replace(/^git\+/, ''));
    return !/^https?:$/.test(url.protocol) || url.hostname.length > 0;
  } catch {
    return false;
  }
}

/**
 * The problems of a packaged manifest: `tags` are the VSIX manifest's tags
 * (what vsce derived), `paths` the archive's entries.
 */
export function marketplaceIssues(
  manifest: PackagedManifest,
  tags: readonly string[],
  paths: readonly string[],
): MarketplaceIssue[] {
  const issues: MarketplaceIssue[] = [];
  const add = (registry: MarketplaceIssue['registry'], message: string): void => {
    issues.push({ registry, message });
  };
  const text = (field: string, value: string | undefined, limit: number): void => {
    if (value === undefined) return;
    if (FORBIDDEN_CHARACTER.test(value.replace(/\u200d/g, '')))
      add('Open VSX', `${field} holds a control or format character`);
    if (value.length > limit) add('Open VSX', `${field} is ${value.length} characters, over the limit of ${limit}`);
  };

  for (const [field, value] of [
    ['publisher (the namespace)', manifest.publisher],
    ['name', manifest.name],
  ] as const) {
    if (!value) add('both', `${field} is missing`);
    else if (!OPEN_VSX_NAME.test(value) || value.length > OPEN_VSX_STRING)
      add('Open VSX', `${field} "${value}" is not a valid name`);
  }
  const version = manifest.version ?? '';
  if (!SEMVER.test(version) || OPEN_VSX_RESERVED_VERSIONS.includes(version))
    add('both', `version "${version}" is not a semantic version both registries accept`);
  text('displayName', manifest.displayName, OPEN_VSX_STRING);
  text('description', manifest.description, OPEN_VSX_DESCRIPTION);
  for (const category of manifest.categories ?? []) {
    text(`category "${category}"`, category, OPEN_VSX_STRING);
    if (!MARKETPLACE_CATEGORIES.includes(category)) add('Marketplace', `category "${category}" is not one it lists`);
  }
  for (const tag of tags) text(`keyword "${tag}"`, tag, OPEN_VSX_STRING);
  if (tags.length > MARKETPLACE_MAX_TAGS)
    add(
      'Marketplace',
      `${tags.length} tags (keywords plus the tags vsce adds), over its limit of ${MARKETPLACE_MAX_TAGS}`,
    );
  text('license', manifest.license, OPEN_VSX_STRING);
  const licenseFile = paths.some((path) => /^extension\/licen[cs]e(\.md|\.txt)?$/i.test(path));
  if (!manifest.license && !licenseFile) add('Open VSX', 'no license: open-vsx.org refuses unlicensed extensions');
  for (const [field, value] of [
    ['homepage', manifest.homepage],
    ['repository', urlOf(manifest.repository)],
    ['bugs', urlOf(manifest.bugs)],
  ] as const) {
    if (value === undefined) add('both', `${field} is missing: the details page links to it`);
    else if (!isAbsoluteUrl(value) || value.length > OPEN_VSX_STRING)
      add('Open VSX', `${field} "${value}" is not an absolute URL`);
  }
  if (manifest.markdown !== undefined && !['github', 'standard'].includes(manifest.markdown))
    add('Open VSX', `markdown "${manifest.markdown}" is neither github nor standard`);
  const banner = manifest.galleryBanner;
  if (banner?.color !== undefined) text('galleryBanner.color', banner.color, OPEN_VSX_GALLERY_COLOR);
  if (banner?.theme !== undefined && !['dark', 'light'].includes(banner.theme))
    add('Open VSX', `galleryBanner.theme "${banner.theme}" is neither dark nor light`);
  if (typeof manifest.qna === 'string' && manifest.qna !== 'marketplace' && !isAbsoluteUrl(manifest.qna))
    add('Open VSX', `qna "${manifest.qna}" is neither marketplace, false nor a URL`);
  if (!manifest.icon) add('both', 'icon is missing: the details page shows a placeholder');
  if (/^0\./.test(version) && manifest.preview !== true)
    add('both', `version ${version} is 0.x but preview is not set: say it is a preview`);
  return issues;
}

/** The tags of a VSIX manifest (extension.vsixmanifest's `<Tags>`, comma-separated). */
export function vsixManifestTags(xml: string): string[] {
  const match = /<Tags>([^<]*)<\/Tags>/.exec(xml);
  return match?.[1] ? match[1].split(',').filter((tag) => tag.length > 0) : [];
}
