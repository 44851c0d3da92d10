/**
 * A notification that offers follow-up actions without holding the command
 * until it is dismissed: the command resolves at once (so executeCommand,
 * keybindings and tests see it finish), and a click runs the action later.
 */
export function offer(notification: PromiseLike<string | undefined>, actions: Record<string, () => unknown>): void {
  void Promise.resolve(notification)
    .then(async (choice) => {
      const action = choice === undefined ? undefined : actions[choice];
      if (action) await action();
    })
    .catch(() => undefined);
}
