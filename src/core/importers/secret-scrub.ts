import { jwtInText } from '../jwt/token-patterns';
import type { FlowFile } from '../flow/file-format';
import { findLiteralSecrets } from '../flow/literal-secrets';
import type { DataPath } from '../flow/source-map';
import { formatDataPath } from '../flow/source-map';
import { escapeSecretRefs, secretRefPattern } from '../flow/secret-ref';
import type { SecretNamer } from './secret-names';
import type { SecretUse } from './types';
import { literalPart } from './secret-names';

/**
 * The last line of defence: whatever the flow-file loader would reject as a
 * literal secret (environment values used as secrets, credential headers,
 * secret-named body fields, tokens in URLs, anything that looks like a JWT)
 * is replaced by a reference here, so no secret reaches the YAML.
 */

const JWT = jwtInText('g');
const URL_USERINFO = /^([a-z][a-z0-9+.-]*:\/\/[^/@\s?#:]+:)([^/@\s?#]+)(@)/i;
const URL_SECRET_PARAM =
  /([?&](client_secret|access_token|refresh_token|id_token|password|api_key|apikey|client_assertion)=)([^&#]*)/gi;
const AUTH_SCHEME = /^(\s*(?:bearer|basic|dpop|token|negotiate|digest|mac)\s+)/i;
const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'dpop']);

function getAt(root: unknown, path: DataPath): unknown {
  let current = root;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}

function setAt(root: unknown, path: DataPath, value: unknown): void {
  const parent = getAt(root, path.slice(0, -1));
  if (parent !== null && typeof parent === 'object')
    (parent as Record<string | number, unknown>)[path[path.length - 1]!] = value;
}

/** A readable place: `step get-orders > headers.Authorization` or `environments.dev.clientSecret`. */
function describe(file: FlowFile, path: DataPath): string {
  if (path[0] === 'flows' && path[2] === 'steps' && typeof path[3] === 'number') {
    const step = file.flows?.[String(path[1])]?.steps[path[3]];
    const rest = formatDataPath(path.slice(4));
    return `flows.${String(path[1])} step ${step?.id ?? path[3]}${rest ? ` > ${rest}` : ''}`;
  }
  return formatDataPath(path);
}

function preferredName(file: FlowFile, path: DataPath, field?: string): string[] {
  const last = field ?? [...path].reverse().find((s): s is string => typeof s === 'string') ?? 'secret';
  if (path[0] === 'environments') {
    const several = Object.keys(file.environments ?? {}).length > 1;
    return several ? [String(path[1]), last] : [last];
  }
  if (path[0] === 'idps' || path[0] === 'routes') return [String(path[1]), last];
  if (path[0] === 'flows' && typeof path[3] === 'number') {
    const step = file.flows?.[String(path[1])]?.steps[path[3]];
    return [step?.id ?? 'step', last];
  }
  return [last];
}

function scrubString(file: FlowFile, path: DataPath, value: string, namer: SecretNamer): string {
  const where = describe(file, path);
  const ref = (secret: string, ...name: string[]) => namer.reference(secret, name.join('_'), where);
  const literal = literalPart(value);
  if (jwtInText().test(literal)) return value.replace(JWT, (jwt) => ref(jwt, ...preferredName(file, path), 'token'));
  const userinfo = URL_USERINFO.exec(value);
  if (userinfo && literalPart(userinfo[2]!).trim() !== '') {
    return value.replace(
      URL_USERINFO,
      (_all, head: string, secret: string, at: string) =>
        `${head}${ref(secret, ...preferredName(file, path, 'password'))}${at}`,
    );
  }
  if (new RegExp(URL_SECRET_PARAM.source, 'i').test(literal)) {
    return value.replace(URL_SECRET_PARAM, (all, head: string, param: string, secret: string) =>
      literalPart(secret).trim() === '' ? all : `${head}${ref(secret, ...preferredName(file, path, param))}`,
    );
  }
  const header = path[path.length - 2] === 'headers' ? String(path[path.length - 1]).toLowerCase() : undefined;
  if (header !== undefined && CREDENTIAL_HEADERS.has(header) && header !== 'cookie') {
    const scheme = AUTH_SCHEME.exec(value)?.[1] ?? '';
    const secret = value.slice(scheme.length);
    return `${scheme}${ref(secret, ...preferredName(file, path))}`;
  }
  return ref(value, ...preferredName(file, path));
}

/** Replaces every literal secret the loader would reject; returns the number replaced. */
export function scrubLiteralSecrets(file: FlowFile, namer: SecretNamer): number {
  let replaced = 0;
  // A few rounds: replacing an environment value can reveal nothing new, but a
  // JWT inside a URL with a password also needs the second pass.
  for (let round = 0; round < 4; round++) {
    const problems = findLiteralSecrets(file);
    if (problems.length === 0) break;
    let changed = false;
    for (const problem of problems) {
      const value = getAt(file, problem.path);
      if (typeof value !== 'string' && typeof value !== 'number') continue;
      const next = scrubString(file, problem.path, String(value), namer);
      if (next !== String(value)) {
        setAt(file, problem.path, next);
        changed = true;
        replaced += 1;
      }
    }
    if (!changed) break;
  }
  return replaced;
}

/** Any text that can stand for a value a person fills in; it only has to be non-empty and look like no token. */
const PROBE = 'x';

/**
 * Environment values the export left empty that the loader would refuse once
 * filled in (a secret-named key such as `password`, or a value a secret field
 * reads through `{{env.X}}`) become `${env:NAME}` references now, so the
 * advice is never "fill it in" for a value the file may not hold. Returns the
 * environment keys so replaced.
 */
export function referenceEmptySecrets(file: FlowFile, namer: SecretNamer): Set<string> {
  const empty: Array<[string, string]> = [];
  for (const [env, values] of Object.entries(file.environments ?? {}))
    for (const [key, value] of Object.entries(values)) if (value === '') empty.push([env, key]);
  if (empty.length === 0) return new Set();
  // One probe for all of them: the loader names each value it would refuse.
  for (const [env, key] of empty) file.environments![env]![key] = PROBE;
  const refused = new Set(
    findLiteralSecrets(file)
      .filter((p) => p.path.length === 3 && p.path[0] === 'environments')
      .map((p) => `${String(p.path[1])}\u0000${String(p.path[2])}`),
  );
  const keys = new Set<string>();
  for (const [env, key] of empty) {
    if (refused.has(`${env}\u0000${key}`)) {
      file.environments![env]![key] = namer.declare(key, `environments.${env}.${key}`);
      keys.add(key);
    } else file.environments![env]![key] = '';
  }
  return keys;
}

function escapeForeign(value: unknown, namer: SecretNamer): unknown {
  // A reference starts with "${"; most strings have none and skip the fresh regex (issue #14, CLI start).
  if (typeof value === 'string')
    return !value.includes('${')
      ? value
      : value.replace(secretRefPattern(), (ref, _kind: string, name: string) =>
          namer.owns(name) ? ref : escapeSecretRefs(ref),
        );
  if (Array.isArray(value)) return value.map((v) => escapeForeign(v, namer));
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, escapeForeign(v, namer)]));
  return value;
}

