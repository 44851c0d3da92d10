/**
 * postWithClientAuth builds one request in place; it must send exactly what the public
 * applyClientAuth makes of the same post, for any form, listed secrets and secret method.
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { ManualClock } from '../../../src/core/clock';
import { applyClientAuth, secretForms } from '../../../src/core/oauth/client-auth';
import type { ClientAuthMethod, ClientConfig } from '../../../src/core/oauth/client-auth';
import { postWithClientAuth } from '../../../src/core/oauth/context';
import type { AuthenticatedPost } from '../../../src/core/oauth/context';
import type { HttpClient, HttpRequest, HttpResponse } from '../../../src/core/http/types';

const URL_ = 'https://idp.example/oauth2/default/v1/token';
const clock = new ManualClock(Date.UTC(2026, 0, 1));

/** The request as it was built before it was made in place: compact, applyClientAuth, then a Set of secrets. */
async function reference(client: ClientConfig, post: AuthenticatedPost): Promise<Partial<HttpRequest>> {
  const form: Record<string, string> = {};
  for (const [key, value] of Object.entries(post.form)) if (value !== undefined && value !== '') form[key] = value;
  const auth = await applyClientAuth(
    client,
    { form, headers: { Accept: 'application/json', ...(post.headers ?? {}) } },
    post.url,
    { clock },
  );
  return {
    method: 'POST',
    url: post.url,
    form: auth.form as Record<string, string>,
    headers: auth.headers,
    options: Object.keys(auth.options).length > 0 ? auth.options : undefined,
    label: post.label,
    lane: 'idp',
    secrets: [...new Set([...(post.secrets ?? []).flatMap(secretForms), ...auth.secrets])],
    signal: post.signal,
  };
}

function capture(): { http: HttpClient; sent: HttpRequest[] } {
  const sent: HttpRequest[] = [];
  const http: HttpClient = {
    send: (request) => {
      sent.push(request);
      return Promise.resolve({ status: 200, headers: {}, text: '{}' } as unknown as HttpResponse);
    },
  };
  return { http, sent };
}

const METHODS: ClientAuthMethod[] = ['client_secret_basic', 'client_secret_post', 'none'];
const value = fc.oneof(fc.constant(undefined), fc.constant(''), fc.string({ unit: 'grapheme', maxLength: 8 }));
const key = fc.oneof(fc.constantFrom('scope', 'client_secret', 'client_id', 'grant_type', 'audience'), fc.string());

describe('postWithClientAuth', () => {
  it('sends what applyClientAuth makes of the same post, for any form, secrets and method (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...METHODS),
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }),
        fc.dictionary(key, value),
        fc.option(fc.array(fc.string({ unit: 'grapheme', maxLength: 6 }), { maxLength: 4 }), { nil: undefined }),
        fc.option(fc.dictionary(fc.constantFrom('X-A', 'Accept'), fc.string({ maxLength: 4 })), { nil: undefined }),
        async (authMethod, clientSecret, form, secrets, headers) => {
          const client: ClientConfig = { clientId: 'app one', authMethod, clientSecret };
          const post: AuthenticatedPost = { url: URL_, label: 'token endpoint', form, secrets, headers };
          const { http, sent } = capture();
          // Twice: the second request comes from the credentials made for the first.
          await postWithClientAuth({ http, metadata: { issuer: 'x' }, client, clock }, post);
          await postWithClientAuth({ http, metadata: { issuer: 'x' }, client, clock }, post);
          const expected = await reference(client, post);
          assert.deepEqual(sent[0], expected);
          assert.deepEqual(sent[1], expected);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("never changes the caller's form or headers", async () => {
    const form = { grant_type: 'client_credentials', scope: '', client_secret: 'smuggled' };
    const headers = { 'X-A': '1' };
    const { http, sent } = capture();
    const client: ClientConfig = { clientId: 'app', authMethod: 'client_secret_basic', clientSecret: 's' };
    await postWithClientAuth({ http, metadata: { issuer: 'x' }, client }, { url: URL_, label: 'l', form, headers });
    assert.deepEqual(form, { grant_type: 'client_credentials', scope: '', client_secret: 'smuggled' });
    assert.deepEqual(headers, { 'X-A': '1' });
    assert.deepEqual(sent[0]?.form, { grant_type: 'client_credentials' });
  });
});

describe('postWithClientAuth failures', () => {
  it('rejects, never throws, when the client cannot authenticate', () => {
    const { http, sent } = capture();
    const client: ClientConfig = { clientId: 'app', authMethod: 'client_secret_basic' };
    let promise: Promise<unknown> | undefined;
    assert.doesNotThrow(() => {
      promise = postWithClientAuth({ http, metadata: { issuer: 'x' }, client }, { url: URL_, label: 'l', form: {} });
    });
    return assert.rejects(promise!, { code: 'client_auth.missing_secret' }).then(() => assert.equal(sent.length, 0));
  });
});
