/**
 * Recognises the one script pattern worth carrying: saving a value from the
 * JSON response into a variable for later requests, e.g.
 *   pm.environment.set('token', pm.response.json().access_token);
 *   const body = pm.response.json(); pm.collectionVariables.set("id", body.items[0].id);
 *   postman.setEnvironmentVariable("token", JSON.parse(responseBody).access_token);
 *   const { access, refresh } = pm.response.json().data; pm.environment.set("access-token", access);
 *   let paymentToken = responseJson.token; pm.collectionVariables.set('_paymentToken', paymentToken);
 * (`insomnia.` works like `pm.`). A local name bound to the parsed body, or
 * to a part of it, is followed; one bound to anything else is forgotten. Everything else in a script is left over
 * and reported; flow files never run code.
 */
import { jwtInText } from '../jwt/token-patterns';

export interface ScriptChain {
  /** The variable the script sets. */
  variable: string;
  /** JSON path into the response body, e.g. `$.access_token`. */
  jsonPath: string;
}

export interface ScriptReading {
  chains: ScriptChain[];
  /** Statements that were not understood (comments and blank lines are not counted). */
  leftover: string[];
}

const API = String.raw`(?:pm|insomnia)`;
const SCOPE = String.raw`(?:environment|collectionVariables|globals|variables|baseEnvironment)`;
const STRING = String.raw`(?:'([^'\\]*)'|"([^"\\]*)"|\x60([^\x60\\$]*)\x60)`;
const RESPONSE_JSON = String.raw`(?:${API}\.response\.json\(\)|JSON\.parse\(\s*(?:responseBody|${API}\.response\.text\(\))\s*\))`;
const PATH = String.raw`((?:\??\.[A-Za-z_$][A-Za-z0-9_$]*|\[\s*\d+\s*\]|\[\s*(?:'[^']*'|"[^"]*")\s*\])*)`;

const NAME = String.raw`[A-Za-z_$][A-Za-z0-9_$]*`;
/** `const body = pm.response.json();`, `let token = body.data.token;`: group 1 the name, 2 the source, 3 the path. */
const BIND = new RegExp(String.raw`^(?:var|let|const)\s+(${NAME})\s*=\s*(${RESPONSE_JSON}|${NAME})${PATH}\s*;?$`);
/** `const { a, b: c, d = 1 } = pm.response.json().data;`: group 1 the names, 2 the source, 3 the path. */
const DESTRUCTURE = new RegExp(
  String.raw`^(?:var|let|const)\s*\{([^{}]*)\}\s*=\s*(${RESPONSE_JSON}|${NAME})${PATH}\s*;?$`,
);
/** One name in a destructuring pattern: `key`, `key: local`, either with `= default`. */
const DESTRUCTURED = new RegExp(String.raw`^(${NAME})(?:\s*:\s*(${NAME}))?(?:\s*=[^,]*)?$`);
/** Any other (re)binding of a name: what it held before is no longer known. */
const REBIND = new RegExp(String.raw`^(?:(?:var|let|const)\s+)?(${NAME})\s*=[^=]`);
const SET_CALL = new RegExp(
  String.raw`^(?:${API}\.${SCOPE}\.set|postman\.set(?:Environment|Global)Variable)\(\s*${STRING}\s*,\s*([A-Za-z_$][A-Za-z0-9_$.]*?\(\)|[A-Za-z_$][A-Za-z0-9_$]*|${RESPONSE_JSON})${PATH}\s*\)\s*;?$`,
);

/** Converts a JavaScript member path (`.a[0]['b']`) into a JSON path (`$.a[0]['b']`). */
function toJsonPath(members: string): string {
  return `$${members
    .replace(/\?\./g, '.')
    .replace(/\[\s*"([^"]*)"\s*\]/g, "['$1']")
    .replace(/\[\s*'([^']*)'\s*\]/g, "['$1']")
    .replace(/\[\s*(\d+)\s*\]/g, '[$1]')}`;
}

