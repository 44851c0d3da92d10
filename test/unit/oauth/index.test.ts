import { strict as assert } from 'node:assert';
import * as oauth from '../../../src/core/oauth';

describe('oauth public API', () => {
  it('re-exports every entry point from one module', () => {
    for (const name of [
      'discover',
      'DiscoveryCache',
      'oktaIssuer',
      'oktaMetadata',
      'applyClientAuth',
      'formUrlEncode',
      'clientCredentials',
      'authorizationCode',
      'deviceAuthorization',
      'refreshToken',
      'tokenExchange',
      'passwordGrant',
      'createPkce',
      'startLoopbackListener',
      'parseTokenResponse',
      'introspect',
      'revoke',
      'TokenStore',
    ]) {
      assert.equal(typeof (oauth as Record<string, unknown>)[name], 'function', name);
    }
  });
});
