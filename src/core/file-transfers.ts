/**
 * File transfer (docs/adr/0049-file-transfer.md): an agent asks the visitor for a
 * file, the visitor's client uploads it, the agent downloads it. The request, its
 * cancel and the upload are events of the chat's log (FileTransfer, visitor-visible;
 * ChasitorFileUploaded, agent side), and the pending request lives in the session's
 * record. An upload's bytes go into the same group commit as its event and the
 * record that no longer holds the request: all three are durable, or none is.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { FileTransferConfig } from '../config/config-schema.js';
import type { ChatStore } from '../ports/chat-store.js';
import type { ChatFileMeta } from '../ports/records.js';
import { fail } from '../protocol/errors.js';
import type { FileRequestCreated, FileUploaded } from '../protocol/file-transfer-types.js';
import type { ChatEngine } from './chat-engine.js';
import type { ChatSession } from './chat-session.js';
import { EventType } from './event-types.js';

/** The upload endpoint, under the server's public base (POST /chat/file-transfer). */
export const UPLOAD_PATH = '/chat/file-transfer';

/** The longest file name kept; a longer one is cut. */
const MAX_NAME_LENGTH = 255;

/** Uploads whose commit failed, remembered for their retry (metadata only, see `upload`). */
const UNSETTLED_KEPT = 1000;

/** A file as the upload endpoint read it. */
export interface IncomingFile {
  name: string;
  contentType: string;
  bytes: Uint8Array;
}

/** Told of every upload once it is durable (metrics). */
export type UploadListener = (size: number) => void;

export class FileTransfers {
  /**
   * Uploads appended but not yet known durable (`${sessionId}\0${token}`): a second upload
   * with the same token meanwhile waits for that commit and is answered as a retry, not
   * as an unknown token (its file is not in the store yet).
   */
  private readonly unsettled = new Map<string, ChatFileMeta>();
  private readonly listeners: UploadListener[] = [];

  constructor(
    private readonly engine: ChatEngine,
    private readonly store: ChatStore,
    readonly config: FileTransferConfig,
    /** server.publicUrl, when set: wins over the origin each request came to. */
    private readonly publicUrl?: string,
  ) {}

  onUploaded(listener: UploadListener): void {
    this.listeners.push(listener);
  }

  /**
   * The agent holding the established chat asks the visitor for a file: the visitor
   * gets FileTransfer Requested. `origin` is where the agent's request went: the upload
   * URL's base unless server.publicUrl is set.
   * Durable at the next group commit, which the caller awaits before it answers.
   */
  request(agentId: string, sessionId: string, origin: string): FileRequestCreated {
    if (!this.config.enabled) fail('FILE_TRANSFER_DISABLED');
    const s = this.heldChat(agentId, sessionId);
    const r = s.record;
    if (r.fileRequest) fail('FILE_REQUEST_PENDING', `fileToken ${r.fileRequest.token}`);
    const requestedAt = this.engine.clock.now();
    // 144 random bits: with the session key, the only credential an upload carries.
    const token = randomBytes(18).toString('base64url');
    const uploadServletUrl = `${(this.publicUrl ?? origin).replace(/\/+$/, '')}${UPLOAD_PATH}`;
    r.fileRequest = { token, requestedAt };
    this.engine.append(s, EventType.FileTransfer, 'agent', { type: 'Requested', fileToken: token, uploadServletUrl }, true);
    return { fileToken: token, uploadServletUrl, requestedAt };
  }

  /**
   * The agent withdraws its request: the visitor gets FileTransfer Canceled. 404 for a
   * token that is not the pending one and answered no upload, 409 once it was answered.
   */
  async cancel(agentId: string, sessionId: string, token: string): Promise<void> {
    const s = this.heldChat(agentId, sessionId);
    if (s.record.fileRequest?.token === token) {
      this.cancelPending(s, 'agent');
      return;
    }
    if (this.unsettled.has(unsettledKey(s.id, token)) || (await this.store.getChatFileByToken(s.id, token))) fail('FILE_ALREADY_UPLOADED', `fileToken ${token}`);
    fail('NOT_FOUND', `file request ${token}`);
  }

  /**
   * Cancels the chat's pending request, if any (the visitor gets FileTransfer Canceled):
   * by the agent, or by the server when the chat ends or leaves its agent. Called before
   * the event that ends or moves the chat, so the visitor hears of the cancel first.
   */
  cancelPending(s: ChatSession, actor: 'agent' | 'system' = 'system'): void {
    const pending = s.record.fileRequest;
    if (!pending) return;
    s.record.fileRequest = null;
    this.engine.append(s, EventType.FileTransfer, actor, { type: 'Canceled', fileToken: pending.token }, true);
  }

