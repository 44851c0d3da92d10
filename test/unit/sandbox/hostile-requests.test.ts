/**
 * Every server the product runs on loopback (the sandbox gateway, IdP and
 * echo upstream, the authorization-code redirect listener) answers a
 * hostile request line or header with a 4xx/5xx for that request and keeps
 * serving: one bad request never takes the process down.
 */
import { strict as assert } from 'node:assert';
import { startLoopbackListener } from '../../../src/core/oauth/loopback';
import { startEchoUpstream } from '../../../src/core/sandbox/echo-upstream';
import { startSandboxGateway } from '../../../src/core/sandbox/gateway';
import { startSandboxIdp } from '../../../src/core/sandbox/sandbox-idp';
import { closeAfterEach } from '../../support/close-after-each';
import { HOSTILE_REQUESTS, rawStatus } from '../../support/raw-request';
import { deck, FakeIdp } from './gateway-harness';

const NORMAL = (path: string) => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n`;

/**
 * Sends every hostile request, each followed by a normal one, and checks both answers. `echoes`:
 * the server reads no URL (the echo upstream), so any answer will do.
 */
async function survives(
  port: number,
  normalPath: string,
  normalStatus: number,
  options: { tls?: boolean; echoes?: boolean } = {},
) {
  for (const hostile of HOSTILE_REQUESTS) {
    const status = await rawStatus(port, hostile.head, options);
    if (hostile.refused && !options.echoes)
      assert.ok(status >= 400 && status <= 599, `${hostile.name}: answered ${status}, expected a 4xx/5xx`);
    else assert.ok(status >= 200 && status <= 599, `${hostile.name}: no HTTP answer`);
    assert.equal(
      await rawStatus(port, NORMAL(normalPath), options),
      normalStatus,
      `after ${hostile.name}: a normal request`,
    );
  }
}

describe('loopback servers under hostile request lines', () => {
  const opened = closeAfterEach();

  it('the sandbox gateway answers 4xx/5xx and keeps proxying', async () => {
    const upstream = opened(await startEchoUpstream());
    const file = deck(upstream.url, {}, [], { plugin: 'none' });
    file.services![0]!.routes![0]!.plugins = [];
    const gateway = opened(await startSandboxGateway({ deck: file, checks: new FakeIdp() }));
    await survives(Number(new URL(gateway.url).port), '/orders', 200);
  });

  it('the sandbox gateway answers 400 (as nginx does) to a URL it cannot parse, not 502', async () => {
    const upstream = opened(await startEchoUpstream());
    const file = deck(upstream.url, {}, [], { plugin: 'none' });
    file.services![0]!.routes![0]!.plugins = [];
    const gateway = opened(await startSandboxGateway({ deck: file, checks: new FakeIdp() }));
    assert.equal(await rawStatus(Number(new URL(gateway.url).port), HOSTILE_REQUESTS[0]!.head), 400);
  });

  it('the echo upstream answers every request and keeps echoing', async () => {
    const upstream = opened(await startEchoUpstream());
    await survives(Number(new URL(upstream.url).port), '/anything', 200, { echoes: true });
  });

  it('the loopback redirect listener answers 4xx and keeps listening', async () => {
    const listener = opened(await startLoopbackListener({ expectedState: 'st-1', timeoutMs: 10_000 }));
    await survives(Number(new URL(listener.redirectUri).port), '/elsewhere', 404);
  });

  it('the loopback redirect listener still takes the real callback after hostile requests elsewhere', async () => {
    const listener = opened(await startLoopbackListener({ expectedState: 'st-1', timeoutMs: 10_000 }));
    const port = Number(new URL(listener.redirectUri).port);
    assert.equal(await rawStatus(port, 'GET http://a:99999/x HTTP/1.1\r\nHost: a\r\n'), 404);
    assert.equal(await rawStatus(port, 'GET /%zz HTTP/1.1\r\nHost: a:99999\r\n'), 404);
    assert.equal(await rawStatus(port, NORMAL('/callback?code=abc&state=st-1')), 200);
    assert.equal((await listener.result).code, 'abc');
  });

  it('the sandbox IdP answers 4xx/5xx and keeps serving discovery', async function () {
    this.timeout(30_000);
    const idp = opened(await startSandboxIdp());
    await survives(Number(new URL(idp.origin).port), '/oauth2/default/.well-known/openid-configuration', 200, {
      tls: true,
    });
  });
});

describe('loopback servers under endless bodies', () => {
  const opened = closeAfterEach();

  it('the echo upstream answers 413 past 1 MiB and keeps echoing', async () => {
    const upstream = opened(await startEchoUpstream());
    const port = Number(new URL(upstream.url).port);
    const head = `POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: ${4 * 1024 * 1024}\r\n\r\n${'a'.repeat(2 * 1024 * 1024)}`;
    assert.equal(await rawStatus(port, head), 413);
    assert.equal(await rawStatus(port, NORMAL('/x')), 200);
  });

  it('the sandbox gateway answers 413 past 1 MiB, not a 502 blaming the upstream, and keeps proxying', async () => {
    const upstream = opened(await startEchoUpstream());
    const file = deck(upstream.url, {}, [], { plugin: 'none' });
    file.services![0]!.routes![0]!.plugins = [];
    const gateway = opened(await startSandboxGateway({ deck: file, checks: new FakeIdp() }));
    const port = Number(new URL(gateway.url).port);
    const head = `POST /orders HTTP/1.1\r\nHost: a\r\nContent-Length: ${4 * 1024 * 1024}\r\n\r\n${'a'.repeat(2 * 1024 * 1024)}`;
    assert.equal(await rawStatus(port, head), 413);
    assert.equal(await rawStatus(port, NORMAL('/orders')), 200);
  });
});
