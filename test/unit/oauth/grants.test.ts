import { strict as assert } from 'node:assert';
import { request } from 'undici';
import { ManualClock } from '../../../src/core/clock';
import type { OidcError } from '../../../src/core/errors';
import { basicAuthorization } from '../../../src/core/oauth/client-auth';
import type { ClientConfig } from '../../../src/core/oauth/client-auth';
import type { OAuthContext } from '../../../src/core/oauth/context';
import {
  authorizationCode,
  clientCredentials,
  passwordGrant,
  refreshToken,
  tokenExchange,
} from '../../../src/core/oauth/grants';
import { oktaMetadata } from '../../../src/core/oauth/okta';
import { codeChallengeS256 } from '../../../src/core/oauth/pkce';
import { FakeHttp, formOf } from '../../support/fake-http';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const metadata = oktaMetadata({ domain: 'dev-1.okta.com', authorizationServerId: 'default' });
const TOKEN = metadata.token_endpoint!;
const basic: ClientConfig = { clientId: '0oa1', authMethod: 'client_secret_basic', clientSecret: 'secret-1' };

function ctx(http: FakeHttp, client: ClientConfig = basic, extra: Partial<OAuthContext> = {}): OAuthContext {
  return { http, metadata, client, clock: new ManualClock(NOW), ...extra };
}

const OK = { body: { access_token: 'AT-1', token_type: 'Bearer', expires_in: 3600, scope: 'orders:read' } };

