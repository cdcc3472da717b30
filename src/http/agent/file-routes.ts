/**
 * The agent side of file transfer (docs/agent-api.md, "File transfer"): cancel a
 * request, list a chat's files, download one. Asking for a file is a chat action
 * (chat-actions.ts, also a stream command). Downloads are served so that a browser
 * never renders or runs them (docs/adr/0049-file-transfer.md).
 */
import type { ChatEngine } from '../../core/chat-engine.js';
import type { Principal } from '../../core/identity/user-directory.js';
import type { ChatRequestRecord, SessionRecord } from '../../ports/records.js';
import { fail } from '../../protocol/errors.js';
import * as T from '../../protocol/agent-api-types.js';
import { wellFormed } from '../../core/file-transfers.js';
import { chatFor } from './agent-access.js';
import type { RouteAdder } from './agent-routes.js';
import type { ChatStore } from '../../ports/chat-store.js';

type ReadableChat = (id: string, p: Principal) => Promise<{ r: SessionRecord; request: ChatRequestRecord }>;

export function registerFileRoutes(route: RouteAdder, engine: ChatEngine, store: ChatStore, readableChat: ReadableChat): void {
  const params = <P>(req: { params: unknown }) => req.params as P;
  route({ method: 'DELETE', url: '/agent/v1/chats/:chatId/file-requests/:fileToken', summary: 'Withdraw a file request (the visitor gets FileTransfer Canceled)', role: 'agent', params: T.FileTokenParams, response: T.FileRequestCanceled,
    errors: { 404: 'No such request in this chat (unknown, or canceled already)', 409: 'FILE_ALREADY_UPLOADED: the visitor uploaded the file already; or the chat is not established, has ended or is no longer yours' } },
    async (req, p) => {
      const { chatId, fileToken } = params<{ chatId: string; fileToken: string }>(req);
      chatFor(engine, p, chatId, { supervisorMayRead: false });
      await engine.files.cancel(p.userId, chatId, fileToken);
      await engine.queue.commit();
      return { canceled: true };
    });
  route({ method: 'GET', url: '/agent/v1/chats/:chatId/files', summary: 'The files the visitor uploaded into the chat, oldest first', role: 'agent', params: T.ChatIdParams, response: T.ChatFiles },
    async (req, p) => {
      const { r } = await readableChat(params<{ chatId: string }>(req).chatId, p);
      const files = await store.listChatFiles(r.id);
      return files.map(({ sessionId: _s, ...f }) => f);
    });
  route({ method: 'GET', url: '/agent/v1/chats/:chatId/files/:fileId', summary: 'Download a file the visitor uploaded (Content-Disposition: attachment)', role: 'agent', params: T.FileIdParams,
    response: T.FileDownload, errors: { 404: 'No file with this id in this chat' } },
    async (req, p, reply) => {
      const { chatId, fileId } = params<{ chatId: string; fileId: string }>(req);
      const { r } = await readableChat(chatId, p);
      const file = (await store.getChatFile(r.id, fileId)) ?? fail('NOT_FOUND', `file ${fileId}`);
      void reply
        .type(T.SAFE_IMAGE_TYPES.includes(file.contentType) ? file.contentType : 'application/octet-stream')
        .header('Content-Disposition', contentDisposition(file.name))
        .header('X-Content-Type-Options', 'nosniff')
        .header('Content-Security-Policy', 'sandbox')
        .header('Content-Length', String(file.size));
      return Buffer.from(file.bytes.buffer, file.bytes.byteOffset, file.bytes.byteLength);
    });
}

/**
 * `attachment` with the name as RFC 8187 `filename*` (UTF-8, percent-encoded), and a plain
 * ASCII `filename` for clients that read only that one.
 */
export function contentDisposition(stored: string): string {
  // A name stored before names were cut between characters may end in half a surrogate pair,
  // which encodeURIComponent refuses (URIError: the download would be a 500).
  const name = wellFormed(stored);
  const ascii = name.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
