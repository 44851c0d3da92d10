import { strict as assert } from 'node:assert';
import { ManualClock } from '../../../src/core/clock';
import { OidcError } from '../../../src/core/errors';
import type { ClaimExplanation } from '../../../src/core/jwt/explain';
import { explainClaims, formatDuration, tokenLifetime } from '../../../src/core/jwt/explain';
import { ISSUER, NOW, NOW_MS } from '../../support/jwt-fixtures';

const clock = new ManualClock(NOW_MS);

function byName(list: ClaimExplanation[], name: string): ClaimExplanation {
  const found = list.find((e) => e.name === name);
  assert.ok(found, `no explanation for ${name}`);
  return found;
}

describe('claim explanations', () => {
  const okta = {
    ver: 1,
    jti: 'AT.abc',
    iss: ISSUER,
    aud: 'api://default',
    iat: NOW - 6 * 60,
    exp: NOW + 54 * 60,
    cid: '0oa-service',
    uid: '00u-user',
    scp: ['orders.read', 'orders.write'],
    sub: '0oa-service',
    tenant: 'acme',
  };

  it('explains Okta access token claims in payload order and marks unknown ones custom', () => {
    const list = explainClaims(okta, { clock, timeZone: 'UTC' });
    assert.deepEqual(
      list.map((e) => e.name),
      Object.keys(okta),
    );
    assert.equal(byName(list, 'scp').label, 'Scopes (Okta)');
    assert.match(byName(list, 'scp').explanation, /orders\.read, orders\.write.*scopes_claim \[scp\]/);
    assert.match(byName(list, 'cid').explanation, /0oa-service/);
    assert.match(byName(list, 'uid').label, /User id \(Okta\)/);
    assert.match(byName(list, 'ver').label, /Version/);
    assert.match(byName(list, 'sub').explanation, /client-credentials/);
    const custom = byName(list, 'tenant');
    assert.equal(custom.custom, true);
    assert.equal(custom.label, 'Custom claim');
    assert.equal(byName(list, 'iss').custom, undefined);
    assert.deepEqual(byName(list, 'scp').value, okta.scp);
  });

  it("knows RFC 7662's introspection members (active, token_type, username): none is called custom", () => {
    const list = explainClaims({ active: true, token_type: 'Bearer', username: 'ada', device_id: 'guo1' }, { clock });
    assert.ok(
      list.every((e) => !e.custom),
      JSON.stringify(list),
    );
    assert.match(byName(list, 'token_type').explanation, /Bearer/);
  });

  it('shows times as absolute local time and relative to now', () => {
    const list = explainClaims(
      { ...okta, nbf: NOW - 3 * 3600, auth_time: NOW - 2 * 3600 - 5 * 60 },
      { clock, timeZone: 'UTC' },
    );
    assert.match(byName(list, 'exp').explanation, /2024-05-01 14:54:00 UTC \(in 54 minutes\)/);
    assert.match(byName(list, 'exp').explanation, /lives 1 hour in total/);
    assert.match(byName(list, 'iat').explanation, /13:54:00 UTC \(6 minutes ago\)/);
    assert.match(byName(list, 'nbf').explanation, /\(3 hours ago\)/);
    assert.match(byName(list, 'auth_time').explanation, /\(2 h 5 min ago\)/);
  });

  it('uses the time zone given', () => {
    const [exp] = explainClaims({ exp: NOW }, { clock, timeZone: 'Asia/Tokyo' });
    assert.match(exp!.explanation, /2024-05-01 23:00:00 GMT\+9/);
    assert.throws(
      () => explainClaims({ exp: NOW }, { clock, timeZone: 'Mars/Olympus' }),
      (e: unknown) => e instanceof OidcError && e.code === 'jwt.time_zone',
    );
  });

  it('says an expired token must be refused and flags times that are not numbers', () => {
    const list = explainClaims({ exp: NOW - 3 * 3600, iat: 'yesterday' }, { clock, timeZone: 'UTC' });
    assert.match(byName(list, 'exp').explanation, /expired at .*\(3 hours ago\) and must be refused/);
    assert.match(byName(list, 'iat').explanation, /not a time/);
  });

  it('explains sender-constrained tokens (cnf: DPoP jkt, mTLS x5t#S256)', () => {
    const [dpop] = explainClaims({ cnf: { jkt: 'thumb' } }, { clock });
    assert.match(dpop!.explanation, /DPoP/);
    const [mtls] = explainClaims({ cnf: { 'x5t#S256': 'certthumb' } }, { clock });
    assert.match(mtls!.explanation, /mTLS/);
  });

  it('explains token exchange (act chain, may_act), amr, acr, scope, groups, roles and OIDC claims', () => {
    const list = explainClaims(
      {
        sub: 'alice',
        act: { sub: 'gateway', act: { sub: 'batch-job' } },
        may_act: { client_id: 'svc-b' },
        amr: ['pwd', 'mfa', 'x-custom'],
        acr: 'urn:okta:loa:2fa:any',
        scope: 'openid profile',
        groups: ['admins'],
        roles: ['reader'],
        azp: 'web',
        client_id: 'web',
        nonce: 'n1',
        at_hash: 'h',
      },
      { clock },
    );
    assert.match(byName(list, 'act').explanation, /gateway acts on behalf of alice.*batch-job/);
    assert.match(byName(list, 'may_act').explanation, /client svc-b/);
    assert.match(byName(list, 'amr').explanation, /pwd \(password\), mfa \(multiple factors\), x-custom/);
    assert.match(byName(list, 'acr').explanation, /urn:okta:loa:2fa:any/);
    assert.match(byName(list, 'scope').explanation, /openid, profile/);
    assert.match(byName(list, 'groups').explanation, /admins/);
    assert.match(byName(list, 'roles').explanation, /reader/);
    for (const name of ['azp', 'client_id', 'nonce', 'at_hash'])
      assert.equal(byName(list, name).custom, undefined, name);
  });

  it('computes the token lifetime with the injected clock', () => {
    assert.deepEqual(tokenLifetime({ exp: NOW + 90 }, clock), { expiresAt: NOW + 90, secondsLeft: 90, expired: false });
    assert.deepEqual(tokenLifetime({ exp: NOW - 5 }, clock), { expiresAt: NOW - 5, secondsLeft: -5, expired: true });
    assert.deepEqual(tokenLifetime({ exp: NOW }, clock), { expiresAt: NOW, secondsLeft: 0, expired: true });
    assert.deepEqual(tokenLifetime({}, clock), { expired: false });
    assert.deepEqual(tokenLifetime({ exp: '1' }, clock), { expired: false });
  });

  it('formats durations for people', () => {
    assert.equal(formatDuration(0), '0 seconds');
    assert.equal(formatDuration(1), '1 second');
    assert.equal(formatDuration(45), '45 seconds');
    assert.equal(formatDuration(60), '1 minute');
    assert.equal(formatDuration(54 * 60 + 59), '54 minutes');
    assert.equal(formatDuration(3 * 3600), '3 hours');
    assert.equal(formatDuration(2 * 3600 + 5 * 60), '2 h 5 min');
    assert.equal(formatDuration(-300), '5 minutes');
    assert.equal(formatDuration(86400), '1 day');
    assert.equal(formatDuration(4 * 86400 + 2 * 3600), '4 d 2 h');
  });
});
