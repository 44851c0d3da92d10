import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveDeckRoutes } from '../../../src/core/gateway/deck';
import { sandboxDeck, userDeck } from '../../../src/core/sandbox/sandbox';

const EXAMPLE = join(__dirname, '..', '..', '..', 'examples', 'sandbox-kong.yaml');
const env = {
  DECK_SANDBOX_ISSUER: 'https://127.0.0.1:1/oauth2/default',
  DECK_SANDBOX_UPSTREAM: 'http://127.0.0.1:2',
  DECK_SANDBOX_GATEWAY_CLIENT_ID: 'gateway',
  DECK_SANDBOX_GATEWAY_CLIENT_SECRET: 's',
};

describe('sandbox gateway from a decK file', () => {
  it('examples/sandbox-kong.yaml describes exactly the built-in routes', () => {
    const fromFile = resolveDeckRoutes(userDeck(readFileSync(EXAMPLE, 'utf8'), 'sandbox-kong.yaml', env));
    const builtIn = resolveDeckRoutes(
      sandboxDeck({
        issuer: env.DECK_SANDBOX_ISSUER,
        upstream: env.DECK_SANDBOX_UPSTREAM,
        gatewayClientId: 'gateway',
        gatewayClientSecret: 's',
      }),
    );
    assert.deepEqual(fromFile, builtIn);
  });

  it('names a missing ${{ env "DECK_..." }} variable and the ones the sandbox provides', () => {
    const text = '_format_version: "3.0"\nservices:\n  - name: s\n    url: ${{ env "DECK_MY_UPSTREAM" }}\n';
    assert.throws(
      () => userDeck(text, 'mine.yaml', env),
      (e: { code: string; message: string; hint?: string }) =>
        e.code === 'sandbox.deck_env' && /DECK_MY_UPSTREAM/.test(e.message) && /DECK_SANDBOX_ISSUER/.test(e.hint ?? ''),
    );
  });
});
