import { strict as assert } from 'node:assert';
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
  renderViews,
  wrapText,
} from '../../../src/cli/commands/explain';
import type { View } from '../../../src/cli/commands/explain';
import { styler, UsageError } from '../../../src/cli/io';
import { captureIo } from '../../support/capture-io';
import { invoke } from '../../support/cli-invoke';

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
      assert.deepEqual(parseKongConfig('{"scopes_required":["a"]}', 'c.json'), { scopes_required: ['a'] });
      assert.deepEqual(parseKongConfig('auth_methods: [bearer]\nscopes_claim: [scp]\n', 'c.yaml'), {
        auth_methods: ['bearer'],
        scopes_claim: ['scp'],
      });
      assert.deepEqual(parseKongConfig('name: openid-connect\nconfig: { issuer: "https://idp" }\n', 'p.yaml'), {
        issuer: 'https://idp',
      });
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
  });
});