/** Splits a script into statements: by line, by `;` and around one-line blocks, without comments. */
function statements(script: string): string[] {
  const withoutBlockComments = script
    .replace(/\/\*[\s\S]*?\*\//g, '')
    // A destructuring pattern written over several lines is one statement.
    .replace(/\b(?:var|let|const)\s*\{[^{}]*\}\s*=/g, (pattern) => pattern.replace(/\s+/g, ' '))
    // `pm.test("ok", () => { pm.environment.set(…); });`: the block's statements on lines of their own.
    .replace(/(\)\s*|=>\s*)\{(?=[ \t]*[^\s}])/g, '$1{\n')
    .replace(/;\s*\}/g, ';\n}');
  return withoutBlockComments
    .split('\n')
    .map((line) => line.replace(/(^|[^:'"])\/\/.*$/, '$1').trim())
    .flatMap((line) => line.split(/;\s*(?=\S)/).map((s) => s.trim()))
    .filter((s) => s !== '' && s !== ';');
}

const IS_RESPONSE = new RegExp(`^${RESPONSE_JSON}$`);

/** Finds `set(name, <response json>.path)` statements; the rest is left over. */
export function readScript(script: string): ScriptReading {
  /** Local names that hold the parsed body or a part of it: name → member path from the body. */
  const bound = new Map<string, string>();
  /** The member path `source` + `members` stands for, when the source is the body or a bound name. */
  const fromBody = (source: string, members: string): string | undefined =>
    IS_RESPONSE.test(source) ? members : bound.has(source) ? `${bound.get(source)!}${members}` : undefined;
  const chains: ScriptChain[] = [];
  const leftover: string[] = [];
  for (const statement of statements(script)) {
    const bind = BIND.exec(statement);
    const bindPath = bind ? fromBody(bind[2]!, bind[3] ?? '') : undefined;
    if (bind && bindPath !== undefined) {
      bound.set(bind[1]!, bindPath);
      continue;
    }
    const destructure = DESTRUCTURE.exec(statement);
    const base = destructure ? fromBody(destructure[2]!, destructure[3] ?? '') : undefined;
    const names = destructure?.[1]!
      .split(',')
      .map((n) => n.trim())
      .filter((n) => n !== '')
      .map((n) => DESTRUCTURED.exec(n));
    if (base !== undefined && names?.every((n) => n !== null)) {
      for (const n of names) bound.set(n![2] ?? n![1]!, `${base}.${n![1]!}`);
      continue;
    }
    const set = SET_CALL.exec(statement);
    if (set) {
      const variable = set[1] ?? set[2] ?? set[3] ?? '';
      const path = fromBody(set[4]!, set[5] ?? '');
      if (path !== undefined && variable !== '') {
        chains.push({ variable, jsonPath: toJsonPath(path) });
        continue;
      }
    }
    const rebind = REBIND.exec(statement);
    if (rebind) bound.delete(rebind[1]!);
    leftover.push(statement);
  }
  return { chains, leftover };
}

/** The first non-empty line of a script, for reports (shortened; secrets are redacted by the caller). */
export function firstLine(script: string): string {
  const line =
    script
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l !== '') ?? '';
  return line.length > 80 ? `${line.slice(0, 77)}…` : line;
}

/** True when a script does something (not only comments and blank lines). */
export function isMeaningfulScript(script: string | undefined): script is string {
  return script !== undefined && statements(script).length > 0;
}

const JWT = jwtInText('g');
/** Quoted strings that look like keys or tokens: long, no spaces, letters and digits mixed. */
const SECRETISH_STRING = /(['"`])(?=[^'"`\s]*[0-9])(?=[^'"`\s]*[A-Za-z])[^'"`\s]{16,}\1/g;

/** A script line safe to show: tokens and key-like string literals are masked. */
export function redactCode(line: string): string {
  return line.replace(JWT, '***').replace(SECRETISH_STRING, '$1***$1');
}

/** The report for a script that cannot be carried: where it was and how it starts. */
export function scriptNotCarried(item: string, script: string, note = ''): { item: string; reason: string } {
  return {
    item,
    reason: `scripts cannot be carried (flow files never run code)${note}; it starts with: ${redactCode(firstLine(script))}`,
  };
}
