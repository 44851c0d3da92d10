import { isDeepStrictEqual } from 'node:util';
import type { OidcError } from '../errors';
import { headerValue } from '../http/headers';
import { mask } from '../http/redact';
import type { SecretRegistry } from '../http/secret-registry';
import type { Assertion, AssertionSubject, JsonTypeName, StatusExpectation, ValueMatchers } from './file-format';
import { compileAssertionRegex } from './assertion-regex';
import { ASSERTION_SUBJECTS } from './file-format';
import type { StepResult } from './step-result';
import { evaluateJsonPath, isDefinitePath, jsonPathProblem } from './jsonpath';
import { TextMemo } from '../text-memo';

/** The outcome of one assertion; `message` reads well on its own in a report. */
export interface AssertionResult {
  assertion: Assertion;
  passed: boolean;
  message: string;
  /** The value that was checked (secrets redacted). */
  actual: unknown;
  /** Set when the assertion itself is broken (e.g. an invalid regex), not the result. */
  errorCode?: string;
}

export interface EvaluateOptions {
  /**
   * Epoch milliseconds, for `expiresIn`; or what reads them, called at most once per
   * evaluateAssertions and only when one of its assertions is an `expiresIn`: most steps have
   * none, and a clock read per step showed in the runner's profile (issue #14 point 2).
   */
  now: number | (() => number);
  /**
   * The run's secrets: values are masked with them before a message quotes (and cuts) them, so
   * neither a whole token nor its first 190 characters reach a report.
   */
  secrets?: SecretRegistry;
}

// Texts are cut before matching, to keep a hostile or accidental catastrophic-backtracking
// pattern bounded (compileAssertionRegex bounds the pattern).
const MAX_MATCH_INPUT = 64 * 1024;

/** The single subject key of an assertion (status, header, json...). */
export function assertionSubject(assertion: Assertion): AssertionSubject | undefined {
  return ASSERTION_SUBJECTS.find((key) => Object.hasOwn(assertion, key));
}

const SECRET_KEY = /(^|_)(access_token|refresh_token|id_token|client_secret|assertion|password|secret)$/i;
const JWT_SHAPE = /^[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]*$/;

/** Keeps tokens and secrets out of reports while leaving everything else readable. */
export function redactValue(value: unknown, key?: string): unknown {
  if (typeof value === 'string') {
    if ((key !== undefined && SECRET_KEY.test(key)) || JWT_SHAPE.test(value)) return mask(value);
    return value;
  }
  if (Array.isArray(value)) return value.map((item) => redactValue(item, key));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactValue(v, k)]));
  }
  return value;
}

