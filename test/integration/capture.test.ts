import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { captureCommand } from '../../src/cli/commands/capture';
import { createCaptureJudge, startCapture } from '../../src/core/capture';
import type { CaptureRecord, CaptureSession } from '../../src/core/capture';
import { createHttpClient } from '../../src/core/http/client';
import { connectIdp } from '../../src/core/oauth/connect-idp';
import { startEchoUpstream } from '../../src/core/sandbox/echo-upstream';
import type { EchoUpstream } from '../../src/core/sandbox/echo-upstream';
import type { Sandbox } from '../../src/core/sandbox/sandbox';
import { apacheUnavailable, startApacheGateway } from '../support/apache';
import type { ApacheGateway } from '../support/apache';
import { captureIo } from '../support/capture-io';
import { startTestSandbox } from '../support/sandbox';

/**
 * What this file proves (issue #16): real clients (curl, and a small Node
 * application that gets a client-credentials token and gets a new one on a
 * 401) see through the capture proxy byte for byte what they see calling the
 * gateway directly (the status line, the raw headers and the body; only the
 * gateway's clock, latency and request-id values differ from call to call),
 * against the sandbox gateway and Apache mod_auth_openidc introspecting at the
 * sandbox IdP. The capture lists every exchange, a revoked token's 401 gets
 * the verdict "inactive at the IdP", --check-accepted flags a cached gateway's
 * 200 for a revoked token, and the CLI prints it all and writes a redacted HAR.
 */

const run = promisify(execFile);
const APP = join(__dirname, '..', 'fixtures', 'capture-app', 'app.mjs');

/** What changes between two calls whatever passes them: the clock, the gateway's timings and request ids. */
function normalize(text: string): string {
  return text
    .replace(/^(date|x-kong-upstream-latency|x-kong-proxy-latency|x-kong-request-id): .*$/gim, '$1: *')
    .replace(/"x-kong-request-id": "[0-9a-f]+"/g, '"x-kong-request-id": "*"');
}

interface AppAnswer {
  status: number;
  statusMessage: string;
  httpVersion: string;
  rawHeaders: string[];
  body: string;
}
interface AppStep {
  step: string;
  base?: string;
  answers?: AppAnswer[];
}

/** An answer as the application saw it, as text: status line, raw headers, body. */
function shown(answer: AppAnswer): string {
  const lines = [`HTTP/${answer.httpVersion} ${answer.status} ${answer.statusMessage}`];
  for (let i = 0; i < answer.rawHeaders.length; i += 2)
    lines.push(`${answer.rawHeaders[i]}: ${answer.rawHeaders[i + 1]}`);
  return normalize(`${lines.join('\r\n')}\r\n\r\n${Buffer.from(answer.body, 'base64').toString('latin1')}`);
}

