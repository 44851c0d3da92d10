import { OidcError } from '../errors';
import { didYouMean } from './did-you-mean';
import { oktaServerId } from '../oauth/okta';
import type { FlowDef, FlowFile, IdpConfig, ValueMap } from './file-format';

/**
 * Picks the environment for a run: the one asked for, else the flow's `env`,
 * else `defaultEnvironment`, else one named `default`, else the first.
 */
export function selectEnvironment(
  file: FlowFile,
  requested?: string,
  flowName?: string,
): { name: string; values: ValueMap } | undefined {
  const envs = file.environments ?? {};
  const flowEnv = flowName !== undefined ? file.flows?.[flowName]?.env : undefined;
  const name =
    requested ??
    flowEnv ??
    file.defaultEnvironment ??
    (Object.hasOwn(envs, 'default') ? 'default' : Object.keys(envs)[0]);
  if (name === undefined) return undefined;
  if (!Object.hasOwn(envs, name)) {
    const known = Object.keys(envs);
    throw new OidcError('flowfile.reference', `There is no environment '${name}'${didYouMean(name, known) || '.'}`, {
      hint: known.length > 0 ? `Environments in this file: ${known.join(', ')}.` : 'Add one under environments.',
    });
  }
  return { name, values: envs[name]! };
}

/** The flow called `name`; throws flowfile.reference with the names that exist. */
export function getFlow(file: FlowFile, name: string): FlowDef {
  const flows = file.flows ?? {};
  if (Object.hasOwn(flows, name)) return flows[name]!;
  const known = Object.keys(flows);
  throw new OidcError('flowfile.reference', `There is no flow '${name}'${didYouMean(name, known) || '.'}`, {
    hint: known.length > 0 ? `Flows in this file: ${known.join(', ')}.` : 'Add one under flows.',
  });
}

/** A run's first event: the flow, the environment it runs in, its steps. */
export interface RunStartEvent {
  type: 'run-start';
  flow: string;
  env?: string;
  steps: Array<{ id: string; type: string; name?: string }>;
  at: number;
}

/**
 * The run-start event of `flow` in `env`: made by the runner, and by `oidc-flow run` to print its first
 * line before it loads the runner (issue #14, CLI start), so both say the same thing.
 */
export function runStartEvent(
  flowName: string,
  flow: FlowDef,
  env: { name: string } | undefined,
  at: number,
): RunStartEvent {
  return {
    type: 'run-start',
    flow: flowName,
    env: env?.name,
    steps: flow.steps.map((s) => ({ id: s.id, type: s.type, name: s.name })),
    at,
  };
}

/** The issuer an IdP entry stands for (templates and references still unrendered), if it names one. */
export function idpIssuer(idp: IdpConfig): string | undefined {
  if (idp.issuer !== undefined) return idp.issuer.replace(/\/+$/, '');
  if (!idp.okta) return undefined;
  // Not oktaIssuer: the domain may still be a template, which is no host name yet.
  const server = oktaServerId(idp.okta);
  return server === undefined ? `https://${idp.okta.domain}` : `https://${idp.okta.domain}/oauth2/${server}`;
}