/**
 * The backstop behind escaping at each conversion: a reference the importer
 * did not make came from the export and is made literal text, so every
 * variable the flow reads is one the import lists.
 */
export function escapeForeignReferences(file: FlowFile, namer: SecretNamer): FlowFile {
  return escapeForeign(file, namer) as FlowFile;
}

/** Every environment variable the flow reads (`${env:NAME}` anywhere in it), with where it is read. */
export function environmentVariablesRead(file: FlowFile, namer: SecretNamer): SecretUse[] {
  const seen = new Map<string, string[]>();
  const visit = (value: unknown, path: DataPath): void => {
    if (typeof value === 'string') {
      if (!value.includes('${')) return;
      for (const m of value.matchAll(secretRefPattern()))
        if (m[1] === 'env') {
          const places = seen.get(m[2]!) ?? [];
          places.push(describe(file, path));
          seen.set(m[2]!, places);
        }
    } else if (Array.isArray(value)) value.forEach((v, i) => visit(v, [...path, i]));
    else if (value !== null && typeof value === 'object')
      for (const [k, v] of Object.entries(value)) visit(v, [...path, k]);
  };
  visit(file, []);
  // The importer's own in the order it made them, then any other (none, once foreign ones are escaped).
  const own = namer.list().filter((use) => seen.has(use.name));
  const other = [...seen]
    .filter(([name]) => !namer.owns(name))
    .map(([name, places]) => ({ name, where: [...new Set(places)].join('; ') }));
  return [...own, ...other];
}
