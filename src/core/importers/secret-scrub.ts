import type { FlowFile } from '../flow/file-format';
import { findLiteralSecrets } from '../flow/literal-secrets';
import type { DataPath } from '../flow/source-map';
import { formatDataPath } from '../flow/source-map';
import type { SecretNamer } from './secret-names';
import { literalPart } from './secret-names';

/**
 * The last line of defence: whatever the flow-file loader would reject as a
 * literal secret (environment values used as secrets, credential headers,
 * secret-named body fields, tokens in URLs, anything that looks like a JWT)
 * is replaced by a reference here, so no secret reaches the YAML.
 */

const JWT = /eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g;
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
  if (new RegExp(JWT.source).test(literal))
    return value.replace(JWT, (jwt) => ref(jwt, ...preferredName(file, path), 'token'));
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
