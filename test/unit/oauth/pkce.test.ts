import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { codeChallengeS256, createPkce } from '../../../src/core/oauth/pkce';

describe('PKCE', () => {
  it('computes the RFC 7636 Appendix B challenge', () => {
    assert.equal(
      codeChallengeS256('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'),
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
  });

  it('makes verifiers of any allowed length from unreserved characters (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 43, max: 128 }), (length) => {
        const pkce = createPkce(length);
        assert.equal(pkce.verifier.length, length);
        assert.match(pkce.verifier, /^[A-Za-z0-9\-._~]+$/);
        assert.equal(pkce.challenge, codeChallengeS256(pkce.verifier));
        assert.equal(pkce.method, 'S256');
      }),
    );
  });

  it('uses the injected randomness and differs between calls by default', () => {
    const fixed = createPkce(43, (n) => new Uint8Array(n).fill(0));
    assert.equal(fixed.verifier, 'A'.repeat(43));
    assert.notEqual(createPkce().verifier, createPkce().verifier);
  });

  it('refuses lengths outside 43–128', () => {
    assert.throws(() => createPkce(42), { code: 'oauth.pkce_length' });
    assert.throws(() => createPkce(129), { code: 'oauth.pkce_length' });
  });
});
