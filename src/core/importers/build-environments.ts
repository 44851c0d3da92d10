import type { ScalarValue, ValueMap } from '../flow/file-format';
import { escapeSecretRefs } from '../flow/secret-ref';
import type { DynamicVariable } from './template-converter';
import { envKey, parseSourceTemplate } from './source-template';
import type { NotCarried, SourceEnvironment, TemplateDialect } from './types';

/**
 * Prepares the export's environments for the flow file. Flow-file
 * environment values are plain (no templates), so references between values
 * are resolved here, nested objects are flattened (`okta.domain` →
 * `okta_domain`), and values that hold a tag (Insomnia's `{% response %}`
 * chaining lives in environments) become dynamic variables expanded where
 * they are used.
 */

export interface PreparedEnvironments {
  /** Per environment, by its export name: flow-file key → value. */
  environments: Array<{ name: string; values: ValueMap }>;
  /** Variables whose value comes from a request: by their name in the export. */
  dynamic: Map<string, DynamicVariable>;
}

const MAX_DEPTH = 5;

function flatten(
  values: Record<string, unknown>,
  prefix: string,
  out: Map<string, unknown>,
  envName: string,
  notCarried: NotCarried[],
): void {
  for (const [key, value] of Object.entries(values)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (value === null || value === undefined) continue;
    if (Array.isArray(value)) {
      notCarried.push({
        item: `environment "${envName}" > ${name}`,
        reason:
          'a list value has no place in flow-file environments (values are text, numbers or booleans); it was left out.',
      });
    } else if (typeof value === 'object') flatten(value as Record<string, unknown>, name, out, envName, notCarried);
    else out.set(name, value);
  }
}

function mentions(text: string, dialect: TemplateDialect): string[] {
  return parseSourceTemplate(text, dialect).flatMap((p) => (p.kind === 'var' ? [p.name] : []));
}

function hasTag(text: string, dialect: TemplateDialect): boolean {
  return parseSourceTemplate(text, dialect).some((p) => p.kind === 'tag');
}

/** Flattens, finds dynamic variables and resolves references between plain values. */
export function prepareEnvironments(
  sources: SourceEnvironment[],
  dialect: TemplateDialect,
  notCarried: NotCarried[],
): PreparedEnvironments {
  const flat = sources.map((env) => {
    const values = new Map<string, unknown>();
    flatten(env.values, '', values, env.name, notCarried);
    return { name: env.name, values };
  });

  // A value is dynamic when it holds a tag, or mentions a dynamic value.
  const dynamic = new Map<string, DynamicVariable>();
  let grew = true;
  while (grew) {
    grew = false;
    for (const env of flat) {
      for (const [name, value] of env.values) {
        if (dynamic.has(name) || typeof value !== 'string') continue;
        if (hasTag(value, dialect) || mentions(value, dialect).some((m) => dynamic.has(m))) {
          dynamic.set(name, { kind: 'source', text: value });
          grew = true;
        }
      }
    }
  }
  for (const [name, variable] of dynamic) {
    const differing = flat.filter(
      (env) => env.values.has(name) && env.values.get(name) !== (variable as { text: string }).text,
    );
    for (const env of differing) {
      notCarried.push({
        item: `environment "${env.name}" > ${name}`,
        reason: `its value differs from the one chained from a response in another environment; flow files chain the same way in every environment, so the first one is used.`,
      });
    }
  }

  const environments = flat.map((env) => {
    const values: ValueMap = {};
    const resolve = (text: string, depth: number, field: string): string => {
      let out = '';
      for (const part of parseSourceTemplate(text, dialect)) {
        // `${env:X}` written in the export is text, never a reference the run resolves.
        if (part.kind === 'text') out += escapeSecretRefs(part.text);
        else if (part.kind === 'var' && env.values.has(part.name) && depth < MAX_DEPTH) {
          const inner = env.values.get(part.name);
          out += typeof inner === 'string' ? resolve(inner, depth + 1, field) : String(inner);
        } else {
          notCarried.push({
            item: `environment "${env.name}" > ${field}`,
            reason: `${part.kind === 'var' ? `it reads ${part.name}, which this environment does not define` : `${part.source.slice(0, 40)} cannot be worked out when importing`}; that part was left out.`,
          });
        }
      }
      return out;
    };
    for (const [name, value] of env.values) {
      if (dynamic.has(name)) continue;
      const scalar: ScalarValue =
        typeof value === 'string'
          ? resolve(value, 0, name)
          : typeof value === 'number' || typeof value === 'boolean'
            ? value
            : String(value);
      values[envKey(name)] = scalar;
    }
    return { name: env.name, values };
  });
  return { environments, dynamic };
}
