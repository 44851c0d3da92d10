import type { SecretUse } from './types';

/**
 * Secrets found in an export become `${env:NAME}` references with names a
 * person can read (OKTA_CLIENT_SECRET). The same secret used in two places
 * gets one name; two different secrets never share one. Values are kept only
 * to redact them from reports and are never returned.
 */

// Escaped references (`\${env:X}`, text from the export) are literal text, not references.
const REF = /(?<!\\)\$\{(?:env|secret):[A-Za-z0-9_.\-/]+\}/g;
const TEMPLATE = /\{\{[\s\S]*?\}\}/g;

/** The text a person wrote, without `{{ }}` templates and `${env:…}` references. */
export function literalPart(value: string): string {
  return value
    .replace(/\\\{\{/g, '{{')
    .replace(TEMPLATE, '')
    .replace(REF, '');
}

/** True when the value holds something besides templates and references. */
export function isLiteralSecret(value: string | undefined): value is string {
  return value !== undefined && literalPart(value).trim() !== '';
}

/** Turns words into an environment variable name: `okta dev` + `clientSecret` → OKTA_DEV_CLIENT_SECRET. */
export function envVarName(...words: string[]): string {
  const name = words
    .filter((w) => w !== '')
    .map((w) => w.replace(/([a-z0-9])([A-Z])/g, '$1_$2'))
    .join('_')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toUpperCase();
  if (name === '') return 'SECRET';
  return /^[0-9]/.test(name) ? `X_${name}` : name;
}

/**
 * A user's password and a client secret are different credentials even when
 * an export holds the same text for both (a test user's password set to the
 * app's secret): each kind gets its own variable, so changing one never
 * silently changes the other.
 */
function kindOf(name: string): 'password' | 'secret' {
  return /PASSWORD$/.test(name) ? 'password' : 'secret';
}

export class SecretNamer {
  /** Names by kind and value (`kind\0value`). */
  private readonly byValue = new Map<string, string>();
  /** Secrets the export left empty, by the name they were asked for: they have no value to key on. */
  private readonly declared = new Map<string, string>();
  private readonly values = new Set<string>();
  private readonly uses = new Map<string, string[]>();

  private use(name: string, where: string): string {
    const places = this.uses.get(name)!;
    if (!places.includes(where)) places.push(where);
    return `\${env:${name}}`;
  }

  private fresh(preferred: string): string {
    const base = envVarName(preferred);
    let name = base;
    for (let n = 2; this.uses.has(name); n++) name = `${base}_${n}`;
    this.uses.set(name, []);
    return name;
  }

  /** The reference for a secret value, inventing a name from `preferred` the first time. */
  reference(value: string, preferred: string, where: string): string {
    const base = envVarName(preferred);
    const key = `${kindOf(base)}\u0000${value}`;
    let name = this.byValue.get(key);
    if (name === undefined) {
      name = this.fresh(preferred);
      this.byValue.set(key, name);
      this.values.add(value);
    }
    return this.use(name, where);
  }

  /** The reference for a secret the export has no value for; one name per `preferred`. */
  declare(preferred: string, where: string): string {
    let name = this.declared.get(preferred);
    if (name === undefined) {
      name = this.fresh(preferred);
      this.declared.set(preferred, name);
    }
    return this.use(name, where);
  }

  /** True when the importer made this variable name (any other reference in the flow came from the export). */
  owns(name: string): boolean {
    return this.uses.has(name);
  }

  /** The variables to set, in the order they were found. */
  list(): SecretUse[] {
    return [...this.uses.entries()].map(([name, places]) => ({ name, where: places.join('; ') }));
  }

  /** Replaces every known secret value inside `text` (for reports built from the export). */
  redact(text: string): string {
    let out = text;
    // Longest first, so a secret that contains another is replaced whole.
    for (const value of [...this.values].sort((a, b) => b.length - a.length)) {
      if (value.length >= 4) out = out.split(value).join('***');
    }
    return out;
  }
}
