import { jwtInText } from '../jwt/token-patterns';
import { secretRefPattern } from './secret-ref';
import type { DataPath } from './source-map';
import { formatDataPath } from './source-map';
import { parseTemplate } from './template';

/**
 * Finds secrets written into a flow file. Flow files are shared and committed,
 * so a secret-valued field may hold only references (`${env:NAME}`,
 * `${secret:KEY}`) or templates that lead to references; anything else is
 * reported, without ever repeating the value.
 */
export interface LiteralSecretProblem {
  path: DataPath;
  message: string;
  hint: string;
}

/** Fields that are secrets by position, whatever their name would suggest. */
const IDP_SECRET_FIELDS = new Set(['clientSecret', 'privateKey', 'certificate', 'apiToken']);
const STEP_SECRET_FIELDS = new Set(['password', 'refreshToken', 'subjectToken', 'actorToken', 'token']);

/** Key names that hold secrets wherever they appear (compared lower-case without - and _). */
const SECRET_NAMES = new Set([
  'clientsecret',
  'password',
  'passwd',
  'secret',
  'privatekey',
  'clientassertion',
  'assertion',
  'accesstoken',
  'refreshtoken',
  'idtoken',
  'subjecttoken',
  'actortoken',
  'apikey',
  'xapikey',
  'token',
  'authtoken',
  'xauthtoken',
  'xaccesstoken',
  'bearertoken',
]);
const CREDENTIAL_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'dpop']);
const AUTH_SCHEMES = /^\s*(bearer|basic|dpop|token|negotiate|digest|mac)\b/i;
const JWT = jwtInText();
const URL_USERINFO = /^[a-z][a-z0-9+.-]*:\/\/[^/@\s?#]+:[^/@\s?#]+@/i;
const URL_SECRET_PARAM =
  /[?&](client_secret|access_token|refresh_token|id_token|password|api_key|apikey|client_assertion)=([^&#]*)/gi;
/** Subtrees that describe checks, not requests: their keys are fixed words, not credential names. */
const SKIPPED_KEYS = new Set(['assert', 'until', 'description', 'name', 'message']);

function normalise(key: string): string {
  return key.toLowerCase().replace(/[-_]/g, '');
}

function isSecretName(key: string): boolean {
  const n = normalise(key);
  return SECRET_NAMES.has(n) || n.endsWith('secret') || n.endsWith('password');
}

/**
 * Removes every `{{...}}` with no `}` inside, in one pass: the regex
 * /\{\{[^}]*\}\}/g rescans to the end from each of 20,000 unclosed `{{`.
 */
export function stripTemplateLike(text: string): string {
  let out = '';
  let from = 0;
  for (let open = text.indexOf('{{'); open >= 0;) {
    const close = text.indexOf('}', open + 2);
    if (close < 0) break;
    if (text[close + 1] === '}') {
      out += text.slice(from, open);
      from = close + 2;
      open = text.indexOf('{{', from);
    } else open = text.indexOf('{{', close + 1);
  }
  return out + text.slice(from);
}

/** Removes templates and secret references, leaving the literal text a person wrote. */
function literalPart(text: string): string {
  // Both start with a brace: most values of a flow file (ids, paths, names) have none, and
  // are their own literal part without a template parse and a regex per value.
  if (!text.includes('{')) return text;
  let withoutTemplates: string;
  try {
    withoutTemplates = parseTemplate(text)
      .map((p) => (p.kind === 'text' ? p.text : ''))
      .join('');
  } catch {
    // Broken templates are reported elsewhere; strip what looks like one.
    withoutTemplates = stripTemplateLike(text);
  }
  return withoutTemplates.replace(secretRefPattern(), '');
}

function envNameFor(path: DataPath): string {
  const strings = path.filter((s): s is string => typeof s === 'string');
  const field = strings[strings.length - 1] ?? 'SECRET';
  const owner = path[0] === 'idps' && typeof path[1] === 'string' ? path[1] : '';
  const snake = (s: string) =>
    s
      .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
      .replace(/[^A-Za-z0-9]+/g, '_')
      .toUpperCase();
  return (
    [owner, field]
      .filter(Boolean)
      .map(snake)
      .join('_')
      .replace(/^_+|_+$/g, '') || 'SECRET'
  );
}

function referenceHint(path: DataPath, text?: string): string {
  const name = envNameFor(path);
  const near = text !== undefined ? nearMissRef(text) : undefined;
  const lead = near
    ? `'${near}' is not a reference; write \${env:${near.replace(/^\$\{?|\}$/g, '').replace(/^env:/, '')}} instead. `
    : '';
  return `${lead}Write \${env:${name}} and set ${name} in the environment (CLI), or \${secret:${name.toLowerCase().replace(/_/g, '-')}} and store it with "OIDC Flow: Store Secret" (VS Code).`;
}

/** `$NAME`, `${NAME}` or `env:NAME`: references written the shell's way. */
function nearMissRef(text: string): string | undefined {
  const match = /^\s*(\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|env:[A-Za-z_][A-Za-z0-9_]*)\s*$/.exec(text);
  return match?.[1];
}

interface Walk {
  problems: LiteralSecretProblem[];
  /** Secret fields that read `{{env.X}}` / `{{vars.X}}`: those values must be references too. */
  indirect: Array<{ field: DataPath; root: 'env' | 'vars'; name: string; flow?: string }>;
}

function checkSecretValue(
  value: unknown,
  path: DataPath,
  what: string,
  walk: Walk,
  options: { header?: string } = {},
): void {
  if (typeof value !== 'string' && typeof value !== 'number') return;
  const text = String(value);
  let literal = literalPart(text);
  if (options.header === 'cookie') literal = literal.replace(/[A-Za-z0-9_.-]+=/g, '').replace(/;/g, '');
  else if (options.header !== undefined) literal = literal.replace(AUTH_SCHEMES, '');
  if (literal.trim() === '') {
    collectIndirect(text, path, walk);
    return;
  }
  walk.problems.push({
    path,
    message: `${formatDataPath(path)} holds a literal ${what}; secrets are never written in the flow file.`,
    hint: referenceHint(path, text),
  });
}

function collectIndirect(text: string, path: DataPath, walk: Walk): void {
  let parts;
  try {
    parts = parseTemplate(text);
  } catch {
    return;
  }
  for (const part of parts) {
    if (part.kind !== 'expr' || part.expr.root === 'steps') continue;
    const name = part.expr.segments[0];
    if (typeof name !== 'string') continue;
    const flow = path[0] === 'flows' && typeof path[1] === 'string' ? path[1] : undefined;
    walk.indirect.push({ field: path, root: part.expr.root, name, flow });
  }
}

function isStepPath(path: DataPath): boolean {
  // flows.<f>.steps[i] and, inside repeat steps, ...step / ...steps[j]
  if (path[0] !== 'flows') return false;
  const last = path[path.length - 1];
  const before = path[path.length - 2];
  return (typeof last === 'number' && before === 'steps') || last === 'step';
}

function visit(value: unknown, path: DataPath, walk: Walk, inHeaders: boolean): void {
  if (typeof value === 'string') {
    const literal = literalPart(value);
    // Each pattern needs one fixed piece of text; looking for it first skips the regex for
    // nearly every value (these ran on every string of every file that `validate` reads).
    if (literal.includes('eyJ') && JWT.test(literal)) {
      walk.problems.push({
        path,
        message: `${formatDataPath(path)} holds what looks like a JWT; tokens are never written in the flow file.`,
        hint: `Chain it from a step ({{steps.<id>.token.access_token}}) or reference it: ${referenceHint(path)}`,
      });
      return;
    }
    if (literal.includes('@') && URL_USERINFO.test(literal)) {
      walk.problems.push({
        path,
        message: `${formatDataPath(path)} has a user name and password in the URL.`,
        hint: 'Remove them from the URL and send credentials with a reference in a header or the IdP settings.',
      });
    }
    if (literal.includes('='))
      for (const m of literal.matchAll(URL_SECRET_PARAM)) {
        if (m[2])
          walk.problems.push({
            path,
            message: `${formatDataPath(path)} has a literal ${m[1]} in the URL query.`,
            hint: referenceHint([...path, m[1]!]),
          });
      }
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, i) => visit(item, [...path, i], walk, false));
    return;
  }
  if (value === null || typeof value !== 'object') return;
  // idps.<name>.oktaApi.apiToken is a secret by position too.
  const inIdp =
    (path.length === 2 && path[0] === 'idps') || (path.length === 3 && path[0] === 'idps' && path[2] === 'oktaApi');
  const inStep = isStepPath(path);
  // idps.<name>.endpoints maps endpoint names (token, introspection...) to URLs, not credentials.
  const inEndpoints = path[0] === 'idps' && path.length === 3 && path[2] === 'endpoints';
  for (const [key, child] of Object.entries(value)) {
    const childPath = [...path, key];
    if (SKIPPED_KEYS.has(key) && (inStep || typeof child !== 'object')) continue;
    const lower = key.toLowerCase();
    if (inHeaders && CREDENTIAL_HEADERS.has(lower)) {
      checkSecretValue(child, childPath, `credential in the ${key} header`, walk, {
        header: lower === 'cookie' ? 'cookie' : key,
      });
      continue;
    }
    const positional = (inIdp && IDP_SECRET_FIELDS.has(key)) || (inStep && STEP_SECRET_FIELDS.has(key));
    if (!inEndpoints && (positional || isSecretName(key))) {
      if (Array.isArray(child))
        child.forEach((item, i) => checkSecretValue(item, [...childPath, i], `value for ${key}`, walk));
      else if (typeof child === 'object' && child !== null && !positional) visit(child, childPath, walk, false);
      else checkSecretValue(child, childPath, `value for ${key}`, walk);
      continue;
    }
    visit(child, childPath, walk, key === 'headers');
  }
}

/** Every literal secret in parsed flow-file data; empty when the file only holds references. */
export function findLiteralSecrets(data: unknown): LiteralSecretProblem[] {
  const walk: Walk = { problems: [], indirect: [] };
  visit(data, [], walk, false);
  const root = (data ?? {}) as {
    environments?: Record<string, Record<string, unknown>>;
    flows?: Record<string, { vars?: Record<string, unknown> }>;
  };
  const reported = new Set(walk.problems.map((p) => formatDataPath(p.path)));
  for (const use of walk.indirect) {
    const sources: Array<[DataPath, unknown]> =
      use.root === 'env'
        ? Object.entries(root.environments ?? {}).flatMap(([env, values]) =>
            values && typeof values === 'object' && Object.hasOwn(values, use.name)
              ? [[['environments', env, use.name], values[use.name]] as [DataPath, unknown]]
              : [],
          )
        : use.flow !== undefined && root.flows?.[use.flow]?.vars && Object.hasOwn(root.flows[use.flow]!.vars!, use.name)
          ? [[['flows', use.flow, 'vars', use.name], root.flows[use.flow]!.vars![use.name]]]
          : [];
    for (const [sourcePath, sourceValue] of sources) {
      if (typeof sourceValue !== 'string' && typeof sourceValue !== 'number') continue;
      if (literalPart(String(sourceValue)).trim() === '' || reported.has(formatDataPath(sourcePath))) continue;
      reported.add(formatDataPath(sourcePath));
      walk.problems.push({
        path: sourcePath,
        message: `${formatDataPath(sourcePath)} holds a literal value, and ${formatDataPath(use.field)} uses it as a secret; secrets are never written in the flow file.`,
        hint: referenceHint(sourcePath, String(sourceValue)),
      });
    }
  }
  return walk.problems;
}