function show(value: unknown): string {
  if (value === undefined) return 'absent';
  const text = typeof value === 'string' ? `'${value}'` : JSON.stringify(value);
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

function jsonType(value: unknown): JsonTypeName | 'undefined' {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value as JsonTypeName;
}

function statusMatches(status: number, expected: number | string): boolean {
  return typeof expected === 'number'
    ? status === expected
    : String(status)[0] === expected[0] && /^[1-5]xx$/i.test(expected);
}

function checkStatus(assertion: { status: StatusExpectation }, result: StepResult): Omit<AssertionResult, 'assertion'> {
  const actual = result.response?.status;
  const status = assertion.status;
  // One expectation, the usual `{ status: 200 }`, is checked as it is: no list, and no closure
  // made per check (issue #14 point 2). A template literal writes a number as String() does.
  const wanted = !Array.isArray(status)
    ? status
    : status.length === 1
      ? String(status[0])
      : `one of ${status.join(', ')}`;
  if (actual === undefined)
    return { passed: false, actual, message: `no HTTP response to check (expected status ${wanted})` };
  const passed = Array.isArray(status) ? status.some((e) => statusMatches(actual, e)) : statusMatches(actual, status);
  return { passed, actual, message: passed ? `status was ${actual}` : `status was ${actual}, expected ${wanted}` };
}

function responseHeader(result: StepResult, name: string): string | undefined {
  const value = headerValue(result.response?.headers ?? {}, name);
  return Array.isArray(value) ? value.join(', ') : value;
}

function scopeList(value: unknown, label: string): string[] | undefined {
  return typeof value === 'string' && /^(scope|scp)$/i.test(label) ? value.split(/\s+/).filter(Boolean) : undefined;
}

/** `item` as a message may quote it: credential fields by name, then the run's secrets, masked. */
function masked(secrets: SecretRegistry | undefined, item: unknown, key?: string): unknown {
  const byName = redactValue(item, key);
  return secrets ? secrets.value(byName) : byName;
}

/**
 * The name a label ends with (`$.a.b` → `b`, `claim scope` → `scope`), which masking by name reads,
 * by the label's text: a step's assertions check the same labels on every run (issue #14 point 2).
 * Kept in a bounded TextMemo.
 */
function fieldOfLabel(label: string): string {
  return fieldByLabel.get(label) ?? fieldByLabel.set(label, label.replace(/^.*[.\s]/, ''));
}
const fieldByLabel = new TextMemo<string>(256, 1_000);

/** Applies equals / contains / matches / exists / type to one value; `label` names it in messages. */
function checkValue(
  matchers: ValueMatchers,
  value: unknown,
  label: string,
  secrets: SecretRegistry | undefined,
  where?: string,
): Omit<AssertionResult, 'assertion'> {
  const actual = masked(secrets, value, fieldOfLabel(label));
  const failures: string[] = [];
  const present = value !== undefined;
  const hasComparison =
    matchers.equals !== undefined ||
    matchers.contains !== undefined ||
    matchers.matches !== undefined ||
    matchers.type !== undefined;
  const exists = matchers.exists ?? (hasComparison ? undefined : true);
  if (exists === true && !present)
    return { passed: false, actual, message: `${label} is absent, expected it to exist` };
  if (exists === false) {
    return present
      ? { passed: false, actual, message: `${label} is present (${show(actual)}), expected it to be absent` }
      : { passed: true, actual, message: `${label} is absent` };
  }
  if (!present) return { passed: false, actual, message: `${label} is absent` };
  if (matchers.equals !== undefined && !isDeepStrictEqual(value, matchers.equals)) {
    const typeNote =
      jsonType(value) !== jsonType(matchers.equals) ? ` (${jsonType(value)} vs ${jsonType(matchers.equals)})` : '';
    failures.push(`${label} was ${show(actual)}, expected ${show(masked(secrets, matchers.equals, label))}${typeNote}`);
  }
  if (matchers.contains !== undefined) {
    const scopes = scopeList(value, label);
    const ok = scopes
      ? scopes.includes(String(matchers.contains))
      : Array.isArray(value)
        ? value.some((item) => isDeepStrictEqual(item, matchers.contains))
        : typeof value === 'string'
          ? value.includes(String(matchers.contains))
          : false;
    if (!ok) failures.push(`${label} was ${show(actual)}, expected it to contain ${show(matchers.contains)}`);
  }
  if (matchers.matches !== undefined) {
    let regex: RegExp;
    try {
      regex = compileAssertionRegex(matchers.matches, where);
    } catch (error) {
      return { passed: false, actual, message: (error as OidcError).message, errorCode: (error as OidcError).code };
    }
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    if (!regex.test(text.slice(0, MAX_MATCH_INPUT)))
      failures.push(`${label} was ${show(actual)}, expected it to match ${regex}`);
  }
  if (matchers.type !== undefined && jsonType(value) !== matchers.type) {
    failures.push(`${label} is ${jsonType(value)}, expected ${matchers.type}`);
  }
  if (failures.length > 0) return { passed: false, actual, message: failures.join('; ') };
  return { passed: true, actual, message: `${label} is ${show(actual)}` };
}

function claimsOf(result: StepResult): Record<string, unknown> | undefined {
  return result.claims ?? result.token?.claims ?? result.introspection;
}

function expirySeconds(result: StepResult): number | undefined {
  const fromToken = result.token?.expires_at;
  if (typeof fromToken === 'number') return fromToken;
  const exp = claimsOf(result)?.exp ?? result.introspection?.exp;
  return typeof exp === 'number' ? exp : undefined;
}

function evaluateOne(
  assertion: Assertion,
  result: StepResult,
  options: EvaluateOptions,
): Omit<AssertionResult, 'assertion'> {
  if ('status' in assertion) return checkStatus(assertion, result);
  if ('header' in assertion)
    return checkValue(
      assertion,
      responseHeader(result, assertion.header),
      `header ${assertion.header}`,
      options.secrets,
    );
  if ('json' in assertion) {
    const body = result.response?.body ?? result.introspection;
    if (body === null || typeof body !== 'object') {
      return {
        passed: false,
        actual: options.secrets ? options.secrets.value(redactValue(body)) : redactValue(body),
        message: `the response body is ${body === undefined ? 'absent' : 'not JSON'}, so ${assertion.json} cannot be checked`,
      };
    }
    const refused = jsonPathProblem(assertion.json);
    if (refused) {
      return {
        passed: false,
        actual: undefined,
        message: `the JSON path ${assertion.json.length > 40 ? `${assertion.json.slice(0, 40)}…` : assertion.json} ${refused}`,
        errorCode: 'assertion.jsonpath',
      };
    }
    let values: unknown[];
    try {
      values = evaluateJsonPath(assertion.json, body as object);
    } catch (error) {
      return {
        passed: false,
        actual: undefined,
        message: `the JSON path ${assertion.json} is not valid: ${(error as Error).message}`,
        errorCode: 'assertion.jsonpath',
      };
    }
    const definite = isDefinitePath(assertion.json);
    return checkValue(
      assertion,
      definite ? values[0] : values.length > 0 ? values : undefined,
      assertion.json,
      options.secrets,
    );
  }
  if ('active' in assertion) {
    const active =
      result.introspection?.active ?? (result.response?.body as Record<string, unknown> | undefined)?.active;
    const passed = active === assertion.active;
    return {
      passed,
      actual: active,
      message: passed
        ? `token active was ${String(active)}`
        : `token active was ${active === undefined ? 'absent' : String(active)}, expected ${String(assertion.active)}`,
    };
  }
  if ('claim' in assertion) {
    const claims = claimsOf(result);
    if (!claims)
      return {
        passed: false,
        actual: undefined,
        message: `this step has no claims to check ${assertion.claim} against`,
      };
    return checkValue(
      assertion,
      Object.hasOwn(claims, assertion.claim) ? claims[assertion.claim] : undefined,
      `claim ${assertion.claim}`,
      options.secrets,
    );
  }
  if ('expiresIn' in assertion) {
    const exp = expirySeconds(result);
    if (exp === undefined)
      return { passed: false, actual: undefined, message: 'the token has no expiry (expires_at / exp) to check' };
    const now = typeof options.now === 'number' ? options.now : options.now();
    const remaining = Math.round(exp - now / 1000);
    const { atLeast, atMost } = assertion.expiresIn;
    const failures = [
      atLeast !== undefined && remaining < atLeast ? `at least ${atLeast}s` : undefined,
      atMost !== undefined && remaining > atMost ? `at most ${atMost}s` : undefined,
    ].filter(Boolean);
    return {
      passed: failures.length === 0,
      actual: remaining,
      message:
        failures.length === 0
          ? `token expires in ${remaining}s`
          : `token expires in ${remaining}s, expected ${failures.join(' and ')}`,
    };
  }
  if ('durationMs' in assertion) {
    const duration = result.durationMs;
    if (duration === undefined)
      return { passed: false, actual: undefined, message: 'the step duration was not recorded' };
    const passed = duration <= assertion.durationMs.atMost;
    return {
      passed,
      actual: duration,
      message: passed
        ? `took ${duration} ms`
        : `took ${duration} ms, expected at most ${assertion.durationMs.atMost} ms`,
    };
  }
  return {
    passed: false,
    actual: undefined,
    message: `the assertion needs one of: ${ASSERTION_SUBJECTS.join(', ')}`,
    errorCode: 'assertion.invalid',
  };
}

/** Checks each assertion against a step result; never throws for a failing check. */
export function evaluateAssertions(
  assertions: readonly Assertion[],
  result: StepResult,
  options: EvaluateOptions,
): AssertionResult[] {
  // The time read once for all of them, as the caller would have given it.
  const timed =
    typeof options.now === 'number' || !assertions.some(readsTime) ? options : { ...options, now: options.now() };
  // Made as long as the assertions, then filled: a list grown by push kept room for 17 (issue #14 point 2).
  const results = new Array<AssertionResult>(assertions.length);
  let index = 0;
  for (const assertion of assertions)
    results[index++] = withAssertion(assertion, evaluateOne(assertion, result, timed));
  return results;
}

/** An assertion that reads the time (EvaluateOptions.now). */
function readsTime(assertion: Assertion): boolean {
  return 'expiresIn' in assertion;
}

/**
 * `{ assertion, ...outcome }`, built directly: the spread copied each outcome into a second object
 * for every assertion of every step (issue #14 point 2). Every outcome lists passed, actual and
 * message in that order, and errorCode after them when it has one.
 */
function withAssertion(assertion: Assertion, outcome: Omit<AssertionResult, 'assertion'>): AssertionResult {
  const out: AssertionResult = {
    assertion,
    passed: outcome.passed,
    actual: outcome.actual,
    message: outcome.message,
  };
  if (Object.hasOwn(outcome, 'errorCode')) out.errorCode = outcome.errorCode;
  return out;
}
