import type { RunStartEvent } from '../../core/flow/select';
import type { Styler } from '../io';

/**
 * The run's first line: the flow, its environment, how many steps. A module of its own, apart from
 * the pretty reporter, so `oidc-flow run` can print it before the runner and the reporter load
 * (issue #14, CLI start); the reporter prints it the same way for every other caller.
 */
export function runStartLine(event: RunStartEvent, s: Styler): string {
  return `${s.bold('▶')} flow ${s.bold(event.flow)}${event.env ? ` (environment ${event.env})` : ''}, ${event.steps.length} step${event.steps.length === 1 ? '' : 's'}\n`;
}
