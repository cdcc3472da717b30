/**
 * Switchboard's emulator mode (/emulator/v1, docs/emulator.md): reset the server
 * between tests, inject failures into the visitor API, so a client's error
 * handling can be tested, and move the server's clock forward, so its timeouts
 * can be tested without waiting for them. Reached through an admin's {@link AgentClient}
 * (`client.emulator`); a server without emulator mode answers 404.
 */
import type { ArmFaultRequest, ClockReading, Fault, FileRequest, FaultsCleared, ResetOutcome } from './types.js';

/** How the emulator API makes its calls: the agent client's, with its token and refresh. */
export type EmulatorCall = <T>(method: 'GET' | 'POST' | 'DELETE', path: string, body: unknown, retry: boolean) => Promise<T>;

export class EmulatorApi {
  constructor(private readonly call: EmulatorCall) {}

  /**
   * Puts the server back to what a fresh start with its config gives: every chat and
   * session gone, agents offline with no load (bots online), faults cleared. Resolves
   * with what it dropped. Memory store only (409 otherwise).
   */
  reset(): Promise<ResetOutcome> {
    // Safe to repeat: a second reset finds nothing more to drop.
    return this.call('POST', '/reset', undefined, true);
  }

  /**
   * Arms a fault: the next `count` (1) requests to `noun` (and `method`, `sessionId`
   * when given) answer `status`/`code` with the catalogue's body, have their
   * connection dropped (`kind: 'drop'`), or get the 503 of a lost node (`kind: 'affinity'`).
   */
  armFault(fault: ArmFaultRequest): Promise<Fault> {
    // Not retried: a retry after a lost answer would arm it twice.
    return this.call('POST', '/faults', fault, false);
  }

  /** Every fault armed since the last clear or reset, spent ones (`remaining: 0`) included. */
  faults(): Promise<Fault[]> {
    return this.call('GET', '/faults', undefined, true);
  }

  /** Clears one fault (rejects with 404 when there is none with that id). */
  async clearFault(id: string): Promise<void> {
    await this.call('DELETE', `/faults/${encodeURIComponent(id)}`, undefined, true);
  }

  /** Clears every fault; resolves with how many there were. */
  async clearFaults(): Promise<number> {
    return (await this.call<FaultsCleared>('DELETE', '/faults', undefined, true)).cleared;
  }

  /**
   * Makes the chat's agent (the demo bot, in CI) ask the visitor for a file, exactly as
   * AgentClient.requestFile() does for a human agent: the visitor gets `FileTransfer
   * Requested`, and the bot acknowledges the upload with a message naming the file and its
   * size. 409 for a chat with no agent now, 409 `FILE_REQUEST_PENDING` while one is open.
   */
  requestFile(chatId: string): Promise<FileRequest> {
    // Not retried: a retry after a lost answer would be refused as pending.
    return this.call('POST', `/chats/${encodeURIComponent(chatId)}/file-requests`, {}, false);
  }

  /** The server's clock: `now` (epoch ms), `iso`, and `offsetSeconds` ahead of real time. */
  clock(): Promise<ClockReading> {
    return this.call('GET', '/clock', undefined, true);
  }

  /**
   * Moves the server's clock `seconds` forward (more than 0, at most 86400): every
   * timer due in the span runs at once, in order — idle warnings and ends, offer
   * timeouts, the end of poll holds, session timeouts. Resolves with the new reading.
   * Memory store only (409 otherwise); a reset takes the clock back to real time.
   */
  advanceClock(seconds: number): Promise<ClockReading> {
    // Not retried: a retry after a lost answer would advance twice.
    return this.call('POST', '/clock', { advanceSeconds: seconds }, false);
  }
}
