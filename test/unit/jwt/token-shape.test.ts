import { strict as assert } from 'node:assert';
import { notATokenReason } from '../../../src/core/jwt/token-shape';

describe('notATokenReason: strings that are not tokens an IdP issued', () => {
  it('a placeholder, a short string, a cut-off JWT and stray characters are not tokens', () => {
    assert.match(notATokenReason('abc')!, /placeholder/);
    assert.match(notATokenReason('${TOKEN}')!, /placeholder/);
    assert.match(notATokenReason('q1w2e3')!, /only 6 characters/);
    assert.match(notATokenReason('eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0')!, /2 parts instead of 3/);
    assert.match(notATokenReason('not a token at all!')!, /characters no bearer token has/);
  });

  it('a real-looking opaque token and a JWT pass', () => {
    assert.equal(notATokenReason('Bearer 2YotnFZFEjr1zCsicMWpAA2YotnFZFEjr1zCsicMWpAA'), undefined);
    assert.equal(notATokenReason('eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln'), undefined);
  });
});
