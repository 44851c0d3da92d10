/**
 * The settings a person sets (oidcFlow.caFile, proxy, timeoutMs,
 * insecureSkipTlsVerify, redaction, history.size) reach the HTTP client the
 * commands use: read through a stand-in for vscode.workspace's
 * configuration, then used against real local servers.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as vscode from 'vscode';
import { isOidcError } from '../../../src/core/errors';
import type { OidcError } from '../../../src/core/errors';
import { createClient } from '../../../src/extension/services/http-factory';
import type { ClosableHttpClient } from '../../../src/extension/services/http-factory';
import { readSettings } from '../../../src/extension/services/settings';
import type { Running } from '../../support/loopback-servers';
import { httpServer, httpsServer, never, proxyServer, testPki } from '../../support/loopback-servers';

function vsWith(values: Record<string, unknown>): typeof vscode {
  return {
    workspace: {
      getConfiguration: (section: string) => ({
        get: (key: string) => (section === 'oidcFlow' ? (values[key] ?? values[`workspace:${key}`]) : undefined),
        inspect: (key: string) =>
          section === 'oidcFlow' ? { globalValue: values[key], workspaceValue: values[`workspace:${key}`] } : undefined,
      }),
    },
  } as unknown as typeof vscode;
}

async function failure(promise: Promise<unknown>): Promise<OidcError> {
  try {
    await promise;
  } catch (error) {
    if (isOidcError(error)) return error;
    throw error;
  }
  assert.fail('expected the request to fail');
}

describe('settings → the HTTP client of the commands', function () {
  this.timeout(20_000);
  const servers: Running[] = [];
  const clients: ClosableHttpClient[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'oidc-settings-'));
  const client = async (values: Record<string, unknown>) => {
    const http = await createClient(readSettings(vsWith(values)));
    clients.push(http);
    return http;
  };
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('reads defaults, clamps the history size and ignores a nonsense timeout', () => {
    assert.deepEqual(readSettings(vsWith({})), {
      caFile: undefined,
      proxy: undefined,
      timeoutMs: 30_000,
      insecureSkipTlsVerify: false,
      redaction: 'allowReveal',
      historySize: 25,
      captureSize: 200,
      gatewayLogs: [],
      allowedEnvironmentVariables: [],
    });
    const odd = readSettings(
      vsWith({
        caFile: '  ',
        proxy: ' http://p:3128 ',
        timeoutMs: -5,
        'history.size': 10_000,
        'capture.size': 10_000_000,
        redaction: 'always',
      }),
    );
    assert.equal(odd.caFile, undefined);
    assert.equal(odd.proxy, 'http://p:3128');
    assert.equal(odd.timeoutMs, 30_000);
    assert.equal(odd.historySize, 200);
    assert.equal(odd.captureSize, 2000, 'the capture ring is bounded whatever the setting says');
    assert.equal(odd.redaction, 'always');
  });

  it('oidcFlow.allowedEnvironmentVariables: only the user value counts, and only valid names', () => {
    const settings = readSettings(
      vsWith({
        allowedEnvironmentVariables: ['OKTA_SECRET', 'not a name', 7],
        'workspace:allowedEnvironmentVariables': ['HOME', 'AWS_SECRET_ACCESS_KEY'],
      }),
    );
    assert.deepEqual(settings.allowedEnvironmentVariables, ['OKTA_SECRET']);
    assert.deepEqual(
      readSettings(vsWith({ 'workspace:allowedEnvironmentVariables': ['AWS_SECRET_ACCESS_KEY'] }))
        .allowedEnvironmentVariables,
      [],
      'a workspace cannot approve a variable',
    );
  });

  it('oidcFlow.caFile: an https IdP signed by that CA is trusted; without it the failure is tls.unknown_ca', async () => {
    const pki = testPki();
    const server = await httpsServer(pki.leaf, (_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'),
    );
    servers.push(server);
    const caFile = join(dir, 'corporate-ca.pem');
    writeFileSync(caFile, pki.ca.cert);
    const trusted = await client({ caFile });
    assert.equal((await trusted.send({ method: 'GET', url: `${server.url}/x`, label: 'probe' })).status, 200);
    const plain = await client({});
    assert.equal(
      (await failure(plain.send({ method: 'GET', url: `${server.url}/x`, label: 'probe' }))).code,
      'tls.unknown_ca',
    );
  });

  it('oidcFlow.caFile that cannot be read is config.ca_file, naming the setting and the path', async () => {
    const error = await failure(client({ caFile: join(dir, 'missing.pem') }));
    assert.equal(error.code, 'config.ca_file');
    assert.match(error.message, /missing\.pem \(setting oidcFlow\.caFile\): ENOENT/);
    const der = join(dir, 'corporate-ca.cer');
    writeFileSync(der, Buffer.from([0x30, 0x82, 0x01, 0x0a]));
    const notPem = await failure(client({ caFile: der }));
    assert.equal(notPem.code, 'config.ca_file');
    assert.match(
      notPem.message,
      /corporate-ca\.cer \(setting oidcFlow\.caFile\) holds no PEM certificate.*openssl x509 -inform der/,
    );
  });

  it('oidcFlow.insecureSkipTlsVerify lets an untrusted certificate through', async () => {
    const server = await httpsServer(testPki().leaf, (_req, res) => res.writeHead(204).end());
    servers.push(server);
    const http = await client({ insecureSkipTlsVerify: true });
    assert.equal((await http.send({ method: 'GET', url: `${server.url}/x`, label: 'probe' })).status, 204);
  });

  it('oidcFlow.proxy: requests go through the proxy', async () => {
    const upstream = await httpServer((_req, res) => res.writeHead(200).end('hello'));
    const proxy = await proxyServer();
    servers.push(upstream, proxy);
    const http = await client({ proxy: proxy.url });
    const response = await http.send({ method: 'GET', url: `${upstream.url}/through`, label: 'probe' });
    assert.equal(response.status, 200);
    assert.ok(
      proxy.seen.some((line) => line.includes('/through')),
      `the proxy saw: ${JSON.stringify(proxy.seen)}`,
    );
  });

  it('oidcFlow.timeoutMs bounds how long the client waits for an answer', async () => {
    const silent = await httpServer(never());
    servers.push(silent);
    const http = await client({ timeoutMs: 300 });
    const error = await failure(http.send({ method: 'GET', url: `${silent.url}/slow`, label: 'probe' }));
    // One deadline for the whole exchange (connect, headers, body), which here ends before any header.
    assert.equal(error.code, 'http.timeout.total');
    assert.match(error.message, /exceeded 300 ms; no response headers had arrived/);
  });
});
