import { offer } from './offer';
import type { RerunSpec } from '../../shared/view-model';
import { refOf } from '../trees/node';
import type { RunSummary } from '../services/run-service';
import { summarize } from '../services/run-service';
import type { FlowSource } from '../workspace/source-model';
import { flowUpTo } from '../workspace/source-model';
import type { CommandId } from './command-ids';
import { pickEnvironment, pickFileSource, pickFlow } from './pickers';
import type { Handler, Services } from './command-services';

const DEMO_FLOWS = ['introspection-scenario', 'cached-variant'];

function isRerunSpec(value: unknown): value is RerunSpec {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as RerunSpec).sourceId === 'string' &&
    typeof (value as RerunSpec).flow === 'string'
  );
}

/** Loads a source for a run, showing the file's first problem (with a way to open it) when it does not load. */
async function load(s: Services, sourceId: string) {
  try {
    return await s.index.loadForRun(sourceId);
  } catch (error) {
    const { asOidcError } = await import('../../core/errors');
    const e = asOidcError(error);
    offer(
      s.vs.window.showErrorMessage(
        `${e.message}${e.where ? ` (${e.where})` : ''}${e.hint ? ` ${e.hint}` : ''}`,
        ...(sourceId.includes(':') ? ['Open File'] : []),
      ),
      {
        'Open File': () => s.vs.window.showTextDocument(s.vs.Uri.parse(sourceId)),
      },
    );
    return undefined;
  }
}

async function runFlow(
  s: Services,
  spec: { sourceId: string; flow: string; env?: string; upToStep?: string; stepByStep?: boolean },
): Promise<RunSummary | undefined> {
  const loaded = await load(s, spec.sourceId);
  if (!loaded) return undefined;
  const { source } = loaded;
  let file = loaded.file;
  if (!file.flows?.[spec.flow]) {
    void s.vs.window.showErrorMessage(`${source.label} has no flow '${spec.flow}' any more.`);
    return undefined;
  }
  const env = spec.env ?? (await pickEnvironment(s, source, file, spec.flow));
  if (env === null) return undefined;
  let title = `${spec.flow} (${source.label})`;
  if (spec.upToStep) {
    const cut = flowUpTo(file, spec.flow, spec.upToStep);
    if (!cut) {
      void s.vs.window.showErrorMessage(`The flow ${spec.flow} has no step '${spec.upToStep}' any more.`);
      return undefined;
    }
    file = cut;
    title = `${spec.flow} up to ${spec.upToStep} (${source.label})`;
  }
  if (spec.stepByStep) title = `${spec.flow} step by step (${source.label})`;
  const outcome = await s.runs.run({
    source,
    file,
    flow: spec.flow,
    env,
    title,
    rerun: { sourceId: source.id, flow: spec.flow, env, upToStep: spec.upToStep },
    ...(spec.stepByStep ? { stepByStep: true } : {}),
  });
  return outcome ? summarize(outcome) : undefined;
}

async function runDemo(s: Services, arg: unknown): Promise<RunSummary | undefined> {
  const flow =
    typeof (arg as { flow?: unknown })?.flow === 'string' && DEMO_FLOWS.includes((arg as { flow: string }).flow)
      ? (arg as { flow: string }).flow
      : DEMO_FLOWS[0]!;
  const { loadFlowFile } = await import('../../core/flow/load');
  const { DEMO_FLOW_FILE } = await import('../../core/sandbox/demo-flow');
  const { file } = loadFlowFile(DEMO_FLOW_FILE, { fileName: 'built-in demo' });
  const source: FlowSource = { id: 'demo', kind: 'sandbox', label: 'Built-in demo (sandbox)', file, errorCount: 0 };
  const outcome = await s.runs.run({
    source,
    file,
    flow,
    title: flow === 'cached-variant' ? 'Demo: the cached variant' : 'Demo: the introspection scenario',
    rerun: { sourceId: 'demo', flow, demo: true },
  });
  if (!outcome) return undefined;
  const verdict = outcome.recorder.view(true).verdict;
  if (verdict) {
    // Not awaited: the command resolves when the run ends, not when the notification is dismissed.
    void s.vs.window
      .showInformationMessage(`Demo finished. The gateway's 401: ${verdict.summary}`, 'Show Verdict')
      .then((choice) => {
        if (choice) s.panel.showRun(outcome.runId, { stepPath: verdict.stepPath });
      });
  }
  return summarize(outcome);
}

