import { compileAssertionRegex } from './assertion-regex';
import { didYouMean } from './did-you-mean';
import type { Assertion, FlowFile, StepDef } from './file-format';
import { innerSteps } from './file-format';
import type { FlowFileErrorCode } from './issues';
import type { DataPath } from './source-map';
import { formatDataPath } from './source-map';
import type { TemplateExpression } from './template';
import { hasTemplate, parseTemplate } from './template';
import { emptyHostVariables } from './url-variables';

/**
 * Checks that need the whole file: names that point at idps, routes,
 * environments and earlier steps; template syntax; mutually exclusive fields.
 * Runs on schema-valid data.
 */
export interface CrossCheckProblem {
  code: FlowFileErrorCode | 'flowfile.warning';
  severity: 'error' | 'warning';
  path: DataPath;
  atKey?: boolean;
  message: string;
  hint?: string;
}

interface StepScope {
  flow: string;
  /** Step ids that have finished before the current step starts. */
  earlier: Set<string>;
  /** Every step id in the flow, with its path, to tell "later" from "unknown". */
  all: Map<string, DataPath>;
  hasEarlierTokenStep: boolean;
  /** The step being checked and the repeat steps around it: not finished yet. */
  running: string[];
}

const NEEDS_IDP = new Set(['token', 'introspect', 'revoke', 'admin']);
const URL_HINT =
  'Write it with its scheme and host, e.g. https://api.example.com/orders, or start it with a value that has them, e.g. {{env.apiUrl}}/orders.';

class Checker {
  readonly problems: CrossCheckProblem[] = [];
  private readonly envNames: string[];

  constructor(private readonly file: FlowFile) {
    this.envNames = Object.keys(file.environments ?? {});
  }

  private error(code: FlowFileErrorCode, path: DataPath, message: string, hint?: string, atKey = false): void {
    this.problems.push({ code, severity: 'error', path, message, hint, atKey });
  }

  private warn(path: DataPath, message: string, hint?: string): void {
    this.problems.push({ code: 'flowfile.warning', severity: 'warning', path, message, hint });
  }

  private checkName(kind: 'idp' | 'route' | 'environment', name: string, path: DataPath): void {
    const pool = kind === 'idp' ? this.file.idps : kind === 'route' ? this.file.routes : this.file.environments;
    if (pool && Object.hasOwn(pool, name)) return;
    const known = Object.keys(pool ?? {});
    const section = kind === 'idp' ? 'idps' : kind === 'route' ? 'routes' : 'environments';
    this.error(
      'flowfile.reference',
      path,
      `${formatDataPath(path)} names the ${kind} '${name}', which is not defined${didYouMean(name, known) || '.'}`,
      known.length > 0 ? `Defined under ${section}: ${known.join(', ')}.` : `Add it under ${section}.`,
    );
  }

  run(): CrossCheckProblem[] {
    const { file } = this;
    if (file.defaultEnvironment !== undefined)
      this.checkName('environment', file.defaultEnvironment, ['defaultEnvironment']);
    for (const [env, values] of Object.entries(file.environments ?? {})) {
      for (const [key, value] of Object.entries(values)) {
        if (typeof value === 'string' && hasTemplate(value)) {
          this.error(
            'flowfile.template',
            ['environments', env, key],
            `environments.${env}.${key} uses a {{ }} template; environment values are plain values or \${env:NAME} references.`,
            'Move the composed value into the field that needs it, e.g. url: "{{env.kongUrl}}/orders".',
          );
        }
      }
    }
    for (const [name, idp] of Object.entries(file.idps ?? {})) {
      this.checkTemplates(idp, ['idps', name], undefined, 'IdPs are shared by every flow');
      this.checkUrl(idp.issuer, ['idps', name, 'issuer']);
      for (const [endpoint, url] of Object.entries(idp.endpoints ?? {}))
        this.checkUrl(url, ['idps', name, 'endpoints', endpoint]);
      if (idp.okta) this.checkHostVariables(idp.okta.domain, ['idps', name, 'okta', 'domain']);
      if (idp.insecureSkipTlsVerify)
        this.warn(
          ['idps', name, 'insecureSkipTlsVerify'],
          `idps.${name} does not verify TLS certificates.`,
          'Use caFile with your corporate or sandbox CA instead, so tokens cannot be intercepted.',
        );
    }
    for (const [name, route] of Object.entries(file.routes ?? {})) {
      this.checkTemplates(route, ['routes', name], undefined, 'Routes are shared by every flow');
      this.checkUrl(route.baseUrl, ['routes', name, 'baseUrl']);
    }
    for (const [name, flow] of Object.entries(file.flows ?? {})) {
      if (flow.env !== undefined) this.checkName('environment', flow.env, ['flows', name, 'env']);
      const all = new Map<string, DataPath>();
      const scope: StepScope = { flow: name, earlier: new Set(), all, hasEarlierTokenStep: false, running: [] };
      this.collectIds(flow.steps, ['flows', name, 'steps'], all);
      this.checkSteps(flow.steps, ['flows', name, 'steps'], scope);
    }
    return this.problems;
  }