describe('grants', () => {
  describe('clientCredentials', () => {
    it('posts grant_type, scope, audience, resource and extra fields with Basic auth to the token endpoint', async () => {
      const http = new FakeHttp().on(TOKEN, OK);
      const t = await clientCredentials(ctx(http), {
        scope: ['orders:read', 'orders:write'],
        audience: 'api://orders',
        resource: 'https://api.example',
        extra: { custom_field: 'x' },
      });
      assert.equal(t.accessToken, 'AT-1');
      assert.equal(t.expiresAt, NOW + 3_600_000);
      const r = http.last();
      assert.equal(r.method, 'POST');
      assert.equal(r.url, TOKEN);
      assert.equal(r.label, 'token endpoint');
      assert.equal(r.lane, 'idp');
      assert.deepEqual(formOf(r), {
        grant_type: 'client_credentials',
        scope: 'orders:read orders:write',
        audience: 'api://orders',
        resource: 'https://api.example',
        custom_field: 'x',
      });
      assert.equal(r.headers!.Authorization, basicAuthorization('0oa1', 'secret-1'));
      assert.equal(r.headers!.Accept, 'application/json');
      assert.ok(r.secrets!.includes('secret-1'));
      assert.ok(r.secrets!.includes(r.headers!.Authorization!));
    });

    it('omits unset optional fields', async () => {
      const http = new FakeHttp().on(TOKEN, OK);
      await clientCredentials(ctx(http));
      assert.deepEqual(formOf(http.last()), { grant_type: 'client_credentials' });
    });

    it("explains Okta's openid refusal for client credentials", async () => {
      const http = new FakeHttp().on(TOKEN, {
        status: 400,
        body: { error: 'invalid_scope', error_description: 'The following scopes are not allowed: openid' },
      });
      await assert.rejects(clientCredentials(ctx(http), { scope: 'openid orders:read' }), (e: OidcError) => {
        assert.equal(e.code, 'oauth.invalid_scope');
        assert.match(e.message, new RegExp(`Token endpoint ${TOKEN}`));
        assert.match(e.hint!, /custom scopes/);
        return true;
      });
    });

    it('says which endpoint is missing from the metadata', async () => {
      const http = new FakeHttp();
      await assert.rejects(
        clientCredentials({ http, metadata: { issuer: 'https://idp' }, client: basic }),
        (e: OidcError) => e.code === 'oauth.missing_endpoint' && /token_endpoint/.test(e.message),
      );
    });

    it('uses the token endpoint as the assertion audience for private_key_jwt-like methods', async () => {
      const http = new FakeHttp().on(TOKEN, OK);
      await clientCredentials(
        ctx(http, { clientId: '0oa1', authMethod: 'client_secret_jwt', clientSecret: 'x'.repeat(40) }),
      );
      const f = formOf(http.last());
      const payload = JSON.parse(Buffer.from(f.client_assertion!.split('.')[1]!, 'base64url').toString());
      assert.equal(payload.aud, TOKEN);
      assert.ok(http.last().secrets!.includes(f.client_assertion!));
    });

    it('passes mTLS material as request options', async () => {
      const http = new FakeHttp().on(TOKEN, OK);
      await clientCredentials(
        ctx(http, { clientId: '0oa1', authMethod: 'tls_client_auth', certificate: 'C', certificateKey: 'K' }),
      );
      assert.deepEqual(http.last().options, { cert: 'C', key: 'K' });
    });
  });

  describe('authorizationCode', () => {
    /** Plays the browser: follows the authorize URL straight back to the loopback redirect. */
    function browser(params: (url: URL) => Record<string, string>) {
      const seen: URL[] = [];
      const open = async (raw: string) => {
        const url = new URL(raw);
        seen.push(url);
        const back = new URL(url.searchParams.get('redirect_uri')!);
        for (const [k, v] of Object.entries(params(url))) back.searchParams.set(k, v);
        const res = await request(back.toString());
        await res.body.text();
      };
      return { open, seen };
    }

    it('sends PKCE S256, state and nonce, then exchanges the code with the verifier', async () => {
      const http = new FakeHttp().on(TOKEN, { body: { ...OK.body, id_token: 'IDT' } });
      const b = browser((url) => ({ code: 'CODE-1', state: url.searchParams.get('state')! }));
      const pub: ClientConfig = { clientId: '0oa-spa', authMethod: 'none' };
      const result = await authorizationCode(ctx(http, pub), {
        scope: 'openid profile',
        openBrowser: b.open,
        prompt: 'login',
        loginHint: 'a@b.c',
        extra: { acr_values: 'x' },
      });

      const url = b.seen[0]!;
      assert.equal(url.origin + url.pathname, metadata.authorization_endpoint);
      const q = url.searchParams;
      assert.equal(q.get('response_type'), 'code');
      assert.equal(q.get('client_id'), '0oa-spa');
      assert.equal(q.get('scope'), 'openid profile');
      assert.equal(q.get('code_challenge_method'), 'S256');
      assert.equal(q.get('prompt'), 'login');
      assert.equal(q.get('login_hint'), 'a@b.c');
      assert.equal(q.get('acr_values'), 'x');
      assert.equal(q.get('nonce'), result.nonce);
      assert.equal(q.get('state'), result.state);
      assert.match(q.get('redirect_uri')!, /^http:\/\/127\.0\.0\.1:\d+\/callback$/);

      const form = formOf(http.last());
      assert.equal(form.grant_type, 'authorization_code');
      assert.equal(form.code, 'CODE-1');
      assert.equal(form.redirect_uri, q.get('redirect_uri'));
      assert.equal(form.client_id, '0oa-spa');
      assert.ok(!('client_secret' in form));
      assert.equal(codeChallengeS256(form.code_verifier!), q.get('code_challenge'));
      assert.ok(http.last().secrets!.includes('CODE-1'));
      assert.ok(http.last().secrets!.includes(form.code_verifier!));
      assert.equal(result.idToken, 'IDT');
      assert.equal(result.redirectUri, q.get('redirect_uri'));
    });

    it('fails on a state mismatch without calling the token endpoint', async () => {
      const http = new FakeHttp().on(TOKEN, OK);
      const b = browser(() => ({ code: 'C', state: 'forged' }));
      await assert.rejects(authorizationCode(ctx(http), { scope: 'openid', openBrowser: b.open }), {
        code: 'oauth.state_mismatch',
      });
      assert.equal(http.requests.length, 0);
    });

    it('checks iss when the server advertises authorization_response_iss_parameter_supported', async () => {
      const http = new FakeHttp().on(TOKEN, OK);
      const b = browser((url) => ({ code: 'C', state: url.searchParams.get('state')!, iss: 'https://other-idp' }));
      const c = ctx(http, basic, { metadata: { ...metadata, authorization_response_iss_parameter_supported: true } });
      await assert.rejects(authorizationCode(c, { scope: 'openid', openBrowser: b.open }), {
        code: 'oauth.iss_mismatch',
      });

      const ok = browser((url) => ({ code: 'C', state: url.searchParams.get('state')!, iss: metadata.issuer }));
      assert.equal((await authorizationCode(c, { scope: 'openid', openBrowser: ok.open })).accessToken, 'AT-1');
    });

    it('reports the IdP error from the redirect', async () => {
      const b = browser((url) => ({
        error: 'access_denied',
        error_description: 'User is not assigned to the client application.',
        state: url.searchParams.get('state')!,
      }));
      await assert.rejects(
        authorizationCode(ctx(new FakeHttp()), { scope: 'openid', openBrowser: b.open }),
        (e: OidcError) => e.code === 'oauth.access_denied' && /not assigned/.test(e.message),
      );
    });

    it('times out when the browser never comes back', async () => {
      await assert.rejects(
        authorizationCode(ctx(new FakeHttp()), { scope: 'openid', openBrowser: () => undefined, timeoutMs: 20 }),
        { code: 'oauth.loopback_timeout' },
      );
    });

    it('reports a browser that cannot be opened', async () => {
      await assert.rejects(
        authorizationCode(ctx(new FakeHttp()), {
          scope: 'openid',
          openBrowser: () => {
            throw new Error('no display');
          },
        }),
        { code: 'oauth.browser_failed' },
      );
    });
  });

  describe('refreshToken', () => {
    it('posts the refresh token, lists it for redaction and keeps it when no new one comes back', async () => {
      const http = new FakeHttp().on(TOKEN, OK);
      const t = await refreshToken(ctx(http), 'RT-old', { scope: 'orders:read', extra: { foo: 'bar' } });
      assert.deepEqual(formOf(http.last()), {
        grant_type: 'refresh_token',
        refresh_token: 'RT-old',
        scope: 'orders:read',
        foo: 'bar',
      });
      assert.ok(http.last().secrets!.includes('RT-old'));
      assert.equal(t.refreshToken, 'RT-old');
    });

    it('takes a rotated refresh token', async () => {
      const http = new FakeHttp().on(TOKEN, { body: { ...OK.body, refresh_token: 'RT-new' } });
      assert.equal((await refreshToken(ctx(http), 'RT-old')).refreshToken, 'RT-new');
    });

    it('surfaces invalid_grant', async () => {
      const http = new FakeHttp().on(TOKEN, {
        status: 400,
        body: { error: 'invalid_grant', error_description: 'The refresh token is invalid or expired.' },
      });
      await assert.rejects(refreshToken(ctx(http), 'RT'), { code: 'oauth.invalid_grant' });
    });
  });

  describe('tokenExchange', () => {
    it('posts the RFC 8693 fields, expanding short token type names, and returns issued_token_type', async () => {
      const http = new FakeHttp().on(TOKEN, {
        body: {
          access_token: 'X',
          token_type: 'Bearer',
          issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
        },
      });
      const t = await tokenExchange(ctx(http), {
        subjectToken: 'SUBJ',
        subjectTokenType: 'access_token',
        actorToken: 'ACT',
        actorTokenType: 'urn:ietf:params:oauth:token-type:id_token',
        requestedTokenType: 'access_token',
        audience: 'api://downstream',
        scope: ['a', 'b'],
      });
      assert.equal(t.issuedTokenType, 'urn:ietf:params:oauth:token-type:access_token');
      assert.deepEqual(formOf(http.last()), {
        grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
        subject_token: 'SUBJ',
        subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
        actor_token: 'ACT',
        actor_token_type: 'urn:ietf:params:oauth:token-type:id_token',
        requested_token_type: 'urn:ietf:params:oauth:token-type:access_token',
        audience: 'api://downstream',
        scope: 'a b',
      });
      assert.ok(http.last().secrets!.includes('SUBJ'));
      assert.ok(http.last().secrets!.includes('ACT'));
    });
  });

  describe('passwordGrant', () => {
    it('posts username and password and lists the password (in both encodings) for redaction', async () => {
      const http = new FakeHttp().on(TOKEN, OK);
      await passwordGrant(ctx(http, { clientId: '0oa1', authMethod: 'client_secret_post', clientSecret: 's' }), {
        username: 'ann@example.com',
        password: 'p@ss word',
        scope: 'openid',
      });
      const r = http.last();
      assert.deepEqual(formOf(r), {
        grant_type: 'password',
        username: 'ann@example.com',
        password: 'p@ss word',
        scope: 'openid',
        client_id: '0oa1',
        client_secret: 's',
      });
      assert.ok(r.secrets!.includes('p@ss word'));
      assert.ok(r.secrets!.includes('p%40ss+word'));
      assert.ok(r.secrets!.includes('s'));
    });

    it('masks the password and client secret in a refusal whose description echoes our request body', async () => {
      const http = new FakeHttp().on(TOKEN, {
        status: 400,
        body: {
          error: 'invalid_grant',
          error_description: 'bad request: password=hunter2-pw&client_secret=secret-of-the-client',
        },
      });
      const client: ClientConfig = {
        clientId: '0oa1',
        authMethod: 'client_secret_post',
        clientSecret: 'secret-of-the-client',
      };
      await assert.rejects(
        passwordGrant(ctx(http, client), { username: 'ann', password: 'hunter2-pw' }),
        (e: OidcError) => {
          assert.match(
            e.message,
            /invalid_grant: bad request: password=\[redacted 10 chars\]&client_secret=\[redacted/,
          );
          assert.doesNotMatch(`${e.message} ${e.serverDescription}`, /hunter2-pw|secret-of-the-client/);
          return true;
        },
      );
    });
  });
});
