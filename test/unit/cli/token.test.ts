import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import {
  curlExchanges,
  parseParams,
  parseTokenRequest,
  tokenCommand,
  tokenEnvLines,
  tokenHelp,
  tokenSummary,
} from '../../../src/cli/commands/token';
import { UsageError } from '../../../src/cli/io';
import type { HttpExchange } from '../../../src/core/http/types';
import type { TokenSet } from '../../../src/core/oauth/token-response';
import { captureIo } from '../../support/capture-io';
import { invoke } from '../../support/cli-invoke';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const NOW = Date.UTC(2024, 4, 1, 14, 0, 0);
const set = (extra: Partial<TokenSet> = {}): TokenSet => ({
  accessToken: 'opaque-at',
  tokenType: 'Bearer',
  obtainedAt: NOW,
  fields: {},
  ...extra,
});
const usage = (fn: () => unknown, pattern: RegExp) =>
  assert.throws(fn, (error: unknown) => error instanceof UsageError && pattern.test(error.message));

describe('oidc-flow token', () => {
  describe('parseTokenRequest', () => {
    it('defaults to client_credentials and refuses unknown grants', () => {
      assert.deepEqual(parseTokenRequest({}, {}), { grant: 'client_credentials' });
      usage(
        () => parseTokenRequest({ grant: 'implicit' }, {}),
        /Unknown --grant "implicit": use one of client_credentials, authorization_code/,
      );
    });

    it('reads refresh, subject tokens and passwords from environment variables, naming the variable when unset', () => {
      assert.deepEqual(parseTokenRequest({ grant: 'refresh_token' }, { OIDC_REFRESH_TOKEN: ' rt ' }), {
        grant: 'refresh_token',
        refreshToken: 'rt',
      });
      assert.deepEqual(parseTokenRequest({ grant: 'refresh_token', 'refresh-token-env': 'RT' }, { RT: 'x' }), {
        grant: 'refresh_token',
        refreshToken: 'x',
      });
      usage(
        () => parseTokenRequest({ grant: 'refresh_token', 'refresh-token-env': 'RT' }, {}),
        /environment variable RT \(--refresh-token-env\), which is not set/,
      );
      assert.deepEqual(
        parseTokenRequest({ grant: 'token_exchange', 'subject-token-type': 'id_token' }, { OIDC_SUBJECT_TOKEN: 'st' }),
        {
          grant: 'token_exchange',
          subjectToken: 'st',
          subjectTokenType: 'id_token',
          requestedTokenType: undefined,
        },
      );
      assert.deepEqual(
        parseTokenRequest({ grant: 'password', username: 'alice', 'password-env': 'PW' }, { PW: 'pw' }),
        { grant: 'password', username: 'alice', password: 'pw' },
      );
      usage(() => parseTokenRequest({ grant: 'password' }, { OIDC_PASSWORD: 'pw' }), /needs --username/);
    });

    it('refuses options that belong to another grant, and a bad port', () => {
      usage(() => parseTokenRequest({ username: 'alice' }, {}), /--username belongs to --grant password/);
      usage(
        () => parseTokenRequest({ grant: 'device_code', 'subject-token-env': 'X' }, {}),
        /belongs to --grant token_exchange/,
      );
      assert.deepEqual(parseTokenRequest({ grant: 'authorization_code', port: '8080' }, {}), {
        grant: 'authorization_code',
        port: 8080,
      });
      usage(() => parseTokenRequest({ grant: 'authorization_code', port: 'http' }, {}), /--port takes a port number/);
    });
  });

  it('parses --param name=value, keeping "=" inside values', () => {
    assert.deepEqual(parseParams(['a=1', 'b=x=y', 'c=']), { a: '1', b: 'x=y', c: '' });
    usage(() => parseParams(['novalue']), /--param takes name=value, got "novalue"/);
    usage(() => parseParams(['=v']), /name=value/);
  });

  describe('tokenSummary', () => {
    it('gives type, scopes and expiry in local time and relative to now', () => {
      const line = tokenSummary(set({ scope: ['orders:read', 'orders:write'], expiresAt: NOW + 3600_000 }), NOW, 'UTC');
      assert.equal(
        line,
        'Bearer token (opaque), scopes orders:read orders:write, expires 2024-05-01 15:00:00 UTC (in 1 hour)',
      );
    });

    it('falls back on the JWT claims and mentions refresh and ID tokens', () => {
      const jwt = `${b64({ alg: 'RS256' })}.${b64({ scp: ['a', 'b'], exp: NOW / 1000 - 120 })}.c2ln`;
      const line = tokenSummary(set({ accessToken: jwt, refreshToken: 'r', idToken: 'i' }), NOW, 'Europe/Berlin');
      assert.equal(
        line,
        'Bearer token (JWT), scopes a b, expires 2024-05-01 15:58:00 GMT+2 (2 minutes ago), with a refresh token, with an ID token',
      );
    });

    it('says when the IdP stated neither scopes nor expiry', () => {
      assert.equal(tokenSummary(set(), NOW), 'Bearer token (opaque), scopes not stated, no expiry stated');
    });
  });

  describe('tokenEnvLines', () => {
    it('prints export lines only for what the token set has', () => {
      assert.equal(
        tokenEnvLines(set({ expiresAt: NOW + 1500 })),
        `export OIDC_ACCESS_TOKEN='opaque-at'\nexport OIDC_TOKEN_TYPE='Bearer'\nexport OIDC_TOKEN_EXPIRES_AT='${NOW / 1000 + 1}'\n`,
      );
      assert.match(
        tokenEnvLines(set({ refreshToken: 'rt', idToken: 'it' })),
        /OIDC_REFRESH_TOKEN='rt'\nexport OIDC_ID_TOKEN='it'\n$/,
      );
    });

    it('survives a round trip through a POSIX shell whatever the token holds', () => {
      fc.assert(
        fc.property(
          fc.string({ minLength: 1, maxLength: 40 }).filter((s) => !s.includes('\0')),
          (token) => {
            const script = `${tokenEnvLines(set({ accessToken: token }))}printf %s "$OIDC_ACCESS_TOKEN"`;
            assert.equal(execFileSync('sh', ['-c', script], { encoding: 'utf8' }), token);
          },
        ),
        { numRuns: 25 },
      );
    });
  });

  it('shows the device authorization request and only the last token poll as curl', () => {
    const ex = (id: string, label: string) => ({ id, label }) as HttpExchange;
    const picked = curlExchanges([
      ex('1', 'discovery'),
      ex('2', 'device authorization endpoint'),
      ex('3', 'token endpoint'),
      ex('4', 'token endpoint'),
    ]);
    assert.deepEqual(
      picked.map((e) => e.id),
      ['2', '4'],
    );
  });

  describe('command', () => {
    it('refuses a client secret given as a flag, before any request (exit 2)', async () => {
      const c = captureIo();
      assert.equal(
        await invoke(
          tokenCommand,
          ['--issuer', 'https://idp.example', '--client-id', 'a', '--client-secret', 'hunter2'],
          c.io,
        ),
        2,
      );
      assert.match(c.err(), /--client-secret is not accepted/);
      assert.ok(!c.err().includes('hunter2'));
    });

    it('says how to name the IdP, and rejects an unknown output (exit 2)', async () => {
      const none = captureIo();
      assert.equal(await invoke(tokenCommand, ['--client-id', 'a'], none.io), 2);
      assert.match(none.err(), /--client-id needs an IdP/);
      const output = captureIo();
      assert.equal(await invoke(tokenCommand, ['--issuer', 'https://idp.example', '--output', 'yaml'], output.io), 2);
      assert.match(output.err(), /Unknown --output "yaml"/);
    });

    it('has help that starts with its usage line and documents every grant', () => {
      assert.match(tokenHelp, /^Usage: oidc-flow token/);
      for (const grant of [
        'client_credentials',
        'authorization_code',
        'device_code',
        'refresh_token',
        'token_exchange',
        'password',
      ])
        assert.match(tokenHelp, new RegExp(`\\n  ${grant} `));
      assert.match(tokenHelp, /--client-secret-env NAME/);
    });
  });
});
