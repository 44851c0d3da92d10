/**
 * Which environment variables a flow file may read through `${env:NAME}` in
 * the extension. The extension host's environment holds the person's own
 * credentials (cloud keys, tokens), and a cloned flow file can send what it
 * reads anywhere; so a flow reads only names the person approved, once per
 * workspace, or pre-approved in their user settings. The sandbox's SANDBOX_*
 * values come from the product, never from the environment. No vscode import.
 */
import type { KeyValueStore } from '../history/run-history';

const APPROVED = 'oidcFlow.approvedEnvironmentVariables.v1';

export interface EnvApprovalDeps {
  /** The workspace's state: approvals are remembered per workspace. */
  state: KeyValueStore;
  /** `oidcFlow.allowedEnvironmentVariables` (user settings only). */
  allowed: readonly string[];
  /** The extension host's environment. */
  env: Readonly<Record<string, string | undefined>>;
  /** Asks once for the names not approved yet; true approves them for this workspace. */
  ask(names: readonly string[]): Promise<boolean>;
}

/** The names approved in this workspace so far. */
export function approvedNames(state: KeyValueStore): string[] {
  const saved = state.get<unknown>(APPROVED);
  return Array.isArray(saved) ? saved.filter((n): n is string => typeof n === 'string') : [];
}

/**
 * The values of `names` a run may read: set in the environment, and approved
 * by the setting, earlier in this workspace, or now. Names that are not set
 * are not asked about (the run reports them unset). Throws OidcError
 * `extension.env_not_approved` when the person declines.
 */
export async function approvedEnvironment(
  names: readonly string[],
  title: string,
  deps: EnvApprovalDeps,
): Promise<Record<string, string>> {
  const wanted = [...new Set(names)].filter((name) => !name.startsWith('SANDBOX_') && deps.env[name] !== undefined);
  const known = new Set([...deps.allowed, ...approvedNames(deps.state)]);
  const pending = wanted.filter((name) => !known.has(name)).sort();
  if (pending.length > 0) {
    if (!(await deps.ask(pending))) {
      const { OidcError } = await import('../../core/errors');
      throw new OidcError(
        'extension.env_not_approved',
        `${title} was not run: it reads the environment variable${pending.length === 1 ? '' : 's'} ${pending.join(', ')}, which you did not allow flows of this workspace to read.`,
        {
          where: `\${env:${pending[0]}}`,
          hint: 'Run it again and allow them, or add the names to oidcFlow.allowedEnvironmentVariables in your user settings.',
        },
      );
    }
    await deps.state.update(APPROVED, [...new Set([...approvedNames(deps.state), ...pending])].sort());
  }
  const out: Record<string, string> = {};
  for (const name of wanted) out[name] = deps.env[name]!;
  return out;
}

/**
 * The variables views may show in place of `${env:NAME}` (a tree's issuer,
 * a route's URL): the approved ones only, so a flow file cannot put the
 * person's credentials on screen or in a tree snapshot by naming them.
 */
export function visibleEnvironment(
  state: KeyValueStore,
  allowed: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of new Set([...allowed, ...approvedNames(state)])) {
    const value = env[name];
    if (value !== undefined && !name.startsWith('SANDBOX_')) out[name] = value;
  }
  return out;
}