/** Flow handlers: run, run step, stop, environment, demo, refresh. */
export function flowCommands(s: Services) {
  const vs = s.vs;
  return {
    'oidcFlow.runFlow': async (arg?: unknown) => {
      if (isRerunSpec(arg)) {
        if (arg.demo) return runDemo(s, arg);
        return runFlow(s, arg);
      }
      const ref = refOf(arg);
      if (ref?.kind === 'flow' || ref?.kind === 'step') return runFlow(s, { sourceId: ref.sourceId, flow: ref.flow });
      // From the editor title: VS Code passes the file's URI, so offer that file's flows.
      const fileUri = arg instanceof vs.Uri ? arg.toString() : undefined;
      const flow = await pickFlow(s, fileUri);
      return flow ? runFlow(s, { sourceId: flow.sourceId, flow: flow.name }) : undefined;
    },
    'oidcFlow.runFlowStepByStep': async (arg?: unknown) => {
      if (s.runs.running) {
        void vs.window.showWarningMessage('A run is already in progress. Stop it first (OIDC Flow: Stop Run).');
        return undefined;
      }
      const ref = refOf(arg);
      if (isRerunSpec(arg) && !arg.demo) return runFlow(s, { ...arg, stepByStep: true });
      if (ref?.kind === 'flow' || ref?.kind === 'step')
        return runFlow(s, { sourceId: ref.sourceId, flow: ref.flow, stepByStep: true });
      const fileUri = arg instanceof vs.Uri ? arg.toString() : undefined;
      const flow = await pickFlow(s, fileUri);
      return flow ? runFlow(s, { sourceId: flow.sourceId, flow: flow.name, stepByStep: true }) : undefined;
    },
    'oidcFlow.nextStep': () => {
      if (!s.runs.next())
        void vs.window.showInformationMessage(
          'No step-by-step run is waiting. Start one with OIDC Flow: Run Flow Step by Step.',
        );
    },
    'oidcFlow.continueRun': () => {
      if (!s.runs.continue()) void vs.window.showInformationMessage('No step-by-step run is waiting.');
    },
    'oidcFlow.runStep': async (arg?: unknown) => {
      const ref = refOf(arg);
      if (ref?.kind === 'step') return runFlow(s, { sourceId: ref.sourceId, flow: ref.flow, upToStep: ref.step });
      let sourceId: string;
      let flowName: string;
      if (ref?.kind === 'flow') {
        sourceId = ref.sourceId;
        flowName = ref.flow;
      } else {
        const flow = await pickFlow(s);
        if (!flow) return;
        sourceId = flow.sourceId;
        flowName = flow.name;
      }
      const loaded = await load(s, sourceId);
      const steps = loaded?.file.flows?.[flowName]?.steps ?? [];
      const step = await vs.window.showQuickPick(
        steps.map((st, i) => ({
          label: st.name ?? st.id,
          description: `${i + 1}. ${st.id} · ${st.type}`,
          detail: i > 0 ? `Runs steps 1–${i} first, since they feed it.` : undefined,
          value: st.id,
        })),
        { placeHolder: `Run ${flowName} up to which step?`, ignoreFocusOut: true },
      );
      return step ? runFlow(s, { sourceId, flow: flowName, upToStep: step.value }) : undefined;
    },
    'oidcFlow.stopRun': () => {
      if (!s.runs.stop()) void vs.window.showInformationMessage('No run is in progress.');
    },
    'oidcFlow.selectEnvironment': async (arg?: unknown) => {
      const ref = refOf(arg);
      const source =
        ref && 'sourceId' in ref
          ? await s.index.get(ref.sourceId)
          : await pickFileSource(s, 'Choose the environment of which flow file?');
      if (!source || source === 'new') return;
      if (!source.file) {
        void vs.window.showErrorMessage(
          `${source.label} does not load: ${source.firstError ?? 'fix its problems first'}.`,
        );
        return;
      }
      if (Object.keys(source.file.environments ?? {}).length <= 1) {
        void vs.window.showInformationMessage(
          `${source.label} has ${Object.keys(source.file.environments ?? {}).length === 0 ? 'no environments' : 'only one environment'}.`,
        );
        return;
      }
      const env = await pickEnvironment(s, source, source.file);
      if (env) void vs.window.showInformationMessage(`${source.label}: runs use the environment ${env}.`);
    },
    'oidcFlow.runDemo': (arg?: unknown) => runDemo(s, arg),
    'oidcFlow.refresh': async () => {
      await s.index.refresh();
      s.refreshTrees();
    },
  } satisfies Partial<Record<CommandId, Handler>>;
}
