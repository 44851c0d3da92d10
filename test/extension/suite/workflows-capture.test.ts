/**
 * A capture inside the real extension host (issue #16): Start Capture in
 * front of a loopback gateway, calls with a bearer token through it, the
 * Capture view grouping them, a refused one opened in the results webview,
 * Stop Capture. The token is a canary: the last suite searches everything
 * the product wrote for it.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as vscode from 'vscode';
import { probe, rows, VIEWS } from './probe';
import { waitFor } from './wait';

// A JWT-shaped token (sub alice, azp capture-app) whose signature part is the canary.
const CLAIMS = Buffer.from(
  JSON.stringify({ sub: 'alice', azp: 'capture-app', exp: Math.floor(Date.now() / 1000) + 3600 }),
).toString('base64url');
const TOKEN = `eyJhbGciOiJSUzI1NiJ9.${CLAIMS}.Y2FwdHVyZS1jYW5hcnktc2lnbmF0dXJlLTQ4MjE5`;

describe('workflows: a capture in front of a gateway', function () {
  this.timeout(60_000);
  const gateway = createServer((req, res) => {
    if (req.url === '/orders/ok') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"orders":[]}');
      return;
    }
    // A gateway that echoes the token in its error: the view must mask it.
    res
      .writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"', 'content-type': 'application/json' })
      .end(JSON.stringify({ message: 'Unauthorized', token: req.headers.authorization }));
  });
  let port = 0;

  before(async () => {
    probe.canaries.add(TOKEN);
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
  });
  after(async () => {
    await vscode.commands.executeCommand('oidcFlow.stopCapture');
    await new Promise((resolve) => gateway.close(resolve));
  });

  it('Start Capture listens on loopback; the Capture view groups the calls by token; a refused one opens in the results view', async function () {
    const target = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
    const info = await vscode.commands.executeCommand<{ host: string; port: number } | undefined>(
      'oidcFlow.startCapture',
      { target },
    );
    assert.ok(info, 'Start Capture returned no capture');
    assert.equal(info.host, '127.0.0.1');
    port = info.port;
    const send = (path: string) =>
      fetch(`http://127.0.0.1:${port}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal((await send('/orders/ok')).status, 200);
    const refused = await send('/orders/refused');
    assert.equal(refused.status, 401);
    assert.match(await refused.text(), /Unauthorized/, 'the answer passes through unchanged');

    const group = await waitFor('the token group in the Capture view', async () =>
      (await rows(VIEWS.capture)).find((r) => r.label === 'alice / capture-app' && /2 calls/.test(r.description)),
    );
    assert.match(group.description, /expires in (59m|1h)/);
    const calls = await rows(VIEWS.capture, group.node);
    assert.deepEqual(
      calls.map((c) => c.label),
      ['401 GET /orders/refused', '200 GET /orders/ok'],
    );

    const since = probe.seq;
    const runId = await vscode.commands.executeCommand<string>('oidcFlow.openCapturedExchange', calls[0]!.node);
    assert.ok(runId, 'the call did not open');
    const shown = await waitFor('the captured call in the results webview', () =>
      probe.toWebview.find(
        (m) =>
          m.seq > since &&
          (m.message as { type?: string; content?: { run?: { id?: string } } }).content?.run?.id === runId,
      ),
    );
    const run = (shown.message as { content: { run: { status: string; exchanges: Array<{ status?: number }> } } })
      .content.run;
    assert.equal(run.status, 'failed');
    assert.equal(run.exchanges[0]?.status, 401);

    assert.equal(await vscode.commands.executeCommand('oidcFlow.stopCapture'), true);
    await assert.rejects(send('/orders/ok'), 'the capture stopped listening');
  });
});
