import { captureCommands } from './capture-commands';
import type { CommandId } from './command-ids';
import { flowCommands } from './flow-commands';
import { gatewayCommands } from './gateway-commands';
import { idpCommands } from './idp-commands';
import { resultCommands } from './result-commands';
import type { Handler, Services } from './command-services';
import { tokenCommands } from './token-commands';
import { workspaceCommands } from './workspace-commands';

/** Every command's handler; the type makes a missing handler a compile error. */
export function commandHandlers(services: Services): Record<CommandId, Handler> {
  return {
    ...flowCommands(services),
    ...tokenCommands(services),
    ...idpCommands(services),
    ...resultCommands(services),
    ...workspaceCommands(services),
    ...gatewayCommands(services),
    ...captureCommands(services),
  };
}
