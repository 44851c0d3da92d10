/**
 * The results view follows the VS Code theme (light, dark, high contrast)
 * because every colour it paints comes from the theme's CSS variables, which
 * VS Code sets on the webview for the active theme: no colour is written
 * into the stylesheet or the view's code except as the fallback of such a
 * variable, and the high-contrast themes get their contrast borders.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..');
const css = readFileSync(join(root, 'media', 'results.css'), 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
const COLOUR_LITERAL =
  /#[0-9a-fA-F]{3,8}\b|\b(?:rgba?|hsla?)\(|\b(?:white|black|red|green|blue|gray|grey|yellow|orange|purple)\b/;
const COLOUR_PROPERTY =
  /^(?:color|background(?:-color)?|border(?:-(?:top|right|bottom|left))?(?:-color)?|outline(?:-color)?|fill|stroke|box-shadow|text-decoration-color|caret-color)$/;

/** Every `property: value` declaration, with the selector it belongs to. */
function declarations(): Array<{ selector: string; property: string; value: string }> {
  const out: Array<{ selector: string; property: string; value: string }> = [];
  for (const block of css.matchAll(/([^{}]+)\{([^{}]*)\}/g)) {
    const selector = block[1]!.trim();
    for (const part of block[2]!.split(';')) {
      const colon = part.indexOf(':');
      if (colon < 0) continue;
      out.push({ selector, property: part.slice(0, colon).trim(), value: part.slice(colon + 1).trim() });
    }
  }
  return out;
}

/** The value with every `var(--vscode-…, fallback)` fallback removed (the part the theme overrides). */
function withoutFallbacks(value: string): string {
  let text = value;
  for (let i = 0; i < 5; i++) text = text.replace(/var\((--[\w-]+)\s*,[^()]*(?:\([^()]*\)[^()]*)*\)/g, 'var($1)');
  return text;
}

describe('the results view follows the VS Code theme', function () {
  const all = declarations();

  it('paints every colour from a theme variable (a literal only as the fallback of a --vscode-* variable)', function () {
    const painted = all.filter((d) => COLOUR_PROPERTY.test(d.property));
    assert.ok(painted.length > 20, `found only ${painted.length} colour declarations: the parser is off`);
    const fixed = painted.filter(
      (d) =>
        COLOUR_LITERAL.test(withoutFallbacks(d.value)) ||
        (!/var\(--/.test(d.value) &&
          !/^(?:none|0|transparent|inherit|currentColor)$/.test(d.value) &&
          !/^\d/.test(d.value)),
    );
    assert.deepEqual(
      fixed.map((d) => `${d.selector} { ${d.property}: ${d.value} }`),
      [],
      'colours that ignore the theme',
    );
    // The view's own variables must themselves come from the theme.
    const own = all.filter((d) => d.property.startsWith('--'));
    assert.ok(own.length > 0);
    // A text colour may mix two of them (a status colour pulled toward the foreground, for contrast).
    const mixOfTheme = /^color-mix\(in srgb, var\(--[\w-]+\) \d+%, var\(--vscode-[\w-]+\)\)$/;
    for (const d of own)
      assert.ok(
        /^var\(--vscode-/.test(d.value) || mixOfTheme.test(d.value),
        `${d.property} does not come from the theme: ${d.value}`,
      );
  });

  it('draws contrast borders in the high-contrast themes (dark and light)', function () {
    const hc = all.filter((d) => /body\.vscode-high-contrast\b/.test(d.selector));
    assert.ok(
      hc.some((d) => /var\(--vscode-contrastBorder\)/.test(d.value)),
      'no rule uses --vscode-contrastBorder for high contrast',
    );
    assert.ok(
      all.some((d) => /body\.vscode-high-contrast-light\b/.test(d.selector)),
      'the light high-contrast theme has no rule',
    );
  });

  it("writes no colour in the view's code (everything goes through the stylesheet)", function () {
    const dir = join(root, 'src', 'webview');
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
      const code = readFileSync(join(dir, file), 'utf8');
      assert.doesNotMatch(
        code,
        /#[0-9a-fA-F]{6}\b|\brgba?\(|style\.(?:color|background)/,
        `${file} paints a colour itself`,
      );
    }
  });
});
