/**
 * The agent's actions on one chat, run one after the other in call order: a
 * send that is retried after a network failure must not be overtaken by the
 * next send (or by end()), or the visitor would see the messages out of order.
 */
import { closedError } from './agent-rest-call.js';

export class ChatActionQueue {
  /** Per chat: the tail of its queue of actions. */
  private readonly chains = new Map<string, Promise<void>>();

  /** `closer()` gives the client's current closer (replaced by each logout() and close()). */
  constructor(private readonly closer: () => AbortSignal) {}

  /** Runs `run` once every action queued before it for `chatId` settled, with the closer of now. */
  inOrder<T>(chatId: string, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const previous = this.chains.get(chatId) ?? Promise.resolve();
    // The closer of now: an action queued before a logout()/close() is cancelled by it even if its turn comes after.
    const signal = this.closer();
    const go = (): Promise<T> => (signal.aborted ? Promise.reject(closedError(chatId)) : run(signal));
    const next = previous.then(go, go);
    const tail = next.then(() => undefined, () => undefined);
    this.chains.set(chatId, tail);
    void tail.then(() => {
      if (this.chains.get(chatId) === tail) this.chains.delete(chatId);
    });
    return next;
  }
}