  /**
   * The visitor's upload for `token`: answered once the file and its ChasitorFileUploaded
   * event are durable. A token is single use; an exact retry (same bytes) of an upload
   * that landed gets the same answer, without storing anything again.
   */
  async upload(s: ChatSession, token: string, file: IncomingFile): Promise<FileUploaded> {
    if (!this.config.enabled) fail('FILE_TRANSFER_DISABLED');
    const sha256 = createHash('sha256').update(file.bytes).digest('hex');
    const r = s.record;
    if (r.fileRequest?.token !== token) return this.answerRetry(s.id, token, sha256, file.bytes.byteLength);
    const meta: ChatFileMeta = {
      sessionId: s.id, id: `f${randomBytes(12).toString('hex')}`, fileToken: token, name: safeFileName(file.name), contentType: safeContentType(file.contentType),
      size: file.bytes.byteLength, sha256, uploadedAt: this.engine.clock.now(),
    };
    r.fileRequest = null;
    // Same turn, same batch: the file, its event and the record without the request.
    this.engine.queue.addFile({ ...meta, bytes: file.bytes });
    this.engine.append(s, EventType.FileUploaded, 'visitor', {
      fileToken: token, fileId: meta.id, name: meta.name, contentType: meta.contentType, size: meta.size, sha256,
    }, false);
    // The visitor answered the agent: the chasitor idle count stops, as for a message.
    this.engine.idle.onVisitorMessage(s);
    const key = unsettledKey(s.id, token);
    this.unsettled.set(key, meta);
    if (this.unsettled.size > UNSETTLED_KEPT) this.unsettled.delete(this.unsettled.keys().next().value!);
    // A failed write is written again by the commit queue (ADR 0016); the entry stays for
    // the client's retry, which then waits for that write.
    await this.engine.queue.commit();
    this.unsettled.delete(key);
    for (const l of this.listeners) l(meta.size);
    return { fileToken: token, fileId: meta.id, name: meta.name, size: meta.size };
  }

  /**
   * An upload into a session that has closed: no request can be pending there, but the
   * retry of an upload that landed before the close still gets its answer.
   */
  retryOfClosed(sessionId: string, token: string, file: IncomingFile): Promise<FileUploaded> {
    if (!this.config.enabled) fail('FILE_TRANSFER_DISABLED');
    return this.answerRetry(sessionId, token, createHash('sha256').update(file.bytes).digest('hex'), file.bytes.byteLength);
  }

  /** An upload with a token that is not pending: a retry of one that landed, or refused. */
  private async answerRetry(sessionId: string, token: string, sha256: string, size: number): Promise<FileUploaded> {
    const key = unsettledKey(sessionId, token);
    const inFlight = this.unsettled.get(key);
    if (inFlight) {
      await this.engine.queue.commit();
      this.unsettled.delete(key);
    }
    const stored = inFlight ?? (await this.store.getChatFileByToken(sessionId, token));
    if (!stored) fail('FILE_TOKEN_INVALID', 'no pending file request of this session has this token (unknown, or canceled)');
    if (stored.sha256 !== sha256 || stored.size !== size) fail('FILE_ALREADY_UPLOADED', `fileToken ${token}`);
    return { fileToken: token, fileId: stored.id, name: stored.name, size: stored.size };
  }

  /** The established chat this agent holds (the HTTP layer checked access already: this is the state check). */
  private heldChat(agentId: string, sessionId: string): ChatSession {
    const s = this.engine.sessions.get(sessionId);
    // Ended, the chat says so (an agent acting again after its own end: docs/errors.md's words).
    if (s?.record.chatState === 'ended') fail('CONFLICT', 'chat has ended');
    if (!s || s.record.chatState !== 'established' || s.record.agentId !== agentId) fail('CONFLICT', 'this agent holds no such active chat');
    return s;
  }
}

function unsettledKey(sessionId: string, token: string): string {
  return `${sessionId}\u0000${token}`;
}

/**
 * Control characters (C0, DEL, C1: it goes into a header and a console) and the bidirectional
 * controls, which would let `invoice\u202Egnp.exe` show as `invoiceexe.png` in a console or a
 * save dialog.
 */
// eslint-disable-next-line no-control-regex -- control characters are exactly what is replaced
const UNSAFE_NAME_CHARS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * The name as kept and shown: no path (a client may send `C:\fakepath\x.png`), no control
 * or bidirectional characters, at most 255 UTF-16 units, cut between characters (half of a
 * surrogate pair could not be encoded into the download's header).
 */
export function safeFileName(name: string): string {
  const base = name.split(/[/\\]/).pop() ?? '';
  let clean = '';
  for (const ch of wellFormed(base).replace(UNSAFE_NAME_CHARS, '_').trim()) {
    if (clean.length + ch.length > MAX_NAME_LENGTH) break;
    clean += ch;
  }
  clean = clean.trim();
  return clean === '' || clean === '.' || clean === '..' ? 'file' : clean;
}

/** The text with each half of a surrogate pair that has no other half replaced by U+FFFD (String#toWellFormed, ES2024). */
export function wellFormed(text: string): string {
  return text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

/** The declared type, lower-cased without parameters, or application/octet-stream when there is none worth keeping. */
export function safeContentType(type: string): string {
  const t = type.split(';')[0]!.trim().toLowerCase();
  return /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/.test(t) ? t : 'application/octet-stream';
}
