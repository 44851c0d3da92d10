import { strict as assert } from 'node:assert';
import { compileAssertionRegex, evaluateAssertions } from '../../../src/core/flow';
import type { Assertion, StepResult } from '../../../src/core/flow';
import { OidcError } from '../../../src/core/errors';

const NOW = 1_800_000_000_000;

const call: StepResult = {
  status: 'failed',
  durationMs: 120,
  response: {
    status: 401,
    headers: { 'WWW-Authenticate': 'Bearer error="invalid_token", error_description="The access token is inactive"' },
    body: { items: [{ id: 'o-1' }], count: 1, access_token: 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJhbGljZSJ9.x' },
  },
};
const token: StepResult = {
  status: 'passed',
  token: { access_token: 'at', token_type: 'Bearer', expires_at: NOW / 1000 + 3600, scope: 'orders.read orders.write' },
  claims: { scp: ['orders.read'], scope: 'orders.read orders.readwrite', aud: 'api://orders' },
};
const introspection: StepResult = { status: 'passed', introspection: { active: false } };

function one(assertion: Assertion, result: StepResult) {
  const [r] = evaluateAssertions([assertion], result, { now: NOW });
  return r!;
}

describe('assertions', () => {
  it('gives each result its assertion first, then passed, actual and message, and errorCode only for a broken one', () => {
    const results = evaluateAssertions(
      [
        { status: 401 },
        { json: '$.count', equals: 2 },
        { json: '$.items', matches: '(' },
        { durationMs: { atMost: 500 } },
      ],
      call,
      { now: NOW },
    );
    assert.deepEqual(
      results.map((r) => Object.keys(r)),
      [
        ['assertion', 'passed', 'actual', 'message'],
        ['assertion', 'passed', 'actual', 'message'],
        ['assertion', 'passed', 'actual', 'message', 'errorCode'],
        ['assertion', 'passed', 'actual', 'message'],
      ],
    );
    assert.deepEqual(results[1], {
      assertion: { json: '$.count', equals: 2 },
      passed: false,
      actual: 1,
      message: '$.count was 1, expected 2',
    });
    assert.equal(results[2]!.errorCode, 'assertion.regex');
  });

  it('checks status, a list of statuses and a class', () => {
    assert.deepEqual(
      [
        one({ status: 401 }, call).passed,
        one({ status: [200, 401] }, call).passed,
        one({ status: '4xx' }, call).passed,
      ],
      [true, true, true],
    );
    const failed = one({ status: 200 }, call);
    assert.equal(failed.passed, false);
    assert.equal(failed.message, 'status was 401, expected 200');
    assert.equal(failed.actual, 401);
    assert.equal(one({ status: [200, 204] }, call).message, 'status was 401, expected one of 200, 204');
    assert.match(one({ status: 200 }, token).message, /no HTTP response/);
  });

  it('checks headers case-insensitively with matches, contains, equals and exists', () => {
    assert.equal(one({ header: 'www-authenticate' }, call).passed, true);
    assert.equal(one({ header: 'www-authenticate', matches: '/INVALID_TOKEN/i' }, call).passed, true);
    assert.equal(one({ header: 'WWW-Authenticate', contains: 'inactive' }, call).passed, true);
    assert.equal(one({ header: 'x-missing', exists: false }, call).passed, true);
    const absent = one({ header: 'x-missing' }, call);
    assert.equal(absent.message, 'header x-missing is absent, expected it to exist');
    const mismatch = one({ header: 'www-authenticate', matches: 'insufficient_scope' }, call);
    assert.equal(mismatch.passed, false);
    assert.match(mismatch.message, /expected it to match \/insufficient_scope\//);
  });

  it('checks JSON paths, with types and without leaking tokens', () => {
    assert.equal(one({ json: '$.items[0].id', equals: 'o-1' }, call).passed, true);
    assert.equal(one({ json: '$.count', type: 'number' }, call).passed, true);
    const typeMismatch = one({ json: '$.count', equals: '1' }, call);
    assert.equal(typeMismatch.message, "$.count was 1, expected '1' (number vs string)");
    assert.equal(one({ json: '$..id', contains: 'o-1' }, call).passed, true);
    assert.equal(one({ json: '$.nope', exists: false }, call).passed, true);
    const secret = one({ json: '$.access_token', equals: 'x' }, call);
    assert.equal(secret.passed, false);
    assert.ok(!secret.message.includes('eyJ'), secret.message);
    // One mask style everywhere: the one of exchanges, curl and HAR.
    assert.match(String(secret.actual), /^\[redacted \d+ chars\]$/);
    // The label's last name is remembered: the same label masks the same way again, and so does a claim's.
    assert.match(String(one({ json: '$.access_token', exists: true }, call).actual), /^\[redacted \d+ chars\]$/);
    const claimed: StepResult = { status: 'passed', claims: { client_secret: 'not-a-jwt-but-secret' } };
    assert.match(String(one({ claim: 'client_secret', exists: true }, claimed).actual), /^\[redacted \d+ chars\]$/);
    assert.equal(one({ json: '$.count', exists: true }, call).actual, 1);
    assert.equal(one({ json: '$..[?(@.constructor)]', exists: true }, call).errorCode, 'assertion.jsonpath');
  });

  // Found by test/unit/fuzz/template.test.ts: jsonpath-plus parses a path in time quadratic in its length.
  it('refuses a JSON path longer than any real one before jsonpath-plus parses it', () => {
    const result = one({ json: `$${'.a'.repeat(50_000)}`, exists: true }, call);
    assert.equal(result.errorCode, 'assertion.jsonpath');
    assert.match(result.message, /100001 characters long; a JSON path may be at most 1000/);
  });

  // Found by test/unit/fuzz/template.test.ts: every .. searches the whole body again from each match of the one before.
  it('refuses a JSON path with more recursive descents than a real one needs', () => {
    const result = one({ json: `$${'..$'.repeat(300)}..price`, exists: true }, call);
    assert.equal(result.errorCode, 'assertion.jsonpath');
    assert.match(result.message, /\.\. at most 2 times/);
    assert.equal(one({ json: '$..items..id', exists: true }, call).passed, true);
  });

  it('checks introspection active', () => {
    assert.equal(one({ active: false }, introspection).passed, true);
    const r = one({ active: true }, introspection);
    assert.equal(r.message, 'token active was false, expected true');
  });

  it('checks claims, treating scope strings as space-separated lists', () => {
    assert.equal(one({ claim: 'scp', contains: 'orders.read' }, token).passed, true);
    assert.equal(one({ claim: 'aud', equals: 'api://orders' }, token).passed, true);
    assert.equal(one({ claim: 'scope', contains: 'orders.read' }, token).passed, true);
    assert.equal(
      one({ claim: 'scope', contains: 'orders.write' }, token).passed,
      false,
      'orders.readwrite is not orders.write',
    );
    const aud = one({ claim: 'aud', equals: 'api://default' }, token);
    assert.equal(aud.message, "claim aud was 'api://orders', expected 'api://default'");
    assert.equal(one({ claim: 'groups', exists: false }, token).passed, true);
  });

  it('checks expiry against the injected time and the duration', () => {
    assert.equal(one({ expiresIn: { atLeast: 60 } }, token).passed, true);
    const r = one({ expiresIn: { atMost: 600 } }, token);
    assert.equal(r.message, 'token expires in 3600s, expected at most 600s');
    assert.equal(one({ durationMs: { atMost: 100 } }, call).message, 'took 120 ms, expected at most 100 ms');
    assert.match(one({ expiresIn: { atLeast: 1 } }, call).message, /no expiry/);
  });

  it("reads the time from a clock only for expiresIn, once for all of a step's assertions", () => {
    let reads = 0;
    const now = () => {
      reads += 1;
      return NOW + reads * 1000;
    };
    assert.equal(evaluateAssertions([{ status: 200 }, { claim: 'aud', exists: true }], token, { now }).length, 2);
    assert.equal(reads, 0, 'no assertion needed the time');
    const [first, second] = evaluateAssertions(
      [{ expiresIn: { atLeast: 60 } }, { status: 200 }, { expiresIn: { atMost: 600 } }],
      token,
      { now },
    );
    assert.equal(reads, 1);
    assert.equal(first!.actual, 3599);
    assert.equal(second!.passed, false);
  });

  it('reports an invalid regex as a broken assertion, not a crash', () => {
    const r = one({ header: 'www-authenticate', matches: '(unclosed' }, call);
    assert.equal(r.passed, false);
    assert.equal(r.errorCode, 'assertion.regex');
    assert.match(r.message, /not a valid regular expression/);
    assert.throws(
      () => compileAssertionRegex('[a-'),
      (e: unknown) => e instanceof OidcError && e.code === 'assertion.regex',
    );
    assert.throws(() => compileAssertionRegex('a'.repeat(2000)), /limit is 1000/);
    assert.equal(compileAssertionRegex('/abc/gi').flags, 'i');
  });

  it('evaluates a list in order', () => {
    const results = evaluateAssertions([{ status: 401 }, { header: 'www-authenticate' }, { status: 200 }], call, {
      now: NOW,
    });
    assert.deepEqual(
      results.map((r) => r.passed),
      [true, true, false],
    );
  });
});
