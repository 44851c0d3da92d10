import type { ErrorObject, ValidateFunction } from 'ajv';
import { didYouMean } from './did-you-mean';
import { STEP_TYPES } from './file-format';
import { flowValidator } from './schema-precompiled';
import type { DataPath } from './source-map';
import { formatDataPath, pointerToPath } from './source-map';

/** A schema violation in people's words, with where it points. */
export interface SchemaProblem {
  path: DataPath;
  /** Point at the key rather than the value (unknown or missing fields). */
  atKey: boolean;
  message: string;
  hint?: string;
}

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  compiled ??= flowValidator();
  return compiled;
}

function kindOf(value: unknown): string {
  if (value === null) return 'nothing (null)';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)?.slice(0, 40)}`;
}

const TYPE_WORDS: Record<string, string> = {
  object: 'a mapping (key: value)',
  array: 'a list',
  string: 'text',
  number: 'a number',
  integer: 'a whole number',
  boolean: 'true or false',
};

function typeWords(type: unknown): string {
  const types = Array.isArray(type) ? type : [type];
  return types.map((t) => TYPE_WORDS[String(t)] ?? String(t)).join(' or ');
}

function label(path: DataPath): string {
  return path.length === 0 ? 'the file' : formatDataPath(path);
}

function describeError(error: ErrorObject, data: unknown): SchemaProblem | undefined {
  const path = pointerToPath(error.instancePath, data);
  const where = label(path);
  const parent = (error.parentSchema ?? {}) as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const field = String(error.params.additionalProperty);
      const known = Object.keys((parent.properties as Record<string, unknown> | undefined) ?? {}).filter(
        (k) => k !== '$schema',
      );
      return {
        path: [...path, field],
        atKey: true,
        message: `Unknown field '${field}' in ${where}${didYouMean(field, known) || '.'}`,
        hint: known.length > 0 ? `The fields here are: ${known.join(', ')}.` : undefined,
      };
    }
    case 'required': {
      const field = String(error.params.missingProperty);
      if (field === 'type' && 'discriminator' in parent) {
        return { path, atKey: true, message: `${where} has no 'type'; a step needs one of: ${STEP_TYPES.join(', ')}.` };
      }
      const condition = /\/allOf\/\d+\/then\//.test(error.schemaPath) ? conditionText(data, path) : '';
      return { path, atKey: true, message: `${where} is missing the field '${field}'${condition}.` };
    }
    case 'enum': {
      const allowed = (error.params.allowedValues as unknown[]).map(String);
      const value = String(error.data);
      return {
        path,
        atKey: false,
        message: `${where} is '${value}'; expected one of: ${allowed.join(', ')}${didYouMean(value, allowed) || '.'}`,
      };
    }
    case 'const':
      return {
        path,
        atKey: false,
        message: `${where} must be ${JSON.stringify(error.params.allowedValue)}, not ${kindOf(error.data)}.`,
      };
    case 'type':
      return {
        path,
        atKey: false,
        message:
          path.length === 0
            ? `The file must be a mapping with 'version: 1' at the top, not ${kindOf(error.data)}.`
            : `${where} must be ${typeWords(error.params.type)}, not ${kindOf(error.data)}.`,
      };
    case 'pattern':
      return {
        path,
        atKey: false,
        message: `${where}: ${typeof parent.patternErrorMessage === 'string' ? parent.patternErrorMessage : `'${String(error.data)}' does not match ${String(error.params.pattern)}.`}`,
      };
    case 'discriminator':
      // The enum on `type` and the required check already report this, in better words.
      return undefined;
    case 'oneOf':
    case 'anyOf':
      if (typeof parent.errorMessage === 'string')
        return { path, atKey: true, message: `${where}: ${parent.errorMessage}` };
      return { path, atKey: false, message: `${where} is not valid: ${anyOfSummary(parent)}.` };
    case 'if':
      return undefined;
    default:
      return { path, atKey: false, message: `${where} ${error.message ?? 'is not valid'}.` };
  }
}

function anyOfSummary(schema: Record<string, unknown>): string {
  const branches = (schema.anyOf ?? schema.oneOf) as Array<Record<string, unknown>> | undefined;
  const words = (branches ?? []).map((b) => ('const' in b ? JSON.stringify(b.const) : typeWords(b.type ?? 'value')));
  return `expected ${[...new Set(words)].join(' or ')}`;
}

function conditionText(data: unknown, path: DataPath): string {
  let node = data;
  for (const segment of path) node = (node as Record<string, unknown> | undefined)?.[segment as string];
  const auth = (node as Record<string, unknown> | undefined)?.clientAuth;
  return typeof auth === 'string' ? ` (clientAuth ${auth} needs it; write it as a reference such as \${env:NAME})` : '';
}

/**
 * Validates parsed data against the schema and returns problems in people's words.
 * Errors that only restate a more specific one (branch failures under anyOf/oneOf/if) are dropped.
 */
export function checkAgainstSchema(data: unknown): SchemaProblem[] {
  const validate = validator();
  if (validate(data)) return [];
  const errors = validate.errors ?? [];
  // A summarised oneOf/anyOf speaks for the errors of its branches.
  const summaries = errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf');
  const kept = errors.filter(
    (e) =>
      !summaries.some(
        (s) => s !== e && e.instancePath.startsWith(s.instancePath) && e.schemaPath.startsWith(`${s.schemaPath}/`),
      ),
  );
  const problems: SchemaProblem[] = [];
  const seen = new Set<string>();
  for (const error of kept) {
    const problem = describeError(error, data);
    if (!problem) continue;
    const key = `${formatDataPath(problem.path)}|${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    problems.push(problem);
  }
  return problems;
}
