import assert from 'node:assert/strict';
import { renderAnswers, renderToken } from '../../../src/webview/render-token';
import type { DomEnv } from './dom-env';
import { activeElements, assertAbsent, openDom } from './dom-env';
import { ACCESS_TOKEN, recordFlowRun, TOKEN_SIGNATURE, tokenViewOf } from './fixtures';

function badges(node: Element): string[] {
  return [...node.querySelectorAll('.badges .badge')].map((b) => b.textContent!);
}

function claimRows(node: Element): Array<{ name: string; value: string; meaning: string; custom: boolean }> {
  return [...node.querySelectorAll('table.claims tbody tr')].map((tr) => {
    const cells = [...tr.querySelectorAll('td')];
    return {
      name: cells[0]!.textContent!,
      value: cells[1]!.textContent!,
      meaning: cells[2]!.textContent!,
      custom: tr.classList.contains('custom'),
    };
  });
}

describe('webview: token and the three answers', () => {
  let dom: DomEnv;
  beforeEach(() => {
    dom = openDom();
  });
  afterEach(() => dom.close());

  describe('renderToken', () => {
    it('shows the JOSE header and a claims table with each claim explained', () => {
      const token = recordFlowRun()
        .view()
        .steps.find((s) => s.id === 'verify')!.token!;
      const node = renderToken(token, 4);
      assert.equal(node.querySelector('h4')!.textContent, 'Token verified in step verify');
      const headings = [...node.querySelectorAll('h5')].map((h) => h.textContent);
      assert.deepEqual(headings, ['Local JWT checks', 'Header', 'Claims']);
      assert.equal(node.querySelector('pre.code')!.textContent, token.header);
      assert.match(node.querySelector('pre.code')!.textContent!, /"kid": "k1"/);
      assert.deepEqual(
        [...node.querySelectorAll('table.claims thead th')].map((th) => th.textContent),
        ['Claim', 'Value', 'Meaning'],
      );
      const rows = claimRows(node);
      assert.deepEqual(
        rows.map((r) => r.name),
        ['iss', 'sub', 'exp', 'department'],
      );
      assert.deepEqual(
        rows.find((r) => r.name === 'sub'),
        {
          name: 'sub',
          value: '"svc"',
          meaning: 'Subject — Who the token is about: svc (a user or, without a user, a client).',
          custom: false,
        },
      );
      assert.match(rows.find((r) => r.name === 'exp')!.meaning, /^Expires — The token is usable until 2100-01-01/);
      assert.equal(rows.find((r) => r.name === 'department')!.custom, true);
      assert.equal(node.querySelector('tr.custom strong')!.textContent, 'Custom claim');
    });

    it('lists the local checks, passed and failed, with hints', () => {
      const node = renderToken(
        tokenViewOf({
          signature: 'failed',
          checks: [
            {
              id: 'signature',
              ok: false,
              code: 'jwt.signature_invalid',
              message: 'Signature does not match key k1.',
              hint: 'Fetch the JWKS again.',
            },
            { id: 'iss', ok: true, message: 'Issuer matches.' },
          ],
        }),
        4,
      );
      const items = [...node.querySelectorAll('ul.checks li')];
      assert.deepEqual(
        items.map((li) => li.className),
        ['fail', 'pass'],
      );
      assert.equal(items[0]!.querySelector('.mark')!.textContent, '✗ ');
      assert.match(items[0]!.textContent!, /signature: Signature does not match key k1\./);
      assert.equal(items[0]!.querySelector('.hint')!.textContent, 'Fetch the JWKS again.');
      assertAbsent(items[1]!.querySelector('.hint'), 'hint');
    });

    it('states the signature status', () => {
      const cases = [
        ['verified', 'badge ok', 'Signature verified'],
        ['failed', 'badge bad', 'Signature check failed'],
        ['not checked', 'badge muted-badge', 'Signature not checked (decoded only)'],
      ] as const;
      for (const [signature, className, text] of cases) {
        const first = renderToken(tokenViewOf({ signature }), 4).querySelector('.badges .badge')!;
        assert.equal(first.className, className);
        assert.equal(first.textContent, text);
      }
    });

    it('names the token kind and shows the scope', () => {
      assert.deepEqual(badges(renderToken(tokenViewOf({ kind: 'jwt', scope: 'orders:read' }), 4)), [
        'Signature verified',
        'JWT',
        'scope: orders:read',
      ]);
      assert.ok(badges(renderToken(tokenViewOf({ kind: 'jwe' }), 4)).includes('Encrypted (JWE)'));
      const opaque = renderToken(
        tokenViewOf({ kind: 'opaque', header: undefined, claims: [], signature: 'not checked' }),
        4,
      );
      assert.ok(badges(opaque).includes('Opaque'));
      assertAbsent(opaque.querySelector('table'), 'claims table');
      assertAbsent(opaque.querySelector('pre'), 'header');
    });

    it('counts down to expiry, and says how long ago it expired', () => {
      const now = Math.floor(Date.now() / 1000);
      const future = renderToken(
        tokenViewOf({ expiresAt: now + 2 * 3600 + 30 * 60 + 30 }),
        4,
      ).querySelector<HTMLElement>('.countdown')!;
      assert.match(future.textContent!, /^expires in 2h 30m$/);
      assert.equal(future.dataset.exp, String(now + 2 * 3600 + 30 * 60 + 30));
      const past = renderToken(tokenViewOf({ expiresAt: now - 3 * 60 - 30 }), 4).querySelector('.countdown')!;
      assert.match(past.textContent!, /^expired 3m 3\ds ago$/);
      assertAbsent(renderToken(tokenViewOf({ expiresAt: undefined }), 4).querySelector('.countdown'), 'countdown');
    });

    it('never shows the token value, only what decoding shows', () => {
      const view = recordFlowRun().view();
      for (const step of view.steps.filter((s) => s.token)) {
        const host = dom.mount(renderToken(step.token!, 4));
        assert.ok(!host.textContent!.includes(TOKEN_SIGNATURE));
        assert.ok(!host.textContent!.includes(ACCESS_TOKEN.split('.')[1]!));
      }
    });

    it('renders markup in claims as text', () => {
      const evil = '<img src=x onerror=alert(1)><script>alert(2)</script>';
      const host = dom.mount(
        renderToken(
          tokenViewOf({
            title: evil,
            header: evil,
            scope: evil,
            claims: [{ name: evil, value: JSON.stringify(evil), label: evil, explanation: evil, custom: true }],
          }),
          4,
        ),
      );
      assert.deepEqual(activeElements(host), []);
      assert.equal(host.querySelector('h4')!.textContent, evil);
      assert.equal(claimRows(host)[0]!.name, evil);
    });
  });

  describe('renderAnswers', () => {
    it('puts the local JWKS check, the introspection and the gateway side by side', () => {
      const answers = recordFlowRun()
        .view()
        .steps.find((s) => s.id === 'call')!.answers!;
      const node = renderAnswers(answers, 4);
      assert.equal(node.getAttribute('role'), 'group');
      const cards = [...node.querySelectorAll(':scope > .answer')];
      assert.deepEqual(
        cards.map((c) => c.querySelector('h4')!.textContent),
        ['Local JWKS check', "IdP's introspection", "Gateway's answer"],
      );
      assert.deepEqual(
        cards.map((c) => c.className),
        ['answer ok', 'answer bad', 'answer bad'],
      );
      assert.deepEqual(
        cards.map((c) => c.querySelector('p')!.textContent),
        [answers.local!.text, answers.introspection!.text, answers.gateway!.text],
      );
      assert.match(cards[1]!.textContent!, /active: false/);
      assert.match(cards[2]!.textContent!, /401/);
    });

    it("shows the gateway's log lines under its answer, only when a log was read", () => {
      const node = renderAnswers(
        {
          gateway: { ok: false, text: 'The gateway answered 401.', log: ['[error] invalid_client', '<b>x</b>'] },
        },
        4,
      );
      const log = node.querySelector('.answer:last-child .gateway-log')!;
      assert.equal(log.getAttribute('role'), 'group');
      assert.match(log.textContent!, /in the gateway's own words/);
      assert.deepEqual(
        [...log.querySelectorAll('li')].map((li) => li.textContent),
        ['[error] invalid_client', '<b>x</b>'],
      );
      assert.equal(node.querySelectorAll('b').length, 0);
      assert.equal(
        renderAnswers({ gateway: { ok: false, text: 'The gateway answered 401.' } }, 4).querySelector('.gateway-log'),
        null,
      );
    });

    it('says which answers were not asked', () => {
      const cards = [
        ...renderAnswers({ gateway: { ok: true, text: 'The gateway answered 200.' } }, 4).querySelectorAll('.answer'),
      ];
      assert.deepEqual(
        cards.map((c) => c.className),
        ['answer unknown', 'answer unknown', 'answer ok'],
      );
      assert.equal(cards[0]!.querySelector('p')!.textContent, 'Not asked in this run.');
      assert.equal(cards[1]!.querySelector('p')!.textContent, 'Not asked in this run.');
    });
  });
});
