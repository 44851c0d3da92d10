import { SecretRegistry } from '../../core/http/secret-registry';
import type { HttpExchange } from '../../core/http/types';
import type { RunEvent, RunResult, StepRun } from '../../core/flow/runner';
import type { Styler } from '../io';
import { runStartLine } from './run-start-line';

const LANE: Record<string, string> = { idp: 'IdP', gateway: 'gateway', upstream: 'upstream', other: 'http' };

function ms(value: number | undefined): string {
  if (value === undefined) return '';
  return value < 1000 ? `${Math.round(value)} ms` : `${(value / 1000).toFixed(1)} s`;
}

function exchangeLine(exchange: HttpExchange, s: Styler, secrets: SecretRegistry): string {
  const status = exchange.response ? String(exchange.response.status) : s.red(exchange.error?.code ?? 'failed');
  const colored = exchange.response && exchange.response.status >= 400 ? s.red(status) : s.green(status);
  const url = secrets.url(exchange.request.url);
  const label = exchange.label ? s.dim(` (${exchange.label})`) : '';
  const warn = exchange.warnings.length ? ` ${s.yellow(`! ${exchange.warnings.join('; ')}`)}` : '';
  return `      ${s.dim(`${(LANE[exchange.lane] ?? exchange.lane).padEnd(8)}→`)} ${exchange.request.method} ${url} ${colored} ${s.dim(ms(exchange.timings.total))}${label}${warn}`;
}

function stepLine(step: StepRun, s: Styler, previousVerdict?: string): string[] {
  const mark = step.status === 'passed' ? s.green('✔') : step.status === 'skipped' ? s.dim('-') : s.red('✖');
  const depth = step.path.split('/').length - 1;
  const indent = '  '.repeat(depth + 1);
  const title = step.name
    ? `${s.bold(step.path.split('/').at(-1)!)}  ${step.name}`
    : `${s.bold(step.path.split('/').at(-1)!)}  ${s.dim(step.type)}`;
  const lines = [`${indent}${mark} ${title}  ${s.dim(ms(step.durationMs))}`];
  for (const note of step.notes) lines.push(`${indent}    ${s.dim(note)}`);
  for (const assertion of step.assertions) {
    if (!assertion.passed) lines.push(`${indent}    ${s.red('assertion failed:')} ${assertion.message}`);
  }
  if (step.error) {
    lines.push(`${indent}    ${s.red('error:')} ${step.error.message} ${s.dim(`[${step.error.code}]`)}`);
    if (step.error.hint) lines.push(`${indent}    ${s.dim('what to do:')} ${step.error.hint}`);
  }
  if (step.verdict && step.verdict.code !== 'ok') {
    if (step.verdict.summary === previousVerdict) {
      lines.push(`${indent}    ${s.yellow('why:')} ${s.dim('same as above')}`);
    } else {
      lines.push(`${indent}    ${s.yellow('why:')} ${step.verdict.summary}`);
      if (step.verdict.fix) lines.push(`${indent}    ${s.dim('fix:')} ${step.verdict.fix}`);
    }
    // The gateway's own words about this very call, from its error log (a route's log:).
    for (const e of step.verdict.evidence.filter((e) => e.source === 'gateway-log'))
      lines.push(`${indent}    ${s.cyan('gateway log:')} ${e.text}`);
  }
  return lines;
}

/**
 * Prints the run as it happens: each step, its HTTP calls by lane, and verdicts. Every line is
 * masked with `secrets`, the run's registry, which has learned each exchange before its event.
 */
export function prettyReporter(rawWrite: (text: string) => void, s: Styler, secrets = new SecretRegistry()) {
  const write = (text: string): void => rawWrite(secrets.text(text));
  const pendingExchanges = new Map<string, HttpExchange[]>();
  let lastVerdict: string | undefined;
  const lines = (step: StepRun) => {
    const out = stepLine(step, s, lastVerdict);
    if (step.verdict && step.verdict.code !== 'ok') lastVerdict = step.verdict.summary;
    return out;
  };
  return {
    onEvent(event: RunEvent): void {
      switch (event.type) {
        case 'run-start':
          write(runStartLine(event, s));
          break;
        case 'exchange': {
          const list = pendingExchanges.get(event.path) ?? [];
          list.push(event.exchange);
          pendingExchanges.set(event.path, list);
          break;
        }
        case 'step-end': {
          if (event.step.type === 'repeat') {
            write(`${lines(event.step).join('\n')}\n`);
            break;
          }
          // One write per step, each piece masked as before: a long repeat prints thousands of steps,
          // and each write is a system call (and a read on the other end of a pipe).
          const stepLines = lines(event.step);
          let text = secrets.text(`${stepLines[0]}\n`);
          for (const exchange of (pendingExchanges.get(event.step.path) ?? []).sort(
            (a, b) => a.startedAt - b.startedAt,
          ))
            text += secrets.text(`${exchangeLine(exchange, s, secrets)}\n`);
          pendingExchanges.delete(event.step.path);
          if (stepLines.length > 1) text += secrets.text(`${stepLines.slice(1).join('\n')}\n`);
          rawWrite(text);
          break;
        }
        case 'run-end':
          write(summary(event.result, s));
          break;
        default:
          break;
      }
    },
  };
}

export function summary(result: RunResult, s: Styler): string {
  const count = (status: string) => result.steps.filter((step) => step.status === status).length;
  const verdict = result.status === 'passed' ? s.green('passed') : s.red(result.status);
  return `\n${verdict}: ${count('passed')} passed, ${count('failed')} failed, ${count('error')} errors, ${count('skipped')} skipped in ${ms(result.durationMs)}\n`;
}
