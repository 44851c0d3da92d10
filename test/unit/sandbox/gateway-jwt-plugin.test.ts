/**
 * A route behind Kong's OSS `jwt` plugin answers as kong/plugins/jwt/handler.lua
 * and jwt_parser.lua at Kong/kong@22246ef28c16842098369b494eef879222e30c7b do:
 * every refusal a 401 with the reason in the body.
 */
import { strict as assert } from 'node:assert';
import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import type { DeckFile } from '../../../src/core/gateway/deck';
import { deck, gatewayHarness, NOW } from './gateway-harness';

const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PUBLIC_PEM = publicKey.export({ type: 'spki', format: 'pem' }).toString();
const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

function hs256(payload: Record<string, unknown>, secret: string, header: Record<string, unknown> = {}): string {
  const input = `${b64({ typ: 'JWT', alg: 'HS256', ...header })}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

function rs256(payload: Record<string, unknown>): string {
  const input = `${b64({ typ: 'JWT', alg: 'RS256' })}.${b64(payload)}`;
  return `${input}.${sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
}

function jwtDeck(upstream: string, config: Record<string, unknown> = {}): DeckFile {
  return deck(
    upstream,
    config,
    [
      { username: 'partner', jwt_secrets: [{ key: 'partner-key', secret: 's3cret' }] },
      { username: 'rsa-app', jwt_secrets: [{ key: 'rsa-key', algorithm: 'RS256', rsa_public_key: PUBLIC_PEM }] },
      { username: 'guest', id: '5f1c3b4e-8a2d-4e6f-9b0a-1c2d3e4f5a6b' },
    ] as DeckFile['consumers'],
    { name: 'legacy', path: '/legacy', plugin: 'jwt' },
  );
}

describe("sandbox gateway: a route behind Kong's jwt plugin", () => {
  const h = gatewayHarness();
  const now = NOW / 1000;
  const start = (config?: Record<string, unknown>) => h.start(jwtDeck(h.upstream.url, config));
  const body = (res: { text: string }) => res.text;

  it('no token: 401 {"message":"Unauthorized"} with a bare Bearer challenge (handler.lua:173)', async () => {
    await start();
    const res = await h.call('/legacy');
    assert.equal(res.status, 401);
    assert.equal(body(res), '{"message":"Unauthorized"}');
    assert.equal(res.headers['www-authenticate'], 'Bearer');
    assert.match(res.headers['x-kong-request-id']!, /^[0-9a-f]{32}$/);
  });

  it('a valid HS256 token from the Authorization header passes with the consumer upstream', async () => {
    await start();
    const res = await h.call('/legacy', { authorization: `Bearer ${hs256({ iss: 'partner-key' }, 's3cret')}` });
    assert.equal(res.status, 200);
    const seen = JSON.parse(res.text).headers;
    assert.equal(seen['x-consumer-username'], 'partner');
    assert.equal(seen['x-credential-identifier'], 'partner-key');
  });

  it('a valid RS256 token from the jwt query parameter passes', async () => {
    await start();
    const res = await h.call(`/legacy?jwt=${rs256({ iss: 'rsa-key' })}`);
    assert.equal(res.status, 200);
  });

  it('unknown key: "No credentials found for given \'iss\'" (handler.lua:206)', async () => {
    await start();
    const res = await h.call('/legacy', { authorization: `Bearer ${hs256({ iss: 'nobody' }, 's3cret')}` });
    assert.equal(res.status, 401);
    assert.equal(body(res), '{"message":"No credentials found for given \'iss\'"}');
    assert.equal(res.headers['www-authenticate'], 'Bearer error="invalid_token"');
  });

  it('key_claim_name names the claim', async () => {
    await start({ key_claim_name: 'kid' });
    const res = await h.call('/legacy', { authorization: `Bearer ${hs256({ iss: 'partner-key' }, 's3cret')}` });
    assert.equal(body(res), '{"message":"No mandatory \'kid\' in claims"}');
    const ok = await h.call('/legacy', {
      authorization: `Bearer ${hs256({}, 's3cret', { kid: 'partner-key' })}`,
    });
    assert.equal(ok.status, 200, 'the header is searched too');
  });

  it('wrong secret: "Invalid signature"; wrong alg for the credential: "Invalid algorithm"', async () => {
    await start();
    const bad = await h.call('/legacy', { authorization: `Bearer ${hs256({ iss: 'partner-key' }, 'wrong')}` });
    assert.equal(body(bad), '{"message":"Invalid signature"}');
    const alg = await h.call('/legacy', { authorization: `Bearer ${hs256({ iss: 'rsa-key' }, 'x')}` });
    assert.equal(body(alg), '{"message":"Invalid algorithm"}');
  });

  it('garbage: "Bad token; invalid JSON"', async () => {
    await start();
    const res = await h.call('/legacy', { authorization: 'Bearer not.a.jwt' });
    assert.equal(body(res), '{"message":"Bad token; invalid JSON"}');
  });

  it('exp is not checked unless claims_to_verify lists it; then {"exp":"token expired"}', async () => {
    const expired = hs256({ iss: 'partner-key', exp: now - 10 }, 's3cret');
    await start();
    assert.equal((await h.call('/legacy', { authorization: `Bearer ${expired}` })).status, 200);
    h.gateway.configure(jwtDeck(h.upstream.url, { claims_to_verify: ['exp', 'nbf'] }));
    const res = await h.call('/legacy', { authorization: `Bearer ${expired}` });
    assert.equal(res.status, 401);
    assert.equal(body(res), '{"exp":"token expired","nbf":"must be a number"}');
    const early = hs256({ iss: 'partner-key', exp: now + 60, nbf: now + 30 }, 's3cret');
    assert.equal(body(await h.call('/legacy', { authorization: `Bearer ${early}` })), '{"nbf":"token not valid yet"}');
  });

  it('a realm goes into the challenge', async () => {
    await start({ realm: 'partners' });
    assert.equal((await h.call('/legacy')).headers['www-authenticate'], 'Bearer realm="partners"');
    const res = await h.call('/legacy?jwt=x.y.z');
    assert.equal(res.headers['www-authenticate'], 'Bearer realm="partners", error="invalid_token"');
  });

  it('two different tokens: "Multiple tokens provided"', async () => {
    await start();
    const a = hs256({ iss: 'partner-key' }, 's3cret');
    const res = await h.call(`/legacy?jwt=${rs256({ iss: 'rsa-key' })}`, { authorization: `Bearer ${a}` });
    assert.equal(body(res), '{"message":"Multiple tokens provided"}');
  });

  it('anonymous: a failed check proxies as that consumer', async () => {
    await start({ anonymous: '5f1c3b4e-8a2d-4e6f-9b0a-1c2d3e4f5a6b' });
    const res = await h.call('/legacy');
    assert.equal(res.status, 200);
    assert.equal(JSON.parse(res.text).headers['x-anonymous-consumer'], 'true');
    assert.equal(JSON.parse(res.text).headers['x-consumer-username'], 'guest');
  });

  it('a jwt plugin on the service or at the top level applies to its routes; a disabled one does not', async () => {
    const file = jwtDeck(h.upstream.url);
    const service = file.services![0]!;
    const plugin = service.routes![0]!.plugins![0]!;
    service.routes![0]!.plugins = [];
    service.plugins = [plugin];
    await h.start(file);
    assert.equal((await h.call('/legacy')).status, 401);
    h.gateway.configure({ ...file, services: [{ ...service, plugins: [] }], plugins: [{ ...plugin }] });
    assert.equal((await h.call('/legacy')).status, 401);
    h.gateway.configure({ ...file, services: [{ ...service, plugins: [{ ...plugin, enabled: false }] }] });
    assert.equal((await h.call('/legacy')).status, 200);
  });

  it('writes nothing to the error log for a refusal', async () => {
    await start();
    await h.call('/legacy', { authorization: `Bearer ${hs256({ iss: 'partner-key' }, 'wrong')}` });
    assert.deepEqual(h.log, []);
  });
});
