// The route's config lint under a call step: what is wrong (or worth
// knowing) about the gateway's OIDC setup for the route this call went to.
import type { FindingView } from '../shared/view-model';
import { el } from './dom';

const MARK: Record<FindingView['severity'], string> = { error: '✗', warning: '!', info: 'i' };
const ORDER: Record<FindingView['severity'], number> = { error: 0, warning: 1, info: 2 };

/** A collapsible list of findings, errors first; open when any is an error or a warning. */
export function renderFindings(findings: readonly FindingView[]): HTMLElement {
  const sorted = [...findings].sort((a, b) => ORDER[a.severity] - ORDER[b.severity]);
  const counts = (['error', 'warning', 'info'] as const)
    .map((s) => [s, sorted.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n > 0);
  const box = el('details', { className: 'findings', attrs: { 'aria-label': 'Gateway config findings' } });
  if (sorted.some((f) => f.severity !== 'info')) box.open = true;
  box.append(
    el('summary', {}, 'Gateway config: ', counts.map(([s, n]) => `${n} ${s}${n === 1 ? '' : 's'}`).join(', ')),
  );
  const list = el('ul', 'finding-list');
  for (const f of sorted) {
    list.append(
      el(
        'li',
        `finding ${f.severity}`,
        el('span', `mark ${f.severity}`, `${MARK[f.severity]} `),
        el('code', {}, f.field),
        ' ',
        f.message,
        f.evidence ? el('div', 'muted', `Evidence: ${f.evidence}`) : '',
        el('div', 'fix', el('strong', {}, 'Fix: '), f.fix),
      ),
    );
  }
  box.append(list);
  return box;
}
