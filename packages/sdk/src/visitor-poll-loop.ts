/**
 * The visitor's long poll: `System/Messages?ack=<last sequence>`, 204 → poll
 * again, network failure or a standby's 503 NODE_STANDBY → backoff with jitter,
 * another 503 → recovery, 403 → ended.
 * One loop per client; reconnectNow() replaces the poll in flight (ADR 0038).
 *
 * A poll that follows a failure is held like any other (up to the server's hold, 25 s), so
 * its answer cannot say soon that the server is back. A HEAD on the same noun, sent with it,
 * can: the server answers it at once (204 for a live session, ADR 0019) and it delivers nothing.
 */
import { isNodeStandby, retryAfterMs } from './errors.js';
import type { LaAnswer } from './live-agent-http.js';
import type { VisitorInbox } from './visitor-inbox.js';
import type { VisitorRecovery } from './visitor-recovery.js';
import type { VisitorSession } from './visitor-session.js';

export class VisitorPollLoop {
  private loops = 0;
  /**
   * Aborts the poll in flight, for replace() to send it again; null between polls and
   * while a poll carries no ack (see VisitorClient.reconnectNow()).
   */
  private replacePoll: AbortController | null = null;

  constructor(
    private readonly s: VisitorSession,
    private readonly recovery: VisitorRecovery,
    private readonly inbox: VisitorInbox,
  ) {}

  get running(): boolean {
    return this.loops > 0;
  }

  /** Runs the loop in the background until the client stops. */
  start(): void {
    this.run().catch((err: unknown) => this.s.crash(err));
  }

  /** Aborts the poll in flight, if it may be: the loop sends it again at once. */
  replace(): void {
    this.replacePoll?.abort();
  }

  private async run(): Promise<void> {
    const s = this.s;
    this.loops += 1;
    try {
      let attempt = 0;
      while (!s.stopped) {
        if (this.recovery.running) {
          await this.recovery.running;
          continue;
        }
        const affinityUsed = s.affinity;
        const gen = this.recovery.generation;
        const ack = s.ackReset ? -1 : s.lastSequence;
        // Only a poll whose answer the server can send again (the same ack rewinds its
        // cursor, docs/visitor-api.md) may be replaced: with -1 a taken answer would be lost.
        const replace = new AbortController();
        this.replacePoll = ack >= 0 ? replace : null;
        // While reconnecting, also after reconnectNow() (which starts the count again).
        if (s.reconnecting) void this.probe();
        let res: LaAnswer;
        try {
          res = await s.exchange({ method: 'GET', path: 'System/Messages', query: { ack } }, s.pollTimeoutMs, { replace: replace.signal });
        } catch {
          if (s.stopped) return;
          // Replaced by reconnectNow(): polls again at once, and it is no failure.
          if (replace.signal.aborted) {
            attempt = 0;
            continue;
          }
          attempt = await s.failed(attempt + 1);
          continue;
        } finally {
          this.replacePoll = null;
        }
        if (s.stopped) return;
        if (res.status === 200 || res.status === 204) {
          attempt = 0;
          s.noteSuccess();
          // Only a poll that itself sent -1 ends the reset: one held since before the reset says nothing.
          if (ack === -1) s.ackReset = false;
          if (res.status === 200) await this.inbox.take(res.text);
          if (this.recovery.completesFor(gen)) await this.recovery.completeResync();
        } else if (res.status === 409) {
          // Our poll was replaced by a newer one on this session: if that one is ours, this loop is redundant.
          if (this.loops > 1) return;
          await s.pause();
        } else if (res.status === 403) {
          // After our own ChatEnd the server closes the session at once; that 403 is the end we asked for.
          return s.finish('ended', s.ending ? 'client' : 'session');
        } else if (isNodeStandby(res.status, res.text)) {
          // A standby (ADR 0048), not a lost affinity: the same poll (same ack) again once it serves.
          attempt = await s.failed(attempt + 1, retryAfterMs(res.retryAfter));
        } else if (res.status === 503) {
          if (s.affinity === affinityUsed) await this.recovery.recover();
        } else if (res.status === 429) {
          // A rate limit (a proxy's, or the emulator's fault): its Retry-After is kept even if the outbox gets through.
          attempt = await s.failed(attempt + 1, retryAfterMs(res.retryAfter), { wakeable: false });
        } else {
          attempt = await s.failed(attempt + 1, retryAfterMs(res.retryAfter));
        }
      }
    } finally {
      this.loops -= 1;
    }
  }

  /**
   * Whether the server is reachable again, asked while the poll after a failure is held: a
   * 204 is `connection: online` at once, instead of when that poll ends. Anything else says
   * nothing the poll will not find out itself.
   */
  private async probe(): Promise<void> {
    try {
      const res = await this.s.exchange({ method: 'HEAD', path: 'System/Messages' }, PROBE_TIMEOUT_MS);
      if (res.status === 204 && !this.s.stopped) this.s.noteSuccess();
    } catch {
      // The poll meets the same failure and retries.
    }
  }
}

/** How long the reachability probe may take: the server answers it without holding it. */
const PROBE_TIMEOUT_MS = 10_000;
