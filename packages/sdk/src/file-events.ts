/**
 * Type guards for the file transfer and conference events among an agent's chat events (the
 * stream's `chat.event` and `monitor.event`, a transcript's events): `data` is
 * typed once the guard holds, and a malformed event (another server, an older
 * one) is not taken for one.
 */
import type { ChatEventWire, ConferenceEvent, FileTransferEvent, FileUploadedEvent } from './types.js';

/** A `FileTransfer` event: `data` is `{type: 'Requested', fileToken, uploadServletUrl}` or `{type: 'Canceled', fileToken}`. */
export function isFileTransferEvent(e: ChatEventWire): e is ChatEventWire & FileTransferEvent {
  const d = e.data;
  if (e.type !== 'FileTransfer' || typeof d['fileToken'] !== 'string') return false;
  return d['type'] === 'Canceled' || (d['type'] === 'Requested' && typeof d['uploadServletUrl'] === 'string');
}

/** A `ChasitorFileUploaded` event: `data` is `{fileToken, fileId, name, contentType, size, sha256}`. */
export function isFileUploadedEvent(e: ChatEventWire): e is ChatEventWire & FileUploadedEvent {
  const d = e.data;
  return e.type === 'ChasitorFileUploaded' && typeof d['fileId'] === 'string' && typeof d['fileToken'] === 'string'
    && typeof d['name'] === 'string' && typeof d['size'] === 'number';
}

/** An `AgentJoinedConference` or `AgentLeftConference` event: `data` is `{name, agentId, reason?}` (agents see who it was). */
export function isConferenceEvent(e: ChatEventWire): e is ChatEventWire & ConferenceEvent {
  return (e.type === 'AgentJoinedConference' || e.type === 'AgentLeftConference') && typeof e.data['name'] === 'string' && typeof e.data['agentId'] === 'string';
}