  private collectIds(steps: StepDef[], path: DataPath, all: Map<string, DataPath>): void {
    steps.forEach((step, i) => {
      const stepPath = [...path, i];
      const first = all.get(step.id);
      if (first) {
        this.error(
          'flowfile.reference',
          [...stepPath, 'id'],
          `Step id '${step.id}' is used twice in this flow (first at ${formatDataPath(first)}).`,
          'Give every step, including steps inside repeat, its own id: later steps read results by id.',
        );
      } else {
        all.set(step.id, stepPath);
      }
      if (step.type === 'repeat') {
        if (step.step) this.collectIds([step.step], [...stepPath, 'step'], all);
        else if (step.steps) this.collectIds(step.steps, [...stepPath, 'steps'], all);
      }
    });
  }

  private checkSteps(steps: StepDef[], path: DataPath, scope: StepScope): void {
    steps.forEach((step, i) => {
      // A single `step:` under repeat has no index in its path.
      const stepPath = path[path.length - 1] === 'step' ? path : [...path, i];
      this.checkStep(step, stepPath, scope);
      scope.earlier.add(step.id);
      if (step.type === 'token') scope.hasEarlierTokenStep = true;
    });
  }

  private checkStep(step: StepDef, path: DataPath, scope: StepScope): void {
    if (NEEDS_IDP.has(step.type) || (step.type === 'verify' && step.idp !== undefined))
      this.checkName('idp', (step as { idp: string }).idp, [...path, 'idp']);
    for (const [i, env] of (step.onlyIn ?? []).entries()) this.checkName('environment', env, [...path, 'onlyIn', i]);
    switch (step.type) {
      case 'call':
        this.checkName('route', step.route, [...path, 'route']);
        this.checkBody(step, path);
        if (step.token === undefined && !scope.hasEarlierTokenStep) {
          this.warn(
            path,
            `${formatDataPath(path)} sends the latest token, but no token step runs before it.`,
            "Add a token step earlier, set token: '{{steps.<id>.token.access_token}}', or token: false to call without one.",
          );
        }
        break;
      case 'request':
        this.checkBody(step, path);
        this.checkUrl(step.url, [...path, 'url']);
        break;
      case 'verify':
        if (step.idp === undefined && step.jwks === undefined)
          this.error(
            'flowfile.schema',
            path,
            `${formatDataPath(path)} needs 'idp' or 'jwks' to know which keys to verify against.`,
            undefined,
            true,
          );
        break;
      case 'wait':
        if (step.seconds === undefined && !step.confirm)
          this.error(
            'flowfile.schema',
            path,
            `${formatDataPath(path)} needs 'seconds' or 'confirm: true'.`,
            undefined,
            true,
          );
        break;
      case 'repeat':
        if ((step.step === undefined) === (step.steps === undefined)) {
          this.error(
            'flowfile.schema',
            path,
            `${formatDataPath(path)} needs exactly one of 'step' (one step) or 'steps' (a list).`,
            undefined,
            true,
          );
        }
        break;
      default:
        break;
    }
    const own: Record<string, unknown> = { ...step };
    delete own.step;
    delete own.steps;
    // `until` is checked after the inner steps, whose results it reads.
    delete own.until;
    scope.running.push(step.id);
    this.checkTemplates(own, path, scope);
    for (const [key, list] of [
      ['assert', step.assert],
      ['until', step.type === 'repeat' ? step.until : undefined],
    ] as const) {
      if (list === undefined) continue;
      const items = Array.isArray(list) ? list : [list];
      items.forEach((assertion, i) =>
        this.checkAssertion(assertion, Array.isArray(list) ? [...path, key, i] : [...path, key]),
      );
    }
    if (step.type === 'repeat') {
      const inner = innerSteps(step);
      const innerScope: StepScope = { ...scope, earlier: new Set(scope.earlier), running: [...scope.running] };
      this.checkSteps(inner, [...path, step.step ? 'step' : 'steps'], innerScope);
      if (step.until !== undefined) this.checkTemplates(step.until, [...path, 'until'], innerScope);
      for (const id of innerScope.earlier) scope.earlier.add(id);
      scope.hasEarlierTokenStep ||= innerScope.hasEarlierTokenStep;
    }
    scope.running.pop();
  }

