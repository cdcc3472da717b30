/**
 * After `503 Invalid Affinity Token` (the session lives on another node): one
 * recovery at a time for both lanes, `System/ReconnectSession` with the last
 * offset (later API versions), or for v34 `System/ResyncSession` and then
 * `Chasitor/ChasitorResyncState`, with the outbox held in between as v34
 * clients do.
 */
import { isRecord, parseJson, type LaAnswer } from './live-agent-http.js';
import type { VisitorSession } from './visitor-session.js';

/** More recoveries in a row than this, with no success in between: the chat fails. */
const MAX_RECOVERIES = 3;

export class VisitorRecovery {
  private recovering: Promise<void> | null = null;
  /** Set between ResyncSession and ChasitorResyncState: the outbox waits, as v34 clients do. */
  private hold: { gen: number; promise: Promise<void>; release: () => void } | null = null;
  /** Counts resyncs: a poll sent before the latest one does not complete it. */
  private gen = 0;

  /** `pollRunning`: whether a poll loop runs, to complete a resync (else it is completed at once). */
  constructor(
    private readonly s: VisitorSession,
    private readonly pollRunning: () => boolean,
  ) {
    s.onStop(() => this.hold?.release());
  }

  /** The recovery under way, which both lanes wait for; null when none is. */
  get running(): Promise<void> | null {
    return this.recovering;
  }

  /** Released by ChasitorResyncState after a resync; null when the outbox need not wait. */
  get held(): Promise<void> | null {
    return this.hold?.promise ?? null;
  }

  /** Which resync is the latest (see completesFor()). */
  get generation(): number {
    return this.gen;
  }

  /** A resync waits to be completed, and a poll sent at `gen` may complete it. */
  completesFor(gen: number): boolean {
    return this.hold !== null && this.hold.gen === gen;
  }

  /** Starts a recovery, or joins the one under way. */
  recover(): Promise<void> {
    this.recovering ??= this.run().finally(() => {
      this.recovering = null;
    });
    return this.recovering;
  }

  /** ChasitorResyncState (no sequence), then the outbox re-sends what the 503 cancelled. */
  async completeResync(): Promise<void> {
    const hold = this.hold;
    if (!hold) return;
    this.hold = null;
    const s = this.s;
    let attempt = 0;
    while (!s.stopped) {
      try {
        const res = await s.exchange({ method: 'POST', path: 'Chasitor/ChasitorResyncState', body: { organizationId: s.opts.organizationId } }, 30_000);
        if (res.status === 403) s.finish('ended', 'session');
        if (res.status < 500) break;
      } catch {
        if (s.stopped) break;
      }
      attempt = await s.failed(attempt + 1);
    }
    hold.release();
  }

  private async run(): Promise<void> {
    const s = this.s;
    s.setConnection('reconnecting');
    if (++s.consecutiveRecoveries > MAX_RECOVERIES) return s.finish('failed', 'recovery');
    const resync = s.opts.recovery === 'resync';
    let attempt = 0;
    while (!s.stopped) {
      let res: LaAnswer;
      try {
        res = resync
          ? await s.exchange({ method: 'GET', path: 'System/ResyncSession', query: { SessionId: s.id ?? '' } }, 30_000)
          : await s.exchange({
            method: 'GET', path: 'System/ReconnectSession', query: s.lastOffset >= 0 ? { 'ReconnectSession.offset': s.lastOffset } : {},
          }, 30_000, { affinity: 'null' });
      } catch {
        if (s.stopped) return;
        attempt = await s.failed(attempt + 1);
        continue;
      }
      if (res.status === 200) return resync ? this.applyResync(res.text) : this.applyReconnect(res.text);
      if (res.status === 403) return s.finish('ended', 'session');
      // 405: nothing to recover (someone already did); the request that got the 503 is retried and tells.
      if (res.status === 405) return;
      if (res.status < 500) return s.finish('failed', 'recovery');
      attempt = await s.failed(attempt + 1);
    }
  }

  private applyReconnect(text: string): void {
    const body = parseJson(text);
    const first = isRecord(body) && Array.isArray(body['messages']) ? (body['messages'] as unknown[])[0] : undefined;
    const m = isRecord(first) && isRecord(first['message']) ? first['message'] : isRecord(body) ? body : {};
    if (typeof m['affinityToken'] === 'string' && m['affinityToken']) this.s.affinity = m['affinityToken'];
    if (m['resetSequence'] === true) {
      this.s.lastSequence = -1;
      this.s.ackReset = true;
    }
  }

  private applyResync(text: string): void {
    const s = this.s;
    const body = parseJson(text);
    if (!isRecord(body) || body['isValid'] === false) return s.finish('ended', 'session');
    if (typeof body['key'] === 'string' && body['key']) s.key = body['key'];
    if (typeof body['affinityToken'] === 'string' && body['affinityToken']) s.affinity = body['affinityToken'];
    // ResyncSession gives a new key: "the new session" (v34 guide) may number its payloads
    // from the start again, and dropping them as already seen would lose ChasitorSessionData
    // and every agent message until the count caught up. Not a plain reset to -1: a server
    // that goes on counting (Switchboard) may already have answered a held poll with the
    // snapshot, and re-sends it to our ack=-1: the inbox tells the two apart.
    s.sequenceMayRestart = true;
    s.ackReset = true;
    this.gen += 1;
    let release!: () => void;
    const promise = new Promise<void>((r) => (release = r));
    this.hold?.release();
    this.hold = { gen: this.gen, promise, release };
    // The hold is released after a poll; before start() has its ChasitorInit through (a
    // 503 on the ChasitorInit itself), no poll runs yet: finish the resync now, and the
    // snapshot comes with the first poll.
    if (!this.pollRunning()) this.completeResync().catch((err: unknown) => s.crash(err));
  }
}
