/** A RunScope for testing the runner's pieces (token, HTTP, diagnosis) without a FlowRunner. */
import { ManualClock } from '../../src/core/clock';
import type { RunScope } from '../../src/core/flow/run-scope';
import type { RunnerDeps, StepRun } from '../../src/core/flow/runner';
import { TokenStore } from '../../src/core/oauth';
import type { ConnectedIdp } from '../../src/core/oauth';

export interface FakeRunScopeOptions {
  /** The IdPs `idp(name)` hands out, already connected. */
  idps?: Record<string, ConnectedIdp>;
  deps?: Partial<RunnerDeps>;
  clock?: ManualClock;
}

export function fakeRunScope(options: FakeRunScopeOptions = {}): RunScope & { clock: ManualClock } {
  const clock = options.clock ?? new ManualClock(Date.UTC(2026, 10, 28, 12));
  const idps = options.idps ?? {};
  const noHttp = { send: () => Promise.reject(new Error('fakeRunScope: the steps get their client passed in')) };
  return {
    deps: { http: noHttp, secrets: { env: {} }, ...options.deps },
    clock,
    tokenStore: new TokenStore({ clock }),
    idp: async (name) => {
      const idp = idps[name];
      if (!idp) throw new Error(`fakeRunScope: no IdP ${name}`);
      return idp;
    },
    knownIdp: (name) => idps[name],
    tokenOrigin: new Map(),
    lastIntrospection: new Map(),
  };
}

/** A fresh step run for a piece to fill in. */
export function emptyStepRun(id = 'step', type: StepRun['type'] = 'call'): StepRun {
  return {
    id,
    path: id,
    type,
    status: 'passed',
    startedAt: 0,
    durationMs: 0,
    assertions: [],
    exchanges: [],
    notes: [],
    result: { status: 'passed' },
  };
}
