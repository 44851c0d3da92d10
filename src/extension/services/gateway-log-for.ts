/**
 * Which gateway log the `oidcFlow.gatewayLogs` setting names for a route of
 * a flow file (the flow file's own `log:` wins; the runner asks only when it
 * has none). No vscode import: tested in plain Node.
 */
import { isAbsolute, join } from 'node:path';
import type { GatewayLogSource } from '../../core/diagnosis/gateway-log';
import type { RouteConfig } from '../../core/flow/file-format';
import type { GatewayLogSetting } from './settings';

const SETTING = 'oidcFlow.gatewayLogs';

/**
 * The runner's `gatewayLogFor`: an entry naming the route first, then one
 * naming its gateway (kind, or the start of its base URL), then one naming
 * neither (every route). A relative file is read from `workspaceRoot`.
 */
export function gatewayLogFor(
  entries: readonly GatewayLogSetting[],
  workspaceRoot: string | undefined,
): (route: string, config: RouteConfig) => (GatewayLogSource & { where: string }) | undefined {
  return (route, config) => {
    const forGateway = (entry: GatewayLogSetting) =>
      entry.gateway !== undefined &&
      (entry.gateway === config.gateway?.kind || config.baseUrl.startsWith(entry.gateway));
    const index = [
      entries.findIndex((entry) => entry.route === route),
      entries.findIndex((entry) => entry.route === undefined && forGateway(entry)),
      entries.findIndex((entry) => entry.route === undefined && entry.gateway === undefined),
    ].find((i) => i >= 0);
    if (index === undefined) return undefined;
    const entry = entries[index]!;
    const file = isAbsolute(entry.file) || !workspaceRoot ? entry.file : join(workspaceRoot, entry.file);
    return {
      file,
      ...(entry.utcOffsetMinutes === undefined ? {} : { utcOffsetMinutes: entry.utcOffsetMinutes }),
      where: `${SETTING}[${index}]`,
    };
  };
}
