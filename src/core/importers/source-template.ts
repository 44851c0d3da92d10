/**
 * Reading the template language of Insomnia (Nunjucks: `{{ _.name }}`,
 * `{% tag 'arg', … %}`) and Postman (`{{name}}`, `{{$guid}}`). Splits a string
 * into text, variables and tags; converting to flow-file templates happens in
 * template-converter.ts.
 */

export type SourcePart =
  | { kind: 'text'; text: string }
  | { kind: 'var'; source: string; name: string }
  | { kind: 'tag'; source: string; name: string; args: TagArg[] }
  /** A `{{ … }}` expression that is not a plain variable (filters, arithmetic…). */
  | { kind: 'expr'; source: string };

export type TagArg = string | number | boolean | null | { ref: string };

/** Variable names become flow-file environment keys: letters, digits, `_` and `-` only. */
export function envKey(name: string): string {
  const key = name.replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^_+|_+$/g, '');
  return key === '' ? 'value' : key;
}

/** The variable name in `{{ _.a.b }}`, `{{ _['a'] }}`, `{{ a }}` (Insomnia) or `{{a b.c}}` (Postman). */
function variableName(inner: string, dialect: 'insomnia' | 'postman'): string | undefined {
  const source = inner.trim();
  if (dialect === 'postman') return source === '' ? undefined : source;
  const withoutRoot = source.replace(/^_\s*(?=[.[])/, '').replace(/^\./, '');
  const segments: string[] = [];
  let rest = withoutRoot;
  while (rest.length > 0) {
    const dotted = /^\.?([A-Za-z_$][A-Za-z0-9_$-]*)/.exec(rest);
    const quoted = /^\[\s*(?:'([^']*)'|"([^"]*)")\s*\]/.exec(rest);
    const indexed = /^\[(\d+)\]/.exec(rest);
    const match = quoted ?? indexed ?? dotted;
    if (!match) return undefined;
    segments.push(match[1] ?? match[2] ?? '');
    rest = rest.slice(match[0].length);
  }
  return segments.length > 0 ? segments.join('.') : undefined;
}

/** Splits Nunjucks tag arguments: quoted strings, numbers, booleans, null and bare references. */
export function parseTagArgs(text: string): TagArg[] {
  const args: TagArg[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/[\s,]/.test(ch)) {
      i += 1;
      continue;
    }
    if (ch === "'" || ch === '"') {
      let value = '';
      i += 1;
      while (i < text.length && text[i] !== ch) {
        if (text[i] === '\\' && i + 1 < text.length) {
          value += text[i + 1];
          i += 2;
        } else {
          value += text[i];
          i += 1;
        }
      }
      args.push(value);
      i += 1;
      continue;
    }
    const bare = /^[^\s,]+/.exec(text.slice(i))![0];
    if (/^-?\d+(\.\d+)?$/.test(bare)) args.push(Number(bare));
    else if (bare === 'true' || bare === 'false') args.push(bare === 'true');
    else if (bare === 'null') args.push(null);
    else args.push({ ref: bare });
    i += bare.length;
  }
  return args;
}

/** Splits a string from the export into text, variables, tags and other expressions. */
export function parseSourceTemplate(text: string, dialect: 'insomnia' | 'postman'): SourcePart[] {
  const parts: SourcePart[] = [];
  let buffer = '';
  let i = 0;
  const flush = () => {
    if (buffer) parts.push({ kind: 'text', text: buffer });
    buffer = '';
  };
  while (i < text.length) {
    const two = text.slice(i, i + 2);
    const closer =
      two === '{{'
        ? '}}'
        : dialect === 'insomnia' && two === '{%'
          ? '%}'
          : dialect === 'insomnia' && two === '{#'
            ? '#}'
            : undefined;
    const end = closer ? text.indexOf(closer, i + 2) : -1;
    if (!closer || end < 0) {
      buffer += text[i];
      i += 1;
      continue;
    }
    flush();
    const inner = text.slice(i + 2, end);
    const source = text.slice(i, end + 2);
    i = end + 2;
    if (closer === '#}') continue;
    if (closer === '%}') {
      const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*([\s\S]*?)\s*$/.exec(inner);
      parts.push({ kind: 'tag', source, name: match?.[1] ?? '?', args: match ? parseTagArgs(match[2] ?? '') : [] });
      continue;
    }
    const name = variableName(inner, dialect);
    parts.push(name === undefined ? { kind: 'expr', source } : { kind: 'var', source, name });
  }
  flush();
  return parts;
}

/** True when the string uses any template syntax of the dialect. */
export function hasSourceTemplate(text: string, dialect: 'insomnia' | 'postman'): boolean {
  return text.includes('{{') || (dialect === 'insomnia' && (text.includes('{%') || text.includes('{#')));
}

/** Insomnia stores some tag arguments as `b64::<base64>::46b`. */
export function decodeTagString(value: string): string {
  const match = /^b64::([A-Za-z0-9+/=_-]*)::46b$/.exec(value);
  return match ? Buffer.from(match[1]!, 'base64').toString('utf8') : value;
}
