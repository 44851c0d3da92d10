import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { tsFiles } from '../support/source-files';

interface ImportEdge {
  file: string;
  specifier: string;
  /** The src/ area the import lands in (core, shared, extension, webview, cli), or undefined outside src. */
  layer?: string;
  typeOnly: boolean;
}

const SRC = resolve('src');

/** Every import of a file: static, re-export, dynamic import() and require(), each with the layer it reaches. */
function importsOf(file: string): ImportEdge[] {
  const text = readFileSync(file, 'utf8');
  const patterns = [
    /\b(import|export)\s+(type\s+)?[^'";]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /\b(import)\s*(\()\s*['"]([^'"]+)['"]\s*\)/g,
    /\b(require)\s*(\()\s*['"]([^'"]+)['"]\s*\)/g,
    /^\s*(import)()\s*['"]([^'"]+)['"]/gm,
  ];
  return patterns.flatMap((pattern) =>
    [...text.matchAll(pattern)].map((m) => {
      const specifier = m[3]!;
      const target = specifier.startsWith('.') ? relative(SRC, resolve(dirname(file), specifier)) : undefined;
      const layer = target !== undefined && !target.startsWith('..') ? target.split(/[\\/]/)[0] : undefined;
      return { file, specifier, layer, typeOnly: m[2] === 'type ' || m[2]?.startsWith('type') === true };
    }),
  );
}

/** `file -> specifier` for each import from `area` into one of `forbidden`. */
function crossings(area: string, forbidden: readonly string[], options: { valuesOnly?: boolean } = {}): string[] {
  return tsFiles(join('src', area))
    .flatMap(importsOf)
    .filter(
      (edge) => edge.layer !== undefined && forbidden.includes(edge.layer) && !(options.valuesOnly && edge.typeOnly),
    )
    .map((edge) => `${edge.file} -> ${edge.specifier}`);
}

describe('architecture', () => {
  it('keeps the core free of the shells: no import (static or dynamic) of cli, extension or webview', () => {
    assert.deepEqual(crossings('core', ['cli', 'extension', 'webview']), []);
  });

  it('keeps the extension off the CLI: what both need lives in the core', () => {
    assert.deepEqual(crossings('extension', ['cli']), []);
  });

  it('lets src/shared (bundled into the webview) take only types from the core and the shells', () => {
    assert.deepEqual(crossings('shared', ['core', 'extension', 'cli', 'webview'], { valuesOnly: true }), []);
  });

  it('runs our own commands through the typed executeCommand, not raw id strings', () => {
    const offenders = tsFiles('src/extension').filter((file) =>
      /commands\.executeCommand(<[^>]*>)?\(\s*['"`]oidcFlow\./.test(readFileSync(file, 'utf8')),
    );
    assert.deepEqual(offenders, []);
  });

  it('keeps src/core, src/shared, src/cli and src/webview free of the vscode API', () => {
    const offenders = ['src/core', 'src/shared', 'src/cli', 'src/webview']
      .flatMap(tsFiles)
      .filter((file) => /from\s+['"]vscode['"]|require\(\s*['"]vscode['"]\s*\)/.test(readFileSync(file, 'utf8')));
    assert.deepEqual(offenders, []);
  });

  it('calls no URL.parse, which VS Code 1.90 and Node before 20.18 lack (tryUrl in src/core/url.ts instead)', () => {
    const offenders = tsFiles('src').filter((file) => /\bURL\.parse\(/.test(readFileSync(file, 'utf8')));
    assert.deepEqual(offenders, []);
  });

  it('has no default exports in src', () => {
    const offenders = tsFiles('src').filter((file) => /export\s+default\b/.test(readFileSync(file, 'utf8')));
    assert.deepEqual(offenders, []);
  });
});
