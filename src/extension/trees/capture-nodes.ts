/**
 * The Capture view: one node per bearer token seen (who, which client, time
 * to expiry), its exchanges under it, newest first. Requests without a token
 * have their own group. Rows come redacted from the capture; nothing here
 * sees a token value. No vscode import.
 */
import type { CaptureRow, CapturedToken } from '../capture/capture-api';
import { formatTimeLeft } from '../secrets/token-vault';
import { shorten } from './route-nodes';
import { CONTEXT_VALUES } from './node';
import type { NodeData } from './node';

const NO_TOKEN = 'no-token';

/** "alice / orders-app" (or what is unknown of them). */
export function tokenLabel(token: CapturedToken | undefined): string {
  if (!token) return 'No bearer token';
  return `${token.subject ?? 'unknown subject'} / ${token.clientId ?? 'unknown client'}`;
}

/** "expires in 59m 12s", "expired 2m ago", "no expiry" (`expiresAt` in epoch ms, as the core gives it). */
export function expiryText(token: CapturedToken, nowMs: number): string {
  if (token.expiresAt === undefined) return 'no expiry';
  const left = Math.floor((token.expiresAt - nowMs) / 1000);
  const text = formatTimeLeft(left);
  return left < 0 ? text : `expires in ${text}`;
}

function statusIcon(row: CaptureRow): { icon: string; iconColor?: string } {
  if (row.error || row.status === undefined) return { icon: 'error', iconColor: 'testing.iconErrored' };
  if (row.status >= 500) return { icon: 'error', iconColor: 'testing.iconErrored' };
  if (row.status >= 400) return { icon: 'circle-slash', iconColor: 'testing.iconFailed' };
  if (row.status >= 300) return { icon: 'arrow-right' };
  return { icon: 'pass', iconColor: 'testing.iconPassed' };
}

/** One exchange: "401 GET /orders · 12 ms", and for a refused one the verdict's short text once it came. */
export function exchangeNode(row: CaptureRow, groupId: string): NodeData {
  const refused = row.status !== undefined && row.status >= 400;
  const verdict = refused ? shorten(row.verdict?.summary ?? row.skipped ?? '', 70) || undefined : undefined;
  return {
    id: `${groupId}/exchange:${row.id}`,
    label: `${row.status ?? 'no answer'} ${row.method} ${row.path}`,
    description: [`${Math.round(row.durationMs)} ms`, verdict ?? row.error].filter(Boolean).join(' · '),
    tooltip: [
      `#${row.seq} ${row.method} ${row.path}`,
      row.status !== undefined ? `Answer: ${row.status}` : `No answer: ${row.error ?? 'unknown'}`,
      row.verdict
        ? `Verdict: ${row.verdict.summary}`
        : row.skipped
          ? `No verdict: ${row.skipped}`
          : refused
            ? 'Diagnosing…'
            : undefined,
      'Click to open it in the results view.',
    ]
      .filter(Boolean)
      .join('\n'),
    contextValue: CONTEXT_VALUES.capturedExchange,
    ...statusIcon(row),
    collapsible: 'none',
    ref: { kind: 'capturedExchange', exchangeId: row.id },
    command: {
      command: 'oidcFlow.openCapturedExchange',
      title: 'Open in the Results View',
      args: [{ kind: 'capturedExchange', exchangeId: row.id }],
    },
  };
}

/** The groups, the one with the newest exchange first; exchanges newest first. */
export function captureNodes(rows: readonly CaptureRow[], nowMs: number): NodeData[] {
  const groups = new Map<string, { token?: CapturedToken; rows: CaptureRow[] }>();
  for (const row of rows) {
    const key = row.token?.groupKey ?? NO_TOKEN;
    const group = groups.get(key) ?? { token: row.token, rows: [] };
    group.rows.push(row);
    groups.set(key, group);
  }
  return [...groups.entries()]
    .map(([key, group]) => ({ key, ...group, newest: group.rows[group.rows.length - 1]!.seq }))
    .sort((a, b) => b.newest - a.newest)
    .map(({ key, token, rows: list }) => {
      const id = `capture-token:${key}`;
      const refused = list.filter((r) => r.status === undefined || r.status >= 400).length;
      const expired = token?.expiresAt !== undefined && token.expiresAt <= nowMs;
      return {
        id,
        label: tokenLabel(token),
        description: [
          token ? expiryText(token, nowMs) : undefined,
          `${list.length} ${list.length === 1 ? 'call' : 'calls'}`,
          refused ? `${refused} refused` : undefined,
        ]
          .filter(Boolean)
          .join(' · '),
        tooltip: token
          ? [
              `Subject: ${token.subject ?? 'unknown'}`,
              `Client: ${token.clientId ?? 'unknown'}`,
              `Expiry: ${expiryText(token, nowMs)}`,
            ].join('\n')
          : 'Requests that carried no bearer token.',
        contextValue: CONTEXT_VALUES.captureGroup,
        icon: !token ? 'circle-slash' : expired ? 'warning' : 'key',
        ...(expired ? { iconColor: 'list.warningForeground' } : {}),
        collapsible: 'expanded',
        children: () => [...list].reverse().map((row) => exchangeNode(row, id)),
      } satisfies NodeData;
    });
}
