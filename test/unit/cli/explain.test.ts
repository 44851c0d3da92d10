import { strict as assert } from 'node:assert';
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  explainCommand,
  explainHelp,
  formatVerdict,
  gatewayView,
  idpView,
  localView,
  parseHeaders,
  parseExpectations,
  parseKongConfig,
  profileFromOptions,
  renderViews,
  wrapText,
} from '../../../src/cli/commands/explain';
import type { ExplainReport, View } from '../../../src/cli/commands/explain';
import { styler, UsageError } from '../../../src/cli/io';
import { captureIo } from '../../support/capture-io';
import { invoke } from '../../support/cli-invoke';
import { closeAfterEach } from '../../support/close-after-each';
import { httpServer } from '../../support/loopback-servers';
import { rawToken } from '../../support/jwt-fixtures';

const plain = styler({ isTTY: false }, {});
const NOW = Date.UTC(2024, 4, 1, 14, 0, 0);

describe('oidc-flow explain', () => {
  describe('wrapText', () => {
    it('wraps at word boundaries and cuts words longer than a line', () => {
      assert.deepEqual(wrapText('the token expired five minutes ago', 12), [
        'the token',
        'expired five',
        'minutes ago',
      ]);
      assert.deepEqual(wrapText('see https://idp.example/oauth2/default', 10), [
        'see',
        'https://id',
        'p.example/',
        'oauth2/def',
        'ault',
      ]);
      assert.deepEqual(wrapText('', 10), ['']);
    });

    it('never exceeds the width and keeps every character of every word', () => {
      fc.assert(
        fc.property(
          fc.array(fc.stringMatching(/^[a-z:/.]{1,30}$/), { maxLength: 12 }),
          fc.integer({ min: 5, max: 40 }),
          (words, width) => {
            const lines = wrapText(words.join(' '), width);
            assert.ok(lines.every((line) => line.length <= width));
            assert.equal(lines.join('').replace(/ /g, ''), words.join(''));
          },
        ),
      );
    });
  });

  describe('views', () => {
    it('shows the local check: failures in full, passes as a list of ids', () => {
      const view = localView({
        state: 'verified',
        verification: {
          valid: false,
          checks: [
            { id: 'signature', ok: true, message: 'fine' },
            { id: 'exp', ok: false, code: 'jwt.expired', message: 'The token expired 5 minutes ago.' },
          ],
        },
      });
      assert.deepEqual(view, {
        title: 'Local JWT check',
        headline: '✖ invalid',
        ok: false,
        lines: ['✖ The token expired 5 minutes ago.', '✔ signature'],
      });
      assert.equal(localView({ state: 'skipped', reason: 'opaque' }).headline, 'not checked');
    });

    it('shows the IdP answer: active with the claims that matter, inactive with the reasons, or the error with its code', () => {
      const active = idpView(
        {
          state: 'answered',
          active: true,
          claims: { active: true, scope: 'a b', client_id: 'app', sub: 'app', exp: NOW / 1000 + 60 },
        },
        NOW,
        'UTC',
      );
      assert.deepEqual(active.lines, [
        'scope: a b',
        'client: app',
        'sub: app',
        'exp: 2024-05-01 14:01:00 UTC (in 1 minute)',
      ]);
      assert.equal(
        idpView({ state: 'answered', active: false, claims: { active: false } }, NOW).headline,
        '✖ active: false',
      );
      assert.deepEqual(idpView({ state: 'error', code: 'oauth.invalid_client', message: 'refused.' }, NOW).lines, [
        'refused. [oauth.invalid_client]',
      ]);
    });

    it('an inactive answer lists only the causes the local check did not rule out', () => {
      const inactive = { state: 'answered', active: false, claims: { active: false } } as const;
      assert.match(idpView(inactive, NOW).lines[0]!, /^Expired, revoked, unknown to the IdP/);
      const verified = {
        state: 'verified',
        verification: { valid: true, checks: [], header: {}, payload: {} },
      } as unknown as Parameters<typeof idpView>[3];
      const narrowed = idpView(inactive, NOW, undefined, verified).lines[0]!;
      assert.match(narrowed, /^Revoked, or its application or user was deactivated/);
      assert.doesNotMatch(narrowed, /Expired|unknown to the IdP/);
    });

    it('shows the gateway: status, the WWW-Authenticate challenge and the body', () => {
      const view = gatewayView({
        status: 401,
        headers: { 'WWW-Authenticate': 'Bearer realm="api", error="invalid_token", error_description="expired"' },
        body: '{"message":"Unauthorized"}',
      });
      assert.deepEqual(view, {
        title: 'Gateway',
        headline: '✖ HTTP 401',
        ok: false,
        lines: [
          'challenge: Bearer',
          'error: invalid_token',
          'description: expired',
          'body: {"message":"Unauthorized"}',
        ],
      });
      assert.equal(gatewayView({ status: 200, headers: {} }).ok, true);
    });
  });

  describe('renderViews', () => {
    const views: View[] = [
      { title: 'A', headline: '✔ valid', ok: true, lines: ['one two three four five six seven'] },
      { title: 'B', headline: 'not asked', lines: [] },
      { title: 'C', headline: '✖ HTTP 401', ok: false, lines: ['error: invalid_token'] },
    ];

    it('lays the views out as aligned columns', () => {
      const text = renderViews(views, 96, plain);
      const lines = text.trimEnd().split('\n');
      assert.match(lines[0]!, /^A {30}│ B {30}│ C$/);
      assert.match(lines[1]!, /^─{30}─┼─/);
      assert.match(lines[2]!, /^✔ valid {24}│ not asked {22}│ ✖ HTTP 401$/);
      const bars = lines
        .filter((l) => l.includes('│'))
        .map((l) =>
          [...l]
            .map((ch, i) => (ch === '│' ? i : -1))
            .filter((i) => i >= 0)
            .join(),
        );
      assert.equal(new Set(bars).size, 1, 'the separators line up on every row');
    });

    it('pads by visible width, so colour does not break the alignment', () => {
      const coloured = renderViews(views, 96, styler({ isTTY: true }, {}));
      const stripped = coloured.replace(/\u001b\[\d+m/g, '');
      assert.equal(stripped, renderViews(views, 96, plain));
    });

    it('stacks the views on a narrow terminal', () => {
      assert.equal(
        renderViews(views, 60, plain),
        'A\n  ✔ valid\n    one two three four five six seven\n\nB\n  not asked\n\nC\n  ✖ HTTP 401\n    error: invalid_token\n',
      );
    });
  });

  it('prints the verdict with its confidence, code, evidence and fix', () => {
    const text = formatVerdict(
      {
        code: 'token_expired',
        summary: 'The token expired.',
        fix: 'Get a new one.',
        decidedBy: 'gateway',
        confidence: 'likely',
        evidence: [
          { source: 'gateway', text: 'It said 401.' },
          { source: 'jwt-check', text: 'exp is past.' },
        ],
      },
      plain,
    );
    assert.equal(
      text,
      '✖ Verdict: The token expired. (likely) [token_expired]\nEvidence:\n  gateway    It said 401.\n  jwt-check  exp is past.\nFix: Get a new one.\n',
    );
  });

  it('parses --header "Name: value" and refuses anything else', () => {
    assert.deepEqual(parseHeaders(['X-Trace: a:b', 'Accept:application/json']), {
      'X-Trace': 'a:b',
      Accept: 'application/json',
    });
    for (const bad of ['novalue', ': x', 'Bad Name: x']) assert.throws(() => parseHeaders([bad]), UsageError);
  });

  it('reads --audience, --scope and --claim NAME=VALUE as the expectations, and refuses a claim without =', () => {
    assert.deepEqual(parseExpectations(['api://orders'], ['orders:read orders:write'], ['tenant=acme', 'x=a=b']), {
      audience: ['api://orders'],
      scopes: ['orders:read', 'orders:write'],
      claims: { tenant: 'acme', x: 'a=b' },
    });
    assert.equal(parseExpectations(undefined, [], undefined), undefined);
    assert.throws(() => parseExpectations(undefined, undefined, ['tenant']), UsageError);
  });

  describe('parseKongConfig', () => {
    it('reads the plugin config from JSON or YAML, or from a whole plugin object', () => {
      assert.deepEqual(parseKongConfig('{"scopes_required":["a"]}', 'c.json'), {
        config: { scopes_required: ['a'] },
      });
      assert.deepEqual(parseKongConfig('auth_methods: [bearer]\nscopes_claim: [scp]\n', 'c.yaml'), {
        config: { auth_methods: ['bearer'], scopes_claim: ['scp'] },
      });
      assert.deepEqual(parseKongConfig('name: openid-connect\nconfig: { issuer: "https://idp" }\n', 'p.yaml'), {
        config: { issuer: 'https://idp' },
        plugin: 'openid-connect',
      });
      assert.deepEqual(parseKongConfig('name: jwt\nconfig: { claims_to_verify: [exp] }\n', 'jwt.yaml'), {
        config: { claims_to_verify: ['exp'] },
        plugin: 'jwt',
      });
    });

    it('picks the profile --gateway-profile names, or kong-jwt for a jwt plugin object, and refuses an unknown one', () => {
      assert.equal(profileFromOptions('apache-jwt', 'jwt'), 'apache-jwt');
      assert.equal(profileFromOptions(undefined, 'jwt'), 'kong-jwt');
      assert.equal(profileFromOptions(undefined, 'openid-connect'), undefined);
      assert.throws(
        () => profileFromOptions('kong', undefined),
        /--gateway-profile takes one of kong-openid-connect, /,
      );
      assert.throws(() => profileFromOptions('__proto__', undefined), UsageError);
    });

    it('names the file when it is not a config (config.* code, so exit 2)', () => {
      assert.throws(
        () => parseKongConfig('- a\n- b\n', 'list.yaml'),
        (e: { code?: string; message: string }) =>
          e.code === 'config.kong_config_invalid' && /list\.yaml/.test(e.message),
      );
      assert.throws(
        () => parseKongConfig('{ "a": ', 'broken.json'),
        (e: { code?: string; message: string }) =>
          e.code === 'config.kong_config_invalid' && /broken\.json/.test(e.message),
      );
    });
  });

  describe('command', () => {
    it('needs a URL, one token source, and no Authorization header next to the token (exit 2)', async () => {
      const none = captureIo();
      assert.equal(await invoke(explainCommand, [], none.io), 2);
      assert.match(none.err(), /Name the route to call/);
      const both = captureIo({ env: { T: 'x' } });
      assert.equal(
        await invoke(explainCommand, ['http://127.0.0.1:9/orders', '--token-env', 'T', '--token-stdin'], both.io),
        2,
      );
      assert.match(both.err(), /one way/);
      const header = captureIo({ env: { T: 'x' } });
      assert.equal(
        await invoke(
          explainCommand,
          ['http://127.0.0.1:9/orders', '--token-env', 'T', '--header', 'Authorization: Basic abc'],
          header.io,
        ),
        2,
      );
      assert.match(header.err(), /leave out the Authorization --header/);
      assert.match(explainHelp, /^Usage: oidc-flow explain <url>/);
    });

    describe('--gateway-profile', () => {
      const opened = closeAfterEach();
      /** Kong's jwt plugin behind a proxy that strips X-Kong-* (its 401 body, as kong/plugins/jwt/handler.lua writes it). */
      async function jwtPluginGateway() {
        const server = opened(
          await httpServer((_req, res) => {
            res.statusCode = 401;
            res.setHeader('content-type', 'application/json; charset=utf-8');
            res.end(JSON.stringify({ message: "No credentials found for given 'iss'" }));
          }),
        );
        return `${server.url}/orders`;
      }

      for (const [how, flags] of [
        ['--gateway-profile kong-jwt', () => ['--gateway-profile', 'kong-jwt']],
        [
          'a whole jwt plugin object in --kong-config',
          () => {
            const file = join(mkdtempSync(join(tmpdir(), 'oidc-explain-jwt-')), 'jwt-plugin.yaml');
            writeFileSync(file, 'name: jwt\nconfig:\n  key_claim_name: iss\n  claims_to_verify: [exp]\n');
            return ['--kong-config', file];
          },
        ],
      ] as const)
        it(`reads the jwt plugin's reason when told by ${how}`, async () => {
          const url = await jwtPluginGateway();
          const c = captureIo({
            env: { TOKEN: rawToken({ alg: 'RS256', kid: 'k' }, { iss: 'https://idp.example', sub: 'u' }, 'c2ln') },
          });
          const code = await invoke(explainCommand, [url, '--token-env', 'TOKEN', ...flags(), '--json'], c.io);
          assert.equal(code, 1, c.err());
          const report = JSON.parse(c.out()) as ExplainReport;
          assert.equal(report.verdict.code, 'consumer_not_found');
          assert.match(report.verdict.summary, /Kong's jwt plugin found no consumer credential/);
        });

      it('without it, a gateway that does not say it is Kong gets the generic reading', async () => {
        const url = await jwtPluginGateway();
        const c = captureIo({
          env: { TOKEN: rawToken({ alg: 'RS256', kid: 'k' }, { iss: 'https://idp.example', sub: 'u' }, 'c2ln') },
        });
        assert.equal(await invoke(explainCommand, [url, '--token-env', 'TOKEN', '--json'], c.io), 1, c.err());
        assert.notEqual((JSON.parse(c.out()) as ExplainReport).verdict.code, 'consumer_not_found');
      });

      it('an unknown profile is a usage error (exit 2) listing the profiles', async () => {
        const c = captureIo();
        assert.equal(await invoke(explainCommand, ['http://127.0.0.1:9/x', '--gateway-profile', 'nginx'], c.io), 2);
        assert.match(c.err(), /--gateway-profile takes one of .*generic-rfc6750/);
      });
    });

    describe('--gateway-log', () => {
      const opened = closeAfterEach();
      const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
      const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
      /** An Apache error-log line written now, in UTC, about the given client. */
      function apacheLine(client: string, message: string): string {
        const d = new Date();
        const two = (n: number) => String(n).padStart(2, '0');
        const time = `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}.${String(d.getUTCMilliseconds()).padStart(3, '0')}000`;
        return `[${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${two(d.getUTCDate())} ${time} ${d.getUTCFullYear()}] [auth_openidc:error] [pid 7:tid 8] [client ${client}] ${message}\n`;
      }

      /** A gateway that logs, like Apache, a line about each request's client port and refuses it. */
      async function loggingGateway() {
        const log = join(mkdtempSync(join(tmpdir(), 'oidc-explain-log-')), 'error.log');
        writeFileSync(log, apacheLine('127.0.0.1:1', 'a line about another client'));
        const server = opened(
          await httpServer((req, res) => {
            appendFileSync(log, apacheLine('127.0.0.1:2', 'a line about another client at the same time'));
            appendFileSync(
              log,
              apacheLine(
                `127.0.0.1:${req.socket.remotePort}`,
                'oidc_introspect: "error" entry with value: "invalid_client" (token=the-secret-token)',
              ),
            );
            res.statusCode = 401;
            res.setHeader('www-authenticate', 'Bearer error="invalid_token"');
            res.end();
          }),
        );
        return { log, url: `${server.url}/orders` };
      }

      it("shows the gateway's own lines about exactly this request, masked, and weighs them in the verdict", async () => {
        const { log, url } = await loggingGateway();
        const c = captureIo({ env: { TOKEN: 'the-secret-token' } });
        const code = await invoke(
          explainCommand,
          [url, '--token-env', 'TOKEN', '--gateway-log', log, '--log-utc-offset', '0'],
          c.io,
        );
        assert.equal(code, 1, c.err());
        const out = c.out();
        assert.match(out, /log: 1 line about this request \(below\)/);
        assert.match(out, new RegExp(`Gateway log \\(the gateway's own words, ${log.replace(/[.\\/]/g, '\\$&')}\\)`));
        assert.match(out, /\[error\] oidc_introspect: "error" entry with value: "invalid_client"/);
        assert.doesNotMatch(out, /another client/);
        assert.doesNotMatch(out, /the-secret-token/);
        assert.match(out, /gateway-log +the line above/);
      });

      it('--output json: the verdict, what was checked and the log lines as one JSON object, no token in it', async () => {
        const { log, url } = await loggingGateway();
        const token = 'the-secret-token';
        for (const flags of [['--output', 'json'], ['--json']]) {
          const c = captureIo({ env: { TOKEN: token } });
          const code = await invoke(
            explainCommand,
            [url, '--token-env', 'TOKEN', '--gateway-log', log, '--log-utc-offset', '0', ...flags],
            c.io,
          );
          assert.equal(code, 1, c.err());
          assert.doesNotMatch(c.out(), new RegExp(token));
          const report = JSON.parse(c.out()) as ExplainReport;
          assert.deepEqual(Object.keys(report).sort(), ['checked', 'gatewayLog', 'request', 'verdict']);
          assert.deepEqual(report.request, { method: 'GET', url });
          assert.equal(typeof report.verdict.code, 'string');
          assert.equal(typeof report.verdict.summary, 'string');
          assert.ok(['certain', 'likely', 'possible'].includes(report.verdict.confidence));
          assert.equal(report.verdict.decidedBy, 'gateway');
          assert.ok(report.verdict.evidence.every((e) => e.source && e.text));
          assert.ok(report.verdict.evidence.some((e) => e.source === 'gateway-log' && /invalid_client/.test(e.text)));
          assert.deepEqual(report.checked.gateway, {
            status: 401,
            challenge: { scheme: 'Bearer', params: { error: 'invalid_token' } },
          });
          assert.equal(report.checked.local.state, 'skipped');
          assert.equal(report.checked.introspection.state, 'skipped');
          assert.equal(report.gatewayLog?.file, log);
          assert.deepEqual(
            report.gatewayLog?.lines.map((l) => [l.level, l.signal]),
            [['error', 'introspection_client_refused']],
          );
        }
        const wrong = captureIo();
        assert.equal(await invoke(explainCommand, [url, '--output', 'yaml'], wrong.io), 2);
        assert.match(explainHelp, /--output json/);
      });

      it('a log that cannot be read, or a wrong offset, is a configuration error naming it (exit 2)', async () => {
        const { url } = await loggingGateway();
        const missing = captureIo();
        assert.equal(await invoke(explainCommand, [url, '--gateway-log', '/no/such/error.log'], missing.io), 2);
        assert.match(missing.err(), /Cannot read the gateway log \/no\/such\/error\.log \(--gateway-log\): ENOENT/);
        const offset = captureIo();
        assert.equal(
          await invoke(explainCommand, [url, '--gateway-log', '/x.log', '--log-utc-offset', '1h'], offset.io),
          2,
        );
        assert.match(offset.err(), /--log-utc-offset takes minutes east of UTC/);
        const alone = captureIo();
        assert.equal(await invoke(explainCommand, [url, '--log-utc-offset', '60'], alone.io), 2);
      });
    });
  });

  describe("Okta's record (--okta-api-token-env, --okta-org-url)", () => {
    const opened = closeAfterEach();
    const API_TOKEN = '00ExplainApiToken0123456789abcdef';
    const TOKEN = rawToken({ alg: 'RS256', kid: 'k1' }, { cid: '0oa1', sub: '0oa1', exp: 4102444800 }, 'c2ln');

    /** A gateway that refuses, an IdP that answers inactive, and Okta's management API holding the app INACTIVE. */
    async function world() {
      const seen: string[] = [];
      const server = opened(
        await httpServer((req, res) => {
          res.setHeader('content-type', 'application/json');
          if (req.url === '/orders') {
            res.statusCode = 401;
            res.setHeader('www-authenticate', 'Bearer realm="kong", error="invalid_token"');
            return res.end('{"message":"Unauthorized"}');
          }
          if (req.url === '/introspect') return res.end('{"active":false}');
          seen.push(`${req.url} ${req.headers.authorization}`);
          if (req.url === '/api/v1/apps/0oa1')
            return res.end(
              JSON.stringify({
                id: '0oa1',
                label: 'Orders',
                status: 'INACTIVE',
                credentials: { oauthClient: { client_id: '0oa1' } },
              }),
            );
          res.statusCode = 404;
          res.end('{"errorCode":"E0000007","errorSummary":"Not found"}');
        }),
      );
      const args = [
        `${server.url}/orders`,
        '--token-env',
        'TOKEN',
        '--introspection-endpoint',
        `${server.url}/introspect`,
        '--client-id',
        'gw',
        '--okta-org-url',
        server.url,
        '--okta-api-token-env',
        'MY_OKTA_TOKEN',
      ];
      return { seen, args };
    }

    it("asks about the token's app, shows the record and a confirmed verdict, and never prints the API token", async () => {
      const w = await world();
      const c = captureIo({ env: { TOKEN, MY_OKTA_TOKEN: API_TOKEN } });
      assert.equal(await invoke(explainCommand, w.args, c.io), 1, c.err());
      assert.deepEqual(w.seen, [`/api/v1/apps/0oa1 SSWS ${API_TOKEN}`]);
      assert.match(c.out(), /Okta's record/);
      assert.match(c.out(), /✖ application Orders \(client 0oa1\): INACTIVE/);
      assert.match(c.out(), /Verdict: Okta confirms the application Orders \(client 0oa1\) is INACTIVE/);
      assert.doesNotMatch(c.out() + c.err(), new RegExp(API_TOKEN));
    });

    it('--output json has an idpRecord member, and the verdict says what Okta confirmed', async () => {
      const w = await world();
      const c = captureIo({ env: { TOKEN, MY_OKTA_TOKEN: API_TOKEN } });
      assert.equal(await invoke(explainCommand, [...w.args, '--output', 'json'], c.io), 1, c.err());
      assert.doesNotMatch(c.out(), new RegExp(API_TOKEN));
      const report = JSON.parse(c.out()) as ExplainReport;
      assert.deepEqual(report.idpRecord, {
        source: 'okta-management-api',
        app: { clientId: '0oa1', status: 'INACTIVE', active: false, label: 'Orders' },
      });
      assert.equal(report.verdict.code, 'client_deactivated');
      assert.equal(report.verdict.confidence, 'certain');
    });

    it('without an API token nothing is asked and there is no record', async () => {
      const w = await world();
      const c = captureIo({ env: { TOKEN } });
      const args = w.args.slice(0, -4);
      assert.equal(await invoke(explainCommand, [...args, '--output', 'json'], c.io), 1, c.err());
      assert.deepEqual(w.seen, []);
      const report = JSON.parse(c.out()) as ExplainReport;
      assert.equal(report.idpRecord, undefined);
      assert.equal(report.verdict.code, 'token_inactive');
    });

    it('an unset --okta-api-token-env, or the flags without an IdP, are usage errors (exit 2)', async () => {
      const w = await world();
      const unset = captureIo({ env: { TOKEN } });
      assert.equal(await invoke(explainCommand, w.args, unset.io), 2);
      assert.match(unset.err(), /MY_OKTA_TOKEN \(from --okta-api-token-env\) is not set/);
      const alone = captureIo({ env: { TOKEN, MY_OKTA_TOKEN: API_TOKEN } });
      const noIdp = [w.args[0]!, '--token-env', 'TOKEN', '--okta-api-token-env', 'MY_OKTA_TOKEN'];
      assert.equal(await invoke(explainCommand, noIdp, alone.io), 2);
      assert.match(alone.err(), /go with the IdP options/);
    });
  });
});
