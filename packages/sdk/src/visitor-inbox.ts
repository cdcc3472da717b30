/**
 * What the poll brings: a payload is checked against what was already handled
 * (a re-delivery is dropped, a new session's numbering after ResyncSession is
 * not), and each message becomes the client's state and events.
 */
import { isRecord, parseJson } from './live-agent-http.js';
import type { ChasitorSessionDataMessage, RawVisitorMessage } from './types.js';
import type { VisitorRecovery } from './visitor-recovery.js';
import type { VisitorSession } from './visitor-session.js';

export class VisitorInbox {
  /** The last few payloads handled, as received: a repeat of one of them is a re-delivery, not a restart. */
  private readonly recentPayloads: string[] = [];

  constructor(
    private readonly s: VisitorSession,
    private readonly recovery: VisitorRecovery,
  ) {}

  /** A 200 answer of System/Messages. */
  async take(text: string): Promise<void> {
    const s = this.s;
    const body = parseJson(text);
    if (!isRecord(body) || !Array.isArray(body['messages'])) return;
    const sequence = Number(body['sequence']);
    const offset = Number(body['offset']);
    if (Number.isInteger(sequence) && s.lastSequence >= 0 && sequence <= s.lastSequence) {
      // A payload we already handled (the server re-sent it after a lost answer): drop it.
      if (!s.sequenceMayRestart || this.recentPayloads.includes(text)) return;
      // After ResyncSession, one we never saw: the new session numbers from the start again.
      s.lastSequence = -1;
    }
    s.sequenceMayRestart = false;
    this.recentPayloads.push(text);
    if (this.recentPayloads.length > 4) this.recentPayloads.shift();
    const offsetBefore = s.lastOffset;
    if (Number.isInteger(sequence)) s.lastSequence = sequence;
    if (Number.isInteger(offset)) s.lastOffset = Math.max(s.lastOffset, offset);
    for (const m of body['messages'] as unknown[]) {
      if (s.stopped) return;
      if (!isRecord(m) || typeof m['type'] !== 'string') continue;
      const msg: RawVisitorMessage = { type: m['type'], message: isRecord(m['message']) ? m['message'] : {} };
      s.events.emit('raw', msg);
      await this.handle(msg, offsetBefore);
    }
  }

  private async handle({ type, message: m }: RawVisitorMessage, offsetBefore: number): Promise<void> {
    const s = this.s;
    const str = (k: string): string => (typeof m[k] === 'string' ? m[k] : m[k] === undefined || m[k] === null ? '' : String(m[k]));
    const num = (k: string, d = -1): number => (typeof m[k] === 'number' ? m[k] : Number.isFinite(Number(m[k])) && m[k] !== undefined ? Number(m[k]) : d);
    switch (type) {
      case 'ChatRequestSuccess':
        if (s.state === 'connecting') s.state = 'waiting';
        s.events.emit('queue', { position: num('queuePosition', 0), estimatedWaitTime: num('estimatedWaitTime') });
        break;
      case 'QueueUpdate':
        s.events.emit('queue', { position: num('position', 0), estimatedWaitTime: num('estimatedWaitTime') });
        break;
      case 'ChatRequestFail':
        return s.finish('failed', str('reason') || 'Unavailable');
      case 'ChatEstablished': {
        s.agentId = str('userId');
        s.state = 'chatting';
        const idle = isRecord(m['chasitorIdleTimeout']) ? m['chasitorIdleTimeout'] : {};
        s.events.emit('established', {
          name: str('name'), userId: s.agentId, sneakPeekEnabled: m['sneakPeekEnabled'] === true || m['sneakPeekEnabled'] === 'true',
          chasitorIdleTimeout: { isEnabled: idle['isEnabled'] === true, warningTime: Number(idle['warningTime'] ?? 0), timeout: Number(idle['timeout'] ?? 0) },
        });
        break;
      }
      case 'ChatMessage':
        if (m['agentId'] !== undefined) s.agentId = str('agentId');
        s.events.emit('message', { text: str('text'), name: str('name'), agentId: str('agentId') || s.agentId });
        break;
      case 'AgentTyping':
      case 'AgentNotTyping':
        s.events.emit('agentTyping', type === 'AgentTyping');
        s.events.emit('agentTypingBy', { typing: type === 'AgentTyping', name: str('name'), agentId: str('agentId') });
        break;
      case 'ChatTransferred':
        s.agentId = str('userId');
        s.state = 'chatting';
        s.events.emit('transferred', { name: str('name'), userId: s.agentId });
        break;
      case 'AgentDisconnect':
        // The chat goes back to the queue until another agent takes it.
        if (s.state === 'chatting') s.state = 'waiting';
        s.events.emit('agentDisconnected', {});
        break;
      case 'AgentJoinedConference':
        s.events.emit('agentJoined', { name: str('name') });
        break;
      case 'AgentLeftConference':
        s.events.emit('agentLeft', { name: str('name') });
        break;
      case 'CustomEvent':
        s.events.emit('customEvent', { type: str('type'), data: str('data') });
        break;
      case 'FileTransfer': {
        // Only the two subtypes the wire has (wire-compat.md); anything else stays in `raw`.
        const fileToken = str('fileToken');
        const url = str('uploadServletUrl');
        if (!fileToken) break;
        if (str('type') === 'Requested' && url) {
          s.fileRequests.set(fileToken, url);
          s.events.emit('fileTransfer', { type: 'Requested', fileToken, uploadServletUrl: url });
        } else if (str('type') === 'Canceled') {
          s.fileRequests.delete(fileToken);
          s.events.emit('fileTransfer', { type: 'Canceled', fileToken });
        }
        break;
      }
      case 'ChasitorIdleTimeoutWarningEvent': {
        // Only the two states the wire has; anything else stays in `raw`.
        const state = str('type');
        if (state === 'triggered' || state === 'cleared') s.events.emit('idleWarning', { type: state });
        break;
      }
      case 'ChatEnded':
        return s.finish('ended', str('reason') || 'agent');
      case 'ChasitorSessionData':
        this.replaySnapshot(m as Partial<ChasitorSessionDataMessage>, offsetBefore);
        if (this.recovery.held) await this.recovery.completeResync();
        break;
      default:
        break; // types we do not know are only in `raw`, as the field expects
    }
  }

  /**
   * After ResyncSession the server replaces what was not yet delivered with a
   * transcript snapshot: agent messages newer than the last payload we saw are
   * emitted from it, so nothing is lost and nothing repeats.
   */
  private replaySnapshot(data: Partial<ChasitorSessionDataMessage>, offsetBefore: number): void {
    const s = this.s;
    if (s.state === 'waiting' && typeof data.queuePosition === 'number' && data.queuePosition > 0) {
      s.events.emit('queue', { position: data.queuePosition, estimatedWaitTime: -1 });
    }
    for (const e of Array.isArray(data.chatMessages) ? data.chatMessages : []) {
      if (e.type !== 'Agent' || !(Number(e.sequence) > offsetBefore)) continue;
      s.events.emit('message', { text: String(e.content), name: String(e.name), agentId: s.agentId });
    }
  }
}
