/**
 * One event type for every model with change events (the core's token store;
 * the extension's run history, token vault, run store and gateway sources),
 * shaped like vscode.Event so a model's event can be handed to VS Code or
 * pushed into context.subscriptions as is. No vscode import: the models and
 * their tests run in plain Node.
 */

export interface Disposable {
  dispose(): void;
}

/** Subscribes `listener`; the returned disposable unsubscribes it. Assignable to vscode.Event<T>. */
export type Event<T> = (listener: (value: T) => unknown, thisArgs?: unknown, disposables?: Disposable[]) => Disposable;

/** Fires an event to its listeners, in subscription order; a listener's error reaches the caller of fire(). */
export class Emitter<T = void> implements Disposable {
  // A listener subscribed twice is called twice and unsubscribed per subscription, as in vscode.EventEmitter.
  private listeners: Array<{ call: (value: T) => unknown }> = [];
  private disposed = false;

  readonly event: Event<T> = (listener, thisArgs, disposables) => {
    if (this.disposed) return { dispose: () => undefined };
    const entry = { call: (value: T) => listener.call(thisArgs, value) };
    this.listeners.push(entry);
    const subscription = { dispose: () => void (this.listeners = this.listeners.filter((e) => e !== entry)) };
    disposables?.push(subscription);
    return subscription;
  };

  fire(value: T): void {
    // A copy: a listener that unsubscribes (or subscribes another) does not disturb this round.
    for (const entry of [...this.listeners]) entry.call(value);
  }

  /** Drops every listener; later subscriptions are ignored. */
  dispose(): void {
    this.disposed = true;
    this.listeners = [];
  }
}
