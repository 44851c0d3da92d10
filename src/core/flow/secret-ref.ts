import { OidcError } from '../errors';

/**
 * Secret references: `${env:NAME}` (read from the process environment, the
 * CLI's way) and `${secret:KEY}` (read from the editor's secret storage).
 * The flow file holds only these; values are looked up at run time.
 * A backslash before one (`\${env:NAME}`) makes it literal text: importers
 * write text from someone else's export that way, so a collection from the
 * internet cannot make a run read and send the user's variables.
 */
export interface SecretRef {
  kind: 'env' | 'secret';
  name: string;
  /** The reference as written, e.g. `${env:OKTA_CLIENT_SECRET}`. */
  text: string;
}

/** Where references are resolved from; either may be missing (the CLI has no secret store). */
export interface SecretSources {
  env?: Record<string, string | undefined>;
  secrets?: Record<string, string | undefined> | ((key: string) => string | undefined);
  /** Told every value a reference resolved to, so a run can redact what it read (SecretRegistry). */
  onRead?: (value: string, ref: SecretRef) => void;
}

/** Environment variables whose names say they hold a credential; `${secret:KEY}` always does. */
const SECRET_ENV_NAME = /SECRET|TOKEN|PASSWORD|PASSWD|API_?KEY|PRIVATE|CREDENTIAL|ASSERTION/i;

/**
 * Whether the value of this reference is a secret to mask wherever it shows up again. An
 * `${env:OKTA_DOMAIN}` is not: masking it would hide every URL of the report.
 */
export function isSecretValueRef(ref: Pick<SecretRef, 'kind' | 'name'>): boolean {
  return ref.kind === 'secret' || SECRET_ENV_NAME.test(ref.name);
}

const REF_SOURCE = String.raw`\$\{(env|secret):([A-Za-z0-9_.\-/]+)\}`;
const WHOLE_REF = new RegExp(`^${REF_SOURCE}$`);
/** A reference, or an escaped one (group 1 is the backslash): one pass tells them apart. */
const REF_OR_ESCAPED = new RegExp(String.raw`(\\?)${REF_SOURCE}`, 'g');

/** A fresh global regex matching every reference in a string (escaped ones, `\${…}`, are text and not matched). */
export function secretRefPattern(): RegExp {
  return new RegExp(String.raw`(?<!\\)${REF_SOURCE}`, 'g');
}

/** Makes every reference in `text` literal (`${env:X}` → `\${env:X}`), for text that must never be resolved. */
export function escapeSecretRefs(text: string): string {
  // Every reference starts with "${": an import escapes each string of the export, nearly all without one.
  if (!text.includes('${')) return text;
  return text.replace(secretRefPattern(), (ref) => `\\${ref}`);
}

/** The reference when `value` is exactly one reference, else undefined. */
export function parseSecretRef(value: string): SecretRef | undefined {
  const match = WHOLE_REF.exec(value);
  return match ? { kind: match[1] as SecretRef['kind'], name: match[2]!, text: value } : undefined;
}

/** True when `value` is exactly one secret reference. */
export function isSecretRef(value: unknown): value is string {
  return typeof value === 'string' && WHOLE_REF.test(value);
}

/** Every reference inside strings of `value` (objects and arrays walked), so a shell can prefetch secrets. */
export function findSecretRefs(value: unknown): SecretRef[] {
  const found = new Map<string, SecretRef>();
  const visit = (v: unknown): void => {
    if (typeof v === 'string') {
      for (const m of v.matchAll(secretRefPattern()))
        found.set(m[0], { kind: m[1] as SecretRef['kind'], name: m[2]!, text: m[0] });
    } else if (Array.isArray(v)) v.forEach(visit);
    else if (v !== null && typeof v === 'object') Object.values(v).forEach(visit);
  };
  visit(value);
  return [...found.values()];
}

/** Looks a reference up; throws `secret.missing` / `secret.unavailable` naming the variable or key (never a value). */
export function resolveSecretRef(ref: string | SecretRef, sources: SecretSources, where?: string): string {
  const parsed = typeof ref === 'string' ? parseSecretRef(ref) : ref;
  if (!parsed) {
    throw new OidcError(
      'secret.malformed',
      `'${typeof ref === 'string' ? ref.slice(0, 60) : ''}' is not a secret reference.`,
      {
        where,
        hint: 'Write ${env:NAME} for an environment variable or ${secret:KEY} for the VS Code secret store.',
      },
    );
  }
  if (parsed.kind === 'env') {
    const value = sources.env?.[parsed.name];
    if (value === undefined || value === '') {
      throw new OidcError(
        'secret.missing',
        `The environment variable ${parsed.name} is ${value === '' ? 'empty' : 'not set'} (referenced as ${parsed.text}${where ? ` in ${where}` : ''}).`,
        {
          where,
          hint: `Set ${parsed.name} before running (e.g. export ${parsed.name}=...), or point the reference at another variable.`,
        },
      );
    }
    sources.onRead?.(value, parsed);
    return value;
  }
  const store = sources.secrets;
  if (store === undefined) {
    throw new OidcError(
      'secret.unavailable',
      `${parsed.text}${where ? ` in ${where}` : ''} reads the editor's secret store, which is not available here.`,
      {
        where,
        hint: 'Run the flow from VS Code, or use ${env:NAME} references for the CLI.',
      },
    );
  }
  const value = typeof store === 'function' ? store(parsed.name) : store[parsed.name];
  if (value === undefined || value === '') {
    throw new OidcError(
      'secret.missing',
      `No secret is stored under the key '${parsed.name}' (referenced as ${parsed.text}${where ? ` in ${where}` : ''}).`,
      {
        where,
        hint: `Store it with the command "OIDC Flow: Store Secret" and the key '${parsed.name}'.`,
      },
    );
  }
  sources.onRead?.(value, parsed);
  return value;
}

/** Replaces every reference inside a string; text around the references is kept, escaped ones become plain text. */
export function interpolateSecretRefs(text: string, sources: SecretSources, where?: string): string {
  return text.replace(REF_OR_ESCAPED, (whole, escape: string) =>
    escape ? whole.slice(1) : resolveSecretRef(whole, sources, where),
  );
}