describe('capture: real clients through the proxy to real gateways', function () {
  this.timeout(60_000);
  let sandbox: Sandbox;
  let upstream: EchoUpstream;
  let apache: ApacheGateway;
  const http = createHttpClient({ env: {} });
  const sessions: CaptureSession[] = [];

  before(async () => {
    const missing = apacheUnavailable();
    // Never a silent skip: npm test installs Apache as root; otherwise this fails saying what to install.
    if (missing) throw new Error(`cannot run the capture tests against Apache: ${missing}`);
    sandbox = await startTestSandbox();
    upstream = await startEchoUpstream();
    apache = await startApacheGateway({
      introspectionEndpoint: `${sandbox.idp.issuer}/v1/introspect`,
      clientId: sandbox.idp.clients.gateway.clientId,
      clientSecret: sandbox.idp.clients.gateway.clientSecret!,
      caPem: sandbox.idp.caPem,
      upstream: upstream.url,
    });
  });
  afterEach(async () => {
    for (const session of sessions.splice(0)) await session.close({ graceMs: 0 });
  });
  after(async () => {
    await http.close();
    await apache?.close();
    await upstream?.close();
    await sandbox?.close();
  });

  const gateways = () => [
    { name: 'the sandbox gateway (Kong openid-connect)', url: sandbox.gateway.url, path: '/orders' },
    { name: 'Apache mod_auth_openidc', url: apache.url, path: '/orders' },
  ];

  /** A capture in front of `target` whose verdicts ask the sandbox IdP (as the gateway's client). */
  async function capture(target: string, options: { checkAccepted?: boolean } = {}): Promise<CaptureSession> {
    const judge = createCaptureJudge({
      answerTtlMs: 0,
      idp: () =>
        connectIdp(
          {
            name: 'sandbox',
            idp: {
              issuer: sandbox.idp.issuer,
              caFile: sandbox.caFile,
              // The token's own client: an IdP may answer inactive to another client (introspected_by_other_client).
              clientId: 'cc-basic',
              clientSecret: sandbox.idp.clients['cc-basic'].clientSecret!,
            },
          },
          { http, secrets: { env: {} } },
        ),
    });
    const session = await startCapture({ target, ...options }, { judge });
    sessions.push(session);
    return session;
  }

  /** Resolves once `count` records have their verdict settled (or none is coming). */
  async function settled(session: CaptureSession, count: number): Promise<CaptureRecord[]> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const records = session.records();
      if (records.length >= count && records.every((r) => r.verdict.state !== 'pending')) return records;
      if (Date.now() > deadline)
        throw new Error(`capture did not settle: ${JSON.stringify(records.map((r) => [r.seq, r.verdict.state]))}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async function token(): Promise<string> {
    const secret = sandbox.idp.clients['cc-basic'].clientSecret!;
    const { stdout } = await run('curl', [
      ...['-sS', '--fail', '--cacert', sandbox.caFile, '-u', `cc-basic:${secret}`],
      ...['-d', 'grant_type=client_credentials&scope=orders:read', `${sandbox.idp.issuer}/v1/token`],
    ]);
    return (JSON.parse(stdout) as { access_token: string }).access_token;
  }

  /** Revokes the token at the sandbox IdP, as its client (RFC 7009). */
  async function revokeAtIdp(bearer: string): Promise<void> {
    const secret = sandbox.idp.clients['cc-basic'].clientSecret!;
    const { stdout } = await run('curl', [
      ...['-sS', '--fail', '--cacert', sandbox.caFile, '-u', `cc-basic:${secret}`],
      ...['-d', `token=${bearer}`, `${sandbox.idp.issuer}/v1/revoke`],
    ]);
    assert.equal(stdout, '');
  }

  /** A GET with the token through `base`, as curl prints its status code. */
  async function curlStatus(base: string, path: string, bearer: string): Promise<string> {
    const { stdout } = await run('curl', [
      ...['-sS', '-o', '/dev/null', '-w', '%{http_code}'],
      ...['-H', `Authorization: Bearer ${bearer}`, `${base}${path}`],
    ]);
    return stdout;
  }

  function app(env: Record<string, string>): Promise<AppStep[]> {
    return run(process.execPath, [APP], {
      env: {
        PATH: process.env.PATH ?? '',
        NODE_EXTRA_CA_CERTS: sandbox.caFile,
        ISSUER: sandbox.idp.issuer,
        CLIENT_ID: 'cc-basic',
        CLIENT_SECRET: sandbox.idp.clients['cc-basic'].clientSecret!,
        SCOPE: 'orders:read',
        ...env,
      },
    }).then(({ stdout }) => JSON.parse(stdout) as AppStep[]);
  }

  for (const which of [0, 1]) {
    describe(`in front of ${which === 0 ? 'the sandbox gateway' : 'Apache mod_auth_openidc'}`, () => {
      const gateway = () => gateways()[which]!;

      it('curl sees byte for byte what it sees directly, and the capture lists the exchange', async () => {
        const session = await capture(gateway().url);
        const bearer = await token();
        const curl = async (base: string) =>
          (
            await run(
              'curl',
              ['-sS', '-i', '--raw', '-H', `Authorization: Bearer ${bearer}`, `${base}${gateway().path}/x?y=1`],
              { encoding: 'latin1' },
            )
          ).stdout;
        const direct = await curl(gateway().url);
        const proxied = await curl(session.url);
        assert.match(direct, /^HTTP\/1\.1 200 /);
        assert.equal(normalize(proxied), normalize(direct));
        const [record] = await settled(session, 1);
        assert.equal(record!.exchange.response?.status, 200);
        assert.equal(record!.token?.subject, 'cc-basic');
        assert.equal(record!.token?.clientId, 'cc-basic');
        assert.equal(record!.verdict.state, 'none');
      });

      it('the Node application sees byte for byte what it sees directly', async () => {
        const session = await capture(gateway().url);
        const steps = await app({
          BASES: `${gateway().url},${session.url}`,
          PATH_: gateway().path,
          STEPS: 'call,call',
        });
        assert.equal(steps.length, 4);
        for (let i = 0; i < steps.length; i += 2) {
          const [direct, proxied] = [steps[i]!.answers!, steps[i + 1]!.answers!];
          assert.equal(direct.length, 1);
          assert.equal(direct[0]!.status, 200);
          assert.equal(shown(proxied[0]!), shown(direct[0]!));
        }
        assert.equal((await settled(session, 2)).length, 2);
      });

      it('a revoked token\'s 401 gets the verdict "inactive at the IdP"; the refreshed token passes', async () => {
        const session = await capture(gateway().url);
        const steps = await app({ BASES: session.url, PATH_: gateway().path, STEPS: 'call,revoke,call' });
        assert.deepEqual(
          steps[2]!.answers!.map((a) => a.status),
          [401, 200],
        );
        const records = await settled(session, 3);
        assert.deepEqual(
          records.map((r) => r.exchange.response?.status),
          [200, 401, 200],
        );
        const verdict = records[1]!.verdict;
        assert.equal(verdict.state, 'done', JSON.stringify(verdict));
        assert.equal(verdict.state === 'done' && verdict.verdict.code, 'token_inactive');
        // The same token before and after the revocation; a new one after the refresh.
        assert.equal(records[0]!.token?.groupKey, records[1]!.token?.groupKey);
        assert.notEqual(records[1]!.token?.groupKey, records[2]!.token?.groupKey);
        assert.equal(records[0]!.verdict.state, 'none');
      });
    });
  }

  it('--check-accepted flags the 200 a caching gateway gives a revoked token', async () => {
    const session = await capture(sandbox.gateway.url, { checkAccepted: true });
    const bearer = await token();
    assert.equal(await curlStatus(session.url, '/cached/orders', bearer), '200');
    await settled(session, 1);
    await revokeAtIdp(bearer);
    assert.equal(await curlStatus(session.url, '/cached/orders', bearer), '200');
    const records = await settled(session, 2);
    assert.equal(records[0]!.verdict.state, 'none', JSON.stringify(records[0]!.verdict));
    const flagged = records[1]!.verdict;
    assert.equal(flagged.state === 'done' && flagged.verdict.code, 'accepted_inactive_token', JSON.stringify(flagged));
  });

  it('oidc-flow capture --file --route takes the target, the gateway and the IdP from a flow file', async () => {
    const bearer = await token();
    await revokeAtIdp(bearer);
    let stop: () => void = () => undefined;
    const interrupted = new Promise<void>((resolve) => (stop = resolve));
    // The example's sandbox environment: the app's own client asks the IdP (cc-basic here).
    const env = {
      ...sandbox.env,
      SANDBOX_CLIENT_ID: 'cc-basic',
      SANDBOX_CLIENT_SECRET: sandbox.idp.clients['cc-basic'].clientSecret!,
      NO_COLOR: '1',
    };
    const c = captureIo({ env });
    const example = join(__dirname, '..', '..', 'examples', 'introspection-scenario.yaml');
    const exit = captureCommand(
      ['--file', example, '--env', 'sandbox', '--route', 'orders', '--idp', 'okta', '--listen', '127.0.0.1:0'],
      { ...c.io, interrupted },
    );
    let proxy: string | undefined;
    for (let i = 0; i < 200 && !proxy; i++) {
      proxy = /Capturing (http:\/\/127\.0\.0\.1:\d+) → (\S+)/.exec(c.out())?.[1];
      if (!proxy) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    assert.ok(proxy, c.out() + c.err());
    assert.match(c.out(), new RegExp(`→ ${sandbox.gateway.url.replace(/[.]/g, '\\.')} `));
    assert.equal(await curlStatus(proxy, '/orders', bearer), '401');
    for (let i = 0; i < 200 && !/Verdict/.test(c.out()); i++) await new Promise((resolve) => setTimeout(resolve, 25));
    stop();
    assert.equal(await exit, 0, c.out() + c.err());
    assert.match(c.out(), /\[token_inactive\]/, c.out() + c.err());
    assert.ok(!c.out().includes(bearer));
  });

  it('oidc-flow capture prints each exchange and the verdict under the refusal, and writes a redacted HAR (mode 600)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'capture-cli-'));
    try {
      const har = join(dir, 'capture.har');
      const bearer = await token();
      let stop: () => void = () => undefined;
      const interrupted = new Promise<void>((resolve) => (stop = resolve));
      const c = captureIo({
        env: { OIDC_CLIENT_SECRET: sandbox.idp.clients['cc-basic'].clientSecret!, NO_COLOR: '1' },
      });
      const exit = captureCommand(
        [
          ...['--target', sandbox.gateway.url, '--listen', '127.0.0.1:0', '--har', har],
          ...['--issuer', sandbox.idp.issuer, '--ca', sandbox.caFile, '--client-id', 'cc-basic'],
        ],
        { ...c.io, interrupted },
      );
      let proxy: string | undefined;
      for (let i = 0; i < 200 && !proxy; i++) {
        proxy = /Capturing (http:\/\/127\.0\.0\.1:\d+)/.exec(c.out())?.[1];
        if (!proxy) await new Promise((resolve) => setTimeout(resolve, 25));
      }
      assert.ok(proxy, c.out() + c.err());
      assert.equal(await curlStatus(proxy, '/orders?page=2', bearer), '200');
      await revokeAtIdp(bearer);
      assert.equal(await curlStatus(proxy, '/orders?page=2', bearer), '401');
      for (let i = 0; i < 200 && !/Verdict/.test(c.out()); i++) await new Promise((resolve) => setTimeout(resolve, 25));
      stop();
      assert.equal(await exit, 0, c.out() + c.err());
      const out = c.out();
      assert.match(out, /#1 \S+ 200 GET \/orders\?page=2 {2}sub=cc-basic client=cc-basic {2}\d+ ms/);
      assert.match(out, /#2 \S+ 401 GET \/orders\?page=2/);
      assert.match(out, /#2 401 GET\n {4}✖ Verdict: .*\[token_inactive\]/);
      assert.match(out, /Stopped: 2 exchanges, 1 refused\./);
      assert.ok(!out.includes(bearer), 'the token on the terminal');
      assert.equal(statSync(har).mode & 0o777, 0o600);
      const text = readFileSync(har, 'utf8');
      assert.ok(!text.includes(bearer), 'the token in the HAR');
      const entries = (JSON.parse(text) as { log: { entries: Array<{ response: { status: number } }> } }).log.entries;
      assert.deepEqual(
        entries.map((e) => e.response.status),
        [200, 401],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
