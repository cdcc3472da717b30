/** A tiny typed event emitter that works the same in browsers and Node. */
export class Emitter<E extends object> {
  private readonly handlers = new Map<keyof E, Set<(payload: never) => void>>();

  /** Subscribes; returns the function that unsubscribes. */
  on<K extends keyof E>(event: K, handler: (payload: E[K]) => void): () => void {
    let set = this.handlers.get(event);
    if (!set) this.handlers.set(event, (set = new Set()));
    set.add(handler as (payload: never) => void);
    return () => {
      set.delete(handler as (payload: never) => void);
    };
  }

  emit<K extends keyof E>(event: K, payload: E[K]): void {
    const set = this.handlers.get(event);
    if (!set) return;
    for (const h of [...set]) {
      try {
        (h as (payload: E[K]) => void)(payload);
      } catch (err) {
        // A throwing handler is a bug in the application: it must not stop the
        // client's loop, and it must not vanish either, so it is rethrown on its own.
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  }
}
