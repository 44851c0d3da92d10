import type { FlowEntry, FlowSource } from '../workspace/source-model';
import { entryId } from '../workspace/source-model';
import type { NodeData } from './node';
import { CONTEXT_VALUES } from './node';

const STEP_ICONS: Record<string, string> = {
  token: 'key',
  introspect: 'search',
  revoke: 'circle-slash',
  decode: 'symbol-string',
  verify: 'verified',
  call: 'arrow-right',
  request: 'globe',
  wait: 'watch',
  repeat: 'sync',
  admin: 'tools',
};

/** One node per flow file, with its flows (or the reason it does not load). */
export function sourceNodes(sources: readonly FlowSource[], flows: readonly FlowEntry[]): NodeData[] {
  return sources
    .filter((s) => s.kind === 'file')
    .sort((a, b) => a.label.localeCompare(b.label))
    .map((source) => {
      const own = flows.filter((f) => f.sourceId === source.id);
      const broken = source.errorCount > 0;
      return {
        id: entryId.source(source.id),
        label: source.label,
        description: broken
          ? `${source.errorCount} problem${source.errorCount === 1 ? '' : 's'}`
          : `${own.length} flow${own.length === 1 ? '' : 's'}`,
        tooltip: broken ? source.firstError : undefined,
        contextValue: CONTEXT_VALUES.source,
        icon: broken ? 'error' : 'file-code',
        iconColor: broken ? 'list.errorForeground' : undefined,
        collapsible: 'expanded',
        resourceUri: source.id,
        ref: { kind: 'source', sourceId: source.id },
        children: () => own.map(flowNode),
      };
    });
}

/** A flow and its steps. */
export function flowNode(flow: FlowEntry): NodeData {
  return {
    id: flow.id,
    label: flow.name,
    description: `${flow.steps.length} step${flow.steps.length === 1 ? '' : 's'}`,
    tooltip: flow.description,
    contextValue: CONTEXT_VALUES.flow,
    icon: 'play-circle',
    collapsible: 'collapsed',
    ref: { kind: 'flow', sourceId: flow.sourceId, flow: flow.name },
    children: () =>
      flow.steps.map((step) => ({
        id: step.id,
        label: step.name ?? step.stepId,
        description: step.name ? `${step.stepId} · ${step.type}` : step.type,
        contextValue: CONTEXT_VALUES.step,
        icon: STEP_ICONS[step.type] ?? 'circle-outline',
        collapsible: 'none',
        ref: { kind: 'step', sourceId: flow.sourceId, flow: flow.name, step: step.stepId },
      })),
  };
}