  private checkBody(step: { body?: unknown; json?: unknown; form?: unknown }, path: DataPath): void {
    const given = (['body', 'json', 'form'] as const).filter((k) => step[k] !== undefined);
    if (given.length > 1)
      this.error(
        'flowfile.schema',
        [...path, given[1]!],
        `${formatDataPath(path)} has both '${given[0]}' and '${given[1]}'; a request has one body.`,
        'Keep one of body (text), json or form.',
        true,
      );
  }

  /**
   * A URL must be absolute http(s): written out, or starting with a template
   * that supplies it (`{{env.kongUrl}}/orders`). Its value is not repeated: a
   * URL can hold credentials, which the secret rules report on their own.
   */
  private checkUrl(url: string | undefined, path: DataPath): void {
    if (url === undefined) return;
    // What comes before the first template or `${env:…}` reference is written out; the rest arrives at run time.
    const literal = url.split(/\{\{|(?<!\\)\$\{(?:env|secret):/)[0]!;
    let ok: boolean;
    if (literal === url) {
      try {
        ok = /^https?:$/.test(new URL(url).protocol);
      } catch {
        ok = false;
      }
    } else ok = literal === '' || /^https?:\/\//i.test(literal);
    if (!ok) {
      this.error('flowfile.schema', path, `${formatDataPath(path)} is not an absolute http(s) URL.`, URL_HINT);
      return;
    }
    this.checkHostVariables(url, path);
  }

  /** An environment that leaves a URL's host empty: the run would fail there (an import leaves unfilled values empty). */
  private checkHostVariables(template: string | undefined, path: DataPath): void {
    for (const [env, values] of Object.entries(this.file.environments ?? {})) {
      const empty = emptyHostVariables(template, values).filter((name) => values[name] === '');
      if (empty.length === 0) continue;
      this.warn(
        path,
        `${formatDataPath(path)} takes its host from ${empty.map((n) => `{{env.${n}}}`).join(', ')}, empty in environment ${env}.`,
        `Fill in ${empty.map((n) => `environments.${env}.${n}`).join(', ')} before running with that environment.`,
      );
    }
  }

  private checkAssertion(assertion: Assertion, path: DataPath): void {
    if ('matches' in assertion && typeof assertion.matches === 'string') {
      try {
        compileAssertionRegex(assertion.matches);
      } catch (error) {
        this.error(
          'flowfile.schema',
          [...path, 'matches'],
          `${formatDataPath(path)}.matches: ${(error as Error).message}`,
          (error as { hint?: string }).hint,
        );
      }
    }
    if ('json' in assertion && /[()]/.test(assertion.json)) {
      this.error(
        'flowfile.schema',
        [...path, 'json'],
        `${formatDataPath(path)}.json uses a script expression; JSON paths here cannot run code.`,
        'Use plain paths such as $.items[0].id and compare with equals / contains / matches.',
      );
    }
  }

  /** Parses every template under `value`; checks each reference against what exists at that point. */
  private checkTemplates(value: unknown, path: DataPath, scope: StepScope | undefined, sharedReason?: string): void {
    if (typeof value === 'string') {
      if (!hasTemplate(value)) return;
      let parts;
      try {
        parts = parseTemplate(value);
      } catch (error) {
        this.error(
          'flowfile.template',
          path,
          `${formatDataPath(path)}: ${(error as Error).message}`,
          (error as { hint?: string }).hint,
        );
        return;
      }
      for (const part of parts) if (part.kind === 'expr') this.checkReference(part.expr, path, scope, sharedReason);
      return;
    }
    if (Array.isArray(value)) value.forEach((item, i) => this.checkTemplates(item, [...path, i], scope, sharedReason));
    else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) this.checkTemplates(item, [...path, key], scope, sharedReason);
    }
  }

  private checkReference(
    expr: TemplateExpression,
    path: DataPath,
    scope: StepScope | undefined,
    sharedReason?: string,
  ): void {
    const name = expr.segments[0];
    const label = `{{${expr.source}}} in ${formatDataPath(path)}`;
    if (expr.root !== 'env' && !scope) {
      this.error(
        'flowfile.template',
        path,
        `${label} reads ${expr.root}; ${sharedReason ?? 'this part of the file'} can only use {{env.*}}.`,
        'Move the value into an environment, or override the field in the step.',
      );
      return;
    }
    if (typeof name !== 'string') {
      if (expr.root === 'steps') this.error('flowfile.template', path, `${label} must name a step: {{steps.<id>...}}.`);
      return;
    }
    if (expr.root === 'env') return this.checkEnvReference(name, label, path, scope);
    if (expr.root === 'vars') {
      const vars = this.file.flows?.[scope!.flow]?.vars;
      if (!vars || !Object.hasOwn(vars, name))
        this.warn(
          path,
          `${label} reads vars.${name}, which the flow does not define; the run must supply it.`,
          `Add it under flows.${scope!.flow}.vars, or pass it when running.`,
        );
      return;
    }
    const { earlier, all } = scope!;
    if (earlier.has(name)) return;
    const stepPath = all.get(name);
    if (scope!.running.includes(name)) {
      this.error(
        'flowfile.reference',
        path,
        `${label} reads step '${name}' from inside that same step; a step can only read steps that finished before it.`,
        'Read an earlier step, or split this step in two.',
      );
    } else if (stepPath) {
      this.error(
        'flowfile.reference',
        path,
        `${label} reads step '${name}', which runs later (${formatDataPath(stepPath)}).`,
        'Move the step that produces the value before the one that reads it.',
      );
    } else {
      this.error(
        'flowfile.reference',
        path,
        `${label} reads step '${name}', which is not in flow '${scope!.flow}'${didYouMean(name, earlier) || '.'}`,
        earlier.size > 0 ? `Steps before this one: ${[...earlier].join(', ')}.` : 'No step runs before this one.',
      );
    }
  }

  private checkEnvReference(name: string, label: string, path: DataPath, scope: StepScope | undefined): void {
    const envs = this.file.environments ?? {};
    const pinned = scope ? this.file.flows?.[scope.flow]?.env : undefined;
    const candidates = pinned !== undefined && Object.hasOwn(envs, pinned) ? [pinned] : this.envNames;
    const missing = candidates.filter((env) => !Object.hasOwn(envs[env]!, name));
    if (candidates.length > 0 && missing.length === 0) return;
    const knownKeys = new Set(this.envNames.flatMap((env) => Object.keys(envs[env]!)));
    if (missing.length === candidates.length) {
      this.error(
        'flowfile.reference',
        path,
        `${label} reads env.${name}, which no ${pinned ? `value of environment '${pinned}'` : 'environment'} defines${didYouMean(name, knownKeys) || '.'}`,
        candidates.length > 0
          ? `Add ${name} under environments.${candidates[0]}.`
          : `Add an environment, e.g. environments: { local: { ${name}: ... } }.`,
      );
    } else {
      this.warn(
        path,
        `${label} reads env.${name}, which environment${missing.length > 1 ? 's' : ''} ${missing.join(', ')} do${missing.length > 1 ? '' : 'es'} not define.`,
        `Add ${name} to ${missing.join(', ')}, or the flow fails there.`,
      );
    }
  }
}

/** Reference, template and consistency problems of a schema-valid file. */
export function crossCheckFlowFile(file: FlowFile): CrossCheckProblem[] {
  return new Checker(file).run();
}
