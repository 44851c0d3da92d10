/**
 * Runs of this window session (with their raw exchanges, for reveal, curl
 * and HAR) and the redacted history. No vscode import.
 */
import type { RunHistory } from '../history/run-history';
import type { RunView } from '../../shared/view-model';
import type { RunRecorder } from './run-recorder';
import { Emitter } from '../../core/emitter';
import type { Event } from '../../core/emitter';

const LIVE_RUNS = 10;

export class RunStore {
  private readonly live = new Map<string, RunRecorder>();
  private lastId?: string;
  private readonly changes = new Emitter<string>();
  /** Fires the id of a run that has new data. */
  readonly onDidChange: Event<string> = this.changes.event;

  constructor(readonly history: RunHistory) {}

  /** Registers a run that is starting. */
  begin(recorder: RunRecorder): void {
    this.live.set(recorder.id, recorder);
    while (this.live.size > LIVE_RUNS) this.live.delete(this.live.keys().next().value!);
    this.lastId = recorder.id;
  }

  /** Tells listeners (the results panel) that a run has new data. */
  changed(runId: string): void {
    this.changes.fire(runId);
  }

  recorder(runId: string): RunRecorder | undefined {
    return this.live.get(runId);
  }

  /** The run's view: live when this session has it, else from history. */
  view(runId: string): RunView | undefined {
    const recorder = this.live.get(runId);
    return recorder ? recorder.view(true) : this.history.get(runId);
  }

  /** The id of the newest run of this session, else of the history. */
  lastRunId(): string | undefined {
    return this.lastId ?? this.history.list()[0]?.id;
  }
}
