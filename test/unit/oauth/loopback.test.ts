import { strict as assert } from 'node:assert';
import { request } from 'undici';
import type { OidcError } from '../../../src/core/errors';
import { escapeHtml, startLoopbackListener } from '../../../src/core/oauth/loopback';
import type { LoopbackListener } from '../../../src/core/oauth/loopback';

async function get(url: string): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  const res = await request(url);
  return { status: res.statusCode, body: await res.body.text(), headers: res.headers };
}

describe('loopback redirect listener', () => {
  let listener: LoopbackListener | undefined;
  afterEach(async () => {
    await listener?.close();
    listener = undefined;
  });

  async function start(options: Partial<Parameters<typeof startLoopbackListener>[0]> = {}): Promise<LoopbackListener> {
    listener = await startLoopbackListener({ expectedState: 'st-1', timeoutMs: 10_000, ...options });
    return listener;
  }

  it('listens on 127.0.0.1 with a free port and the given path', async () => {
    const l = await start({ path: '/cb' });
    assert.match(l.redirectUri, /^http:\/\/127\.0\.0\.1:\d+\/cb$/);
    assert.doesNotMatch(l.redirectUri, /:0\//);
  });

  it('resolves with code, state and iss and shows a script-free success page', async () => {
    const l = await start();
    const res = await get(`${l.redirectUri}?code=abc&state=st-1&iss=${encodeURIComponent('https://idp')}`);
    assert.equal(res.status, 200);
    assert.match(res.body, /Signed in/);
    assert.doesNotMatch(res.body, /<script|<style|on\w+=/i);
    assert.equal(res.headers['content-security-policy'], "default-src 'none'");
    assert.equal(res.headers['referrer-policy'], 'no-referrer');
    assert.deepEqual(await l.result, { code: 'abc', state: 'st-1', iss: 'https://idp' });
  });

  it('answers a second callback with a 400 page (single use)', async () => {
    const l = await start();
    await get(`${l.redirectUri}?code=abc&state=st-1`);
    const again = await get(`${l.redirectUri}?code=abc&state=st-1`);
    assert.equal(again.status, 400);
    assert.match(again.body, /already received/);
    assert.equal((await l.result).code, 'abc');
  });

  it('rejects a state mismatch with oauth.state_mismatch and an escaped 400 page', async () => {
    const l = await start();
    const res = await get(`${l.redirectUri}?code=abc&state=${encodeURIComponent('<script>alert(1)</script>')}`);
    assert.equal(res.status, 400);
    assert.doesNotMatch(res.body, /<script>/);
    assert.match(res.body, /&#60;script&#62;/);
    await assert.rejects(
      l.result,
      (e: OidcError) => e.code === 'oauth.state_mismatch' && /not the state this flow sent/.test(e.message),
    );
  });

  it('turns error= into oauth.<error> with the description, escaped on the page', async () => {
    const l = await start();
    const res = await get(
      `${l.redirectUri}?error=access_denied&error_description=${encodeURIComponent('User said <no> & "left"')}&state=st-1`,
    );
    assert.equal(res.status, 400);
    assert.match(res.body, /User said &#60;no&#62; &#38; &#34;left&#34;/);
    await assert.rejects(l.result, (e: OidcError) => {
      assert.equal(e.code, 'oauth.access_denied');
      assert.equal(e.serverDescription, 'User said <no> & "left"');
      assert.match(e.message, /error access_denied: User said <no>/);
      assert.ok(e.hint);
      return true;
    });
  });

  it('reports a callback without code or error', async () => {
    const l = await start();
    await get(`${l.redirectUri}?state=st-1`);
    await assert.rejects(l.result, { code: 'oauth.missing_code' });
  });

  it('checks iss when the server advertises it', async () => {
    const wrong = await start({ expectedIssuer: 'https://idp', requireIssuer: true });
    await get(`${wrong.redirectUri}?code=c&state=st-1&iss=${encodeURIComponent('https://evil')}`);
    await assert.rejects(
      wrong.result,
      (e: OidcError) => e.code === 'oauth.iss_mismatch' && /"https:\/\/evil"/.test(e.message),
    );
    await wrong.close();

    const missing = await start({ expectedIssuer: 'https://idp', requireIssuer: true });
    await get(`${missing.redirectUri}?code=c&state=st-1`);
    await assert.rejects(missing.result, { code: 'oauth.iss_missing' });
    await missing.close();

    const optional = await start({ expectedIssuer: 'https://idp', requireIssuer: false });
    await get(`${optional.redirectUri}?code=c&state=st-1`);
    assert.equal((await optional.result).code, 'c');
  });

  it('answers other paths with 404 without consuming the callback', async () => {
    const l = await start();
    const favicon = await get(l.redirectUri.replace('/callback', '/favicon.ico'));
    assert.equal(favicon.status, 404);
    await get(`${l.redirectUri}?code=c&state=st-1`);
    assert.equal((await l.result).code, 'c');
  });

  it('times out with oauth.loopback_timeout naming the redirect URI', async () => {
    const l = await start({ timeoutMs: 20 });
    await assert.rejects(
      l.result,
      (e: OidcError) => e.code === 'oauth.loopback_timeout' && e.message.includes(l.redirectUri),
    );
  });

  it('rejects a pending result when closed', async () => {
    const l = await start();
    await l.close();
    await assert.rejects(l.result, { code: 'oauth.loopback_closed' });
  });

  it('escapes every HTML-significant character', () => {
    assert.equal(
      escapeHtml(`<a href="x" onclick='y'>&\``),
      '&#60;a href=&#34;x&#34; onclick=&#39;y&#39;&#62;&#38;&#96;',
    );
  });
});
