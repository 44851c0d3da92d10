import type { HttpResponse } from '../http/types';
import type { GatewayConfig } from './file-format';
import type { RunScope } from './run-scope';

/*
 * When a call needs the diagnosis engine or Kong's lint rules. Apart from call-diagnosis.ts so a
 * call that passed asks these without loading either (issue #14: CLI start and the runner's cost
 * per step); call-diagnosis.ts starts from the same questions.
 */

/** A refused call, or a token the IdP already called inactive: something to explain. */
export function callNeedsDiagnosis(response: HttpResponse, token: string | undefined, scope: RunScope): boolean {
  if (response.status === 401 || response.status === 403) return true;
  const known = token ? scope.lastIntrospection.get(token) : undefined;
  return known !== undefined && !known.active;
}

/** A Kong route described with its plugin configuration: its findings are worth reading. */
export function routeHasFindings(gateway: Pick<GatewayConfig, 'kind' | 'config'> | undefined): boolean {
  return gateway?.kind === 'kong' && gateway.config !== undefined;
}
