import { SecretRegistry } from '../http/secret-registry';
import type { RunResult, StepRun } from './runner';

/**
 * A registry that knows what a finished run sent and received (its
 * exchanges, its tokens), for a report made from the result alone, e.g. a
 * stored run. A live run's `runner.secrets` knows more: the secrets it read.
 */
export function runSecrets(result: Pick<RunResult, 'steps'>, into = new SecretRegistry()): SecretRegistry {
  const visit = (runs: readonly StepRun[]): void => {
    for (const run of runs) {
      for (const exchange of run.exchanges) into.addExchange(exchange);
      const token = run.result.token;
      into.add(token?.access_token, token?.refresh_token, token?.id_token);
      if (run.children) visit(run.children);
    }
  };
  visit(result.steps);
  return into;
}
