import type { HistorySummary } from '../history/run-history';
import type { NodeData } from './node';
import { CONTEXT_VALUES } from './node';

const STATUS_ICON: Record<HistorySummary['status'], [string, string]> = {
  passed: ['pass', 'testing.iconPassed'],
  failed: ['error', 'testing.iconFailed'],
  error: ['warning', 'testing.iconErrored'],
  running: ['loading~spin', 'foreground'],
};

/** One node per recorded run, newest first; clicking reopens it in the results view. */
export function historyNodes(entries: readonly HistorySummary[], now: number): NodeData[] {
  return entries.map((entry) => {
    const [icon, color] = STATUS_ICON[entry.status];
    const ago = Math.max(0, Math.round((now - entry.startedAt) / 60_000));
    return {
      id: `history:${entry.id}`,
      label: entry.title,
      description: `${entry.status} · ${ago < 1 ? 'just now' : ago < 60 ? `${ago} min ago` : new Date(entry.startedAt).toLocaleString()}`,
      tooltip: [
        entry.title,
        `Source: ${entry.source}`,
        `Took ${entry.durationMs} ms`,
        entry.verdict ? `Verdict: ${entry.verdict}` : undefined,
      ]
        .filter(Boolean)
        .join('\n'),
      contextValue: CONTEXT_VALUES.history,
      icon,
      iconColor: color,
      collapsible: 'none',
      ref: { kind: 'history', runId: entry.id },
      command: {
        command: 'oidcFlow.openHistoryEntry',
        title: 'Open Run',
        args: [{ kind: 'history', runId: entry.id }],
      },
    };
  });
}
