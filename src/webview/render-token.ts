import type { AnswersView, TokenView } from '../shared/view-model';
import type { HeadingLevel } from './dom';
import { below, countdown, el, heading } from './dom';

/** The decoded token: signature status, expiry countdown, header, claims table, local checks; titled at `level`. */
export function renderToken(token: TokenView, level: HeadingLevel): HTMLElement {
  const box = el('section', 'token');
  const sub = below(level);
  box.append(heading(level, {}, token.title));
  const badges = el('div', 'badges');
  const sig =
    token.signature === 'verified'
      ? ['ok', 'Signature verified']
      : token.signature === 'failed'
        ? ['bad', 'Signature check failed']
        : ['muted-badge', 'Signature not checked (decoded only)'];
  badges.append(el('span', `badge ${sig[0]}`, sig[1]!));
  badges.append(
    el('span', 'badge', token.kind === 'jwt' ? 'JWT' : token.kind === 'jwe' ? 'Encrypted (JWE)' : 'Opaque'),
  );
  if (token.expiresAt !== undefined) {
    const exp = el(
      'span',
      { className: 'badge countdown', attrs: { 'data-exp': String(token.expiresAt) } },
      countdown(token.expiresAt, Date.now()),
    );
    badges.append(exp);
  }
  if (token.scope) badges.append(el('span', 'badge', `scope: ${token.scope}`));
  box.append(badges);
  if (token.checks && token.checks.length > 0) {
    const list = el('ul', 'checks');
    for (const check of token.checks) {
      list.append(
        el(
          'li',
          check.ok ? 'pass' : 'fail',
          el('span', 'mark', check.ok ? '✓ ' : '✗ '),
          `${check.id}: ${check.message}`,
          check.hint ? el('div', 'hint', check.hint) : undefined,
        ),
      );
    }
    box.append(heading(sub, 'label', 'Local JWT checks'), list);
  }
  if (token.header) box.append(heading(sub, 'label', 'Header'), el('pre', 'code', token.header));
  if (token.claims.length > 0) {
    const table = el('table', 'claims');
    table.append(
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          el('th', { attrs: { scope: 'col' } }, 'Claim'),
          el('th', { attrs: { scope: 'col' } }, 'Value'),
          el('th', { attrs: { scope: 'col' } }, 'Meaning'),
        ),
      ),
    );
    const body = el('tbody');
    for (const claim of token.claims) {
      body.append(
        el(
          'tr',
          claim.custom ? 'custom' : '',
          el('td', 'mono', claim.name),
          el('td', 'mono value', claim.value),
          el('td', {}, el('strong', {}, claim.label), ' — ', claim.explanation),
        ),
      );
    }
    table.append(body);
    box.append(heading(sub, 'label', 'Claims'), table);
  }
  return box;
}

/** The gateway's error-log lines about the call, set apart as its own words. */
function gatewayLog(lines: readonly string[]): HTMLElement {
  const list = el('ul', 'gateway-log');
  for (const line of lines) list.append(el('li', {}, el('code', {}, line)));
  return el(
    'div',
    { className: 'gateway-log', attrs: { role: 'group', 'aria-label': "The gateway's log about this call" } },
    el('p', 'muted', "Its error log, in the gateway's own words:"),
    list,
  );
}

/** The local check, the IdP's introspection and the gateway's answer, side by side; card titles at `level`. */
export function renderAnswers(answers: AnswersView, level: HeadingLevel): HTMLElement {
  const row = el('div', {
    className: 'answers',
    attrs: { role: 'group', 'aria-label': 'Three answers for the same token' },
  });
  const card = (title: string, answer: { ok: boolean; text: string; log?: string[] } | undefined) =>
    el(
      'div',
      `answer ${answer ? (answer.ok ? 'ok' : 'bad') : 'unknown'}`,
      heading(level, 'label', title),
      el('p', {}, answer ? answer.text : 'Not asked in this run.'),
      answer?.log ? gatewayLog(answer.log) : undefined,
    );
  row.append(
    card('Local JWKS check', answers.local),
    card("IdP's introspection", answers.introspection),
    card("Gateway's answer", answers.gateway),
  );
  return row;
}
