import { escapeSecretRefs } from '../flow/secret-ref';
import type { NotCarried, TemplateDialect } from './types';
import type { SourcePart, TagArg } from './source-template';
import { decodeTagString, envKey, parseSourceTemplate } from './source-template';

/**
 * Turns the export's template strings into flow-file templates:
 * variables become `{{env.name}}`, Insomnia response tags and recognised
 * Postman chains become `{{steps.<id>.response…}}`, and everything that
 * cannot be expressed (faker, prompt, uuid, filters…) is reported.
 */

/** A variable whose value comes from another request, not from an environment. */
export type DynamicVariable =
  /** Insomnia environment value holding a tag: expanded where it is used. */
  | { kind: 'source'; text: string }
  /** Set by a recognised script chain: already a flow-file template. */
  | { kind: 'template'; text: string; ref: string };

export interface ConvertedText {
  /** Undefined when nothing but unsupported tags was there (the field is left out). */
  text: string | undefined;
}

const MAX_EXPANSION_DEPTH = 5;

/** Postman's built-in random/time variables, e.g. `{{$guid}}`. */
function isPostmanDynamic(name: string): boolean {
  return name.startsWith('$');
}

export class TemplateConverter {
  /** Environment keys the converted strings read. */
  readonly usedEnv = new Set<string>();
  /** Environment keys added for values that must be filled in by hand, with why. */
  readonly placeholders = new Map<string, string>();
  /** Export ids of the requests the current request reads (response tags, chains). */
  deps = new Set<string>();
  private readonly reported = new Set<string>();

  constructor(
    private readonly dialect: TemplateDialect,
    private readonly stepIdByRef: Map<string, string>,
    private readonly requestNameByRef: Map<string, string>,
    readonly dynamic: Map<string, DynamicVariable>,
    private readonly notCarried: NotCarried[],
  ) {}

  private report(item: string, reason: string): void {
    const key = `${item}\u0000${reason}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.notCarried.push({ item, reason });
  }

  /** Adds an environment key the user fills in by hand and returns its template. */
  placeholder(name: string, why: string): string {
    const key = envKey(name);
    if (!this.placeholders.has(key)) this.placeholders.set(key, why);
    this.usedEnv.add(key);
    return `{{env.${key}}}`;
  }

  /** Converts one string; `label` says where it is, for reports. */
  convert(text: string, label: string): ConvertedText {
    return this.convertAt(text, label, 0);
  }

  private convertAt(text: string, label: string, depth: number): ConvertedText {
    const parts = parseSourceTemplate(text, this.dialect);
    let out = '';
    let carriedSomething = false;
    let droppedSomething = false;
    for (const part of parts) {
      const piece = this.convertPart(part, label, depth);
      if (piece === undefined) droppedSomething = true;
      else {
        out += piece;
        if (part.kind !== 'text' || part.text.trim() !== '') carriedSomething = true;
      }
    }
    if (droppedSomething && !carriedSomething) return { text: undefined };
    return { text: out };
  }

  private convertPart(part: SourcePart, label: string, depth: number): string | undefined {
    switch (part.kind) {
      case 'text':
        // A literal `{{` would start a flow-file template, a `${env:X}` would read the user's
        // variable: in the export they were text, and text they stay.
        return escapeSecretRefs(part.text.replace(/\{\{/g, '\\{{'));
      case 'var':
        return this.convertVariable(part.name, label, depth);
      case 'tag':
        return part.name === 'response' ? this.convertResponseTag(part.args, label) : this.dropTag(part.name, label);
      case 'expr':
        this.report(
          label,
          `the template expression ${shorten(part.source)} uses filters or code, which flow files do not run; it was left out.`,
        );
        return undefined;
    }
  }

  private convertVariable(name: string, label: string, depth: number): string | undefined {
    if (this.dialect === 'postman' && isPostmanDynamic(name)) {
      this.report(label, `Postman's dynamic variable {{${name}}} has no flow-file equivalent; it was left out.`);
      return undefined;
    }
    const dynamic = this.dynamic.get(name);
    if (dynamic?.kind === 'template') {
      this.deps.add(dynamic.ref);
      return dynamic.text;
    }
    if (dynamic?.kind === 'source') {
      if (depth >= MAX_EXPANSION_DEPTH) {
        this.report(label, `the variable ${name} refers to itself through other variables; it was left out.`);
        return undefined;
      }
      return this.convertAt(dynamic.text, label, depth + 1).text;
    }
    const key = envKey(name);
    this.usedEnv.add(key);
    return `{{env.${key}}}`;
  }

  private dropTag(name: string, label: string): undefined {
    const why =
      name === 'prompt'
        ? 'asks for a value when the request is sent; put the value in an environment instead'
        : name === 'faker' || name === 'uuid' || name === 'now' || name === 'timestamp'
          ? 'generates a value each time, which flow files do not do'
          : 'is an Insomnia template tag flow files do not have';
    this.report(label, `the {% ${name} %} tag ${why}; it was left out.`);
    return undefined;
  }

  private convertResponseTag(args: TagArg[], label: string): string | undefined {
    const [attribute, ref, rawFilter] = args;
    if (typeof attribute !== 'string' || typeof ref !== 'string') {
      this.report(label, 'a {% response %} tag without a request id or attribute could not be read; it was left out.');
      return undefined;
    }
    const stepId = this.stepIdByRef.get(ref);
    if (stepId === undefined) {
      return this.placeholder(
        `response_${ref}`,
        `${label} reads the response of a request (${ref}) that is not in the export`,
      );
    }
    this.deps.add(ref);
    const filter = typeof rawFilter === 'string' ? decodeTagString(rawFilter).trim() : '';
    const target = this.requestNameByRef.get(ref) ?? ref;
    switch (attribute) {
      case 'body':
        if (filter === '') return `{{steps.${stepId}.response.body}}`;
        if (filter.startsWith('$') && isPlainJsonPath(filter)) return `{{steps.${stepId}.response.body.${filter}}}`;
        return this.placeholder(
          `${stepId}_value`,
          `${label} filters the response of request "${target}" with ${filter.startsWith('/') ? 'an XPath' : 'a JSONPath that uses script filters'}, which flow files do not support`,
        );
      case 'header':
        if (filter === '') break;
        return `{{steps.${stepId}.response.headers${/^[A-Za-z0-9_-]+$/.test(filter) ? `.${filter}` : `['${filter.replace(/'/g, '')}']`}}}`;
      case 'raw':
        return `{{steps.${stepId}.response.body}}`;
      case 'url':
        return `{{steps.${stepId}.request.url}}`;
      default:
        break;
    }
    return this.placeholder(
      `${stepId}_value`,
      `${label} reads the ${attribute || 'unknown'} of request "${target}"'s response, which flow files cannot read`,
    );
  }
}

/** JSON paths the flow-file template engine accepts: no script filters, balanced brackets, no `}}`. */
function isPlainJsonPath(path: string): boolean {
  if (/[()?]|\}\}/.test(path)) return false;
  let depth = 0;
  for (const ch of path) {
    if (ch === '[') depth += 1;
    else if (ch === ']' && --depth < 0) return false;
  }
  return depth === 0;
}

function shorten(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}
