/** What the `error` event carries: a handler of `event` threw, or returned a promise that rejected. */
export interface HandlerError {
  event: string;
  error: unknown;
}

/**
 * A handler may be async: a promise it returns that rejects is reported like a throw.
 * (`unknown`, not `void | Promise<void>`: handlers such as `(e) => list.push(e)` stay valid.)
 */
export type Handler<P> = (payload: P) => unknown;

/**
 * A tiny typed event emitter that works the same in browsers and Node. A failing
 * handler (a throw, or a rejected promise from an async one) is a bug in the
 * application: it must not stop the client's loop, and it must not vanish either.
 * It is emitted as `error`; with no `error` listener it is rethrown on its own,
 * as Node's EventEmitter does with an unheard `error`.
 */
export class Emitter<E extends { error: HandlerError }> {
  private readonly handlers = new Map<keyof E, Set<Handler<never>>>();

  /** Subscribes; returns the function that unsubscribes. */
  on<K extends keyof E>(event: K, handler: Handler<E[K]>): () => void {
    let set = this.handlers.get(event);
    if (!set) this.handlers.set(event, (set = new Set()));
    set.add(handler as Handler<never>);
    return () => {
      set.delete(handler as Handler<never>);
    };
  }

  emit<K extends keyof E>(event: K, payload: E[K]): void {
    const set = this.handlers.get(event);
    if (!set) return;
    for (const h of [...set]) {
      try {
        const result: unknown = (h as Handler<E[K]>)(payload);
        // An async handler's rejection would otherwise be an unhandled rejection (which ends a Node process).
        if (isThenable(result)) result.then(undefined, (err: unknown) => this.handlerFailed(event, err));
      } catch (err) {
        this.handlerFailed(event, err);
      }
    }
  }

  private handlerFailed(event: keyof E, error: unknown): void {
    // A failing `error` handler is not reported to itself: that could loop.
    if (event !== 'error' && (this.handlers.get('error')?.size ?? 0) > 0) {
      this.emit('error', { event: String(event), error } as E['error']);
      return;
    }
    queueMicrotask(() => {
      throw error;
    });
  }
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}
