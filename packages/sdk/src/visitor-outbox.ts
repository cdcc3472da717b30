/**
 * The visitor's outgoing requests: every POST in call order, one at a time,
 * each with its X-LIVEAGENT-SEQUENCE fixed when queued, so a retry after a
 * network failure or a 503 reuses it and the server drops the duplicate.
 * reconnectNow() replaces the request in flight the same way (ADR 0038).
 */
import { SwitchboardClosedError, SwitchboardHttpError, isNodeStandby, retryAfterMs } from './errors.js';
import type { LaAnswer } from './live-agent-http.js';
import type { VisitorSnapshot } from './types.js';
import type { VisitorRecovery } from './visitor-recovery.js';
import type { VisitorSession } from './visitor-session.js';

interface Outgoing {
  noun: string;
  body: () => unknown;
  sequence: number | null;
  inFlight: boolean;
  promise: Promise<void>;
  resolve: () => void;
  reject: (err: Error) => void;
}

/** A request for the outbox, with the promise its caller awaits. */
function outgoing(noun: string, body: () => unknown, sequence: number | null): Outgoing {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { noun, body, sequence, inFlight: false, promise, resolve, reject };
}

export class VisitorOutbox {
  private readonly queue: Outgoing[] = [];
  private pumping = false;
  /** Aborts the request in flight, for replace() to send it again; null between requests. */
  private replaceSend: AbortController | null = null;

  constructor(
    private readonly s: VisitorSession,
    private readonly recovery: VisitorRecovery,
  ) {
    s.onStop((reason) => this.close(reason));
  }

  /** Queues a request under the next sequence number; resolves once the server has it. */
  enqueue(noun: string, body: () => unknown): Promise<void> {
    const s = this.s;
    if (s.stopped) return Promise.reject(new SwitchboardClosedError(`${noun}: the chat is over`));
    if (s.state === 'idle' && noun !== 'Chasitor/ChasitorInit') return Promise.reject(new Error(`${noun}: call start() first`));
    const item = outgoing(noun, body, s.nextSequence++);
    this.queue.push(item);
    void this.pump();
    return item.promise;
  }

  /** A sneak peek: one still waiting to go out takes the new text instead of queueing another. */
  sneakPeek(text: string): Promise<void> {
    const last = this.queue[this.queue.length - 1];
    const body = { position: text.length, text };
    if (last && last.noun === 'Chasitor/ChasitorSneakPeek' && !last.inFlight) {
      last.body = () => body;
      return last.promise;
    }
    return this.enqueue('Chasitor/ChasitorSneakPeek', () => body);
  }

  /** The requests not answered yet, with their sequence numbers (snapshot()). */
  pending(): VisitorSnapshot['pending'] {
    return this.queue.map((o) => ({ noun: o.noun, body: o.body(), sequence: o.sequence }));
  }

  /** resume(): the previous page's unanswered requests, sent again under their own numbers. */
  restore(pending: VisitorSnapshot['pending']): void {
    for (const p of pending) {
      const item = outgoing(p.noun, () => p.body, p.sequence);
      item.promise.catch(() => undefined); // nobody awaits a request of the previous page
      this.queue.push(item);
    }
    void this.pump();
  }

  /**
   * Aborts the request in flight, if any: the pump sends it again at once under the same
   * X-LIVEAGENT-SEQUENCE, so whether or not the server got the first one, it applies it once.
   */
  replace(): void {
    this.replaceSend?.abort();
  }

  private async pump(): Promise<void> {
    const s = this.s;
    if (this.pumping) return;
    this.pumping = true;
    try {
      await s.ready;
      let attempt = 0;
      while (this.queue.length > 0 && !s.stopped) {
        if (this.recovery.running) {
          await this.recovery.running;
          continue;
        }
        if (this.recovery.held) {
          await this.recovery.held;
          continue;
        }
        const item = this.queue[0] as Outgoing;
        item.inFlight = true;
        const affinityUsed = s.affinity;
        // Only a request the server can tell again (its sequence number) may be sent twice.
        const replace = new AbortController();
        this.replaceSend = item.sequence === null ? null : replace;
        let res: LaAnswer;
        try {
          res = await s.exchange({ method: 'POST', path: item.noun, body: item.body() }, 30_000, { sequence: item.sequence, replace: replace.signal });
        } catch {
          if (s.stopped) break;
          // Replaced by reconnectNow(): sent again at once, and it is no failure.
          if (replace.signal.aborted) {
            attempt = 0;
            continue;
          }
          attempt = await s.failed(attempt + 1);
          continue;
        } finally {
          this.replaceSend = null;
        }
        // A standby (ADR 0048) applied nothing: the same request (same sequence) again once it serves, no recovery.
        if (isNodeStandby(res.status, res.text)) {
          attempt = await s.failed(attempt + 1, retryAfterMs(res.retryAfter));
          continue;
        }
        if (res.status === 503) {
          if (s.affinity === affinityUsed) await this.recovery.recover();
          continue;
        }
        if (res.status >= 500 || res.status === 429) {
          // Retry-After is waited out; a rate limit's (429) even when the poll gets through meanwhile.
          attempt = await s.failed(attempt + 1, retryAfterMs(res.retryAfter), { wakeable: res.status !== 429 });
          continue;
        }
        attempt = 0;
        this.queue.shift();
        if (res.status < 300 || (res.status === 403 && item.noun === 'Chasitor/ChatEnd')) {
          s.noteSuccess();
          item.resolve();
          continue;
        }
        item.reject(new SwitchboardHttpError(res.status, res.text, `POST ${item.noun}`));
        if (res.status === 403) s.finish('ended', s.ending ? 'client' : 'session');
      }
    } finally {
      this.pumping = false;
    }
  }

  /** The client stopped: nothing is sent any more, and the callers are told (reason null: detached). */
  private close(reason: string | null): void {
    for (const item of this.queue.splice(0)) {
      if (reason === null) item.reject(new SwitchboardClosedError(`${item.noun}: the client was detached`));
      // A ChatEnd still queued when the chat ends has nothing left to do.
      else if (item.noun === 'Chasitor/ChatEnd') item.resolve();
      else item.reject(new SwitchboardClosedError(`${item.noun}: the chat is over (${reason})`));
    }
  }
}
