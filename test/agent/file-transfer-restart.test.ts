/**
 * File transfer across kill -9, on the same SQLite file and on PostgreSQL: an
 * uploaded file answered 200 is there after the crash with its exact bytes, its
 * token stays used (an exact retry gets the same answer, other bytes 409), its
 * events are in the log once; a request still pending survives and is answered
 * after the restart (docs/adr/0049-file-transfer.md).
 */
import { describe, expect, it } from 'vitest';
import { AgentUser, BUTTON, OWNS_PROCESS, USERS, acceptedChat, onlineAgent, useAgentServerPerStore } from './agent-fixtures.js';
import { fileBytes, requestedOf, sha256, uploadForm, uploadRaw } from './file-transfer-support.js';

const stores = useAgentServerPerStore('sb_restart_files', { agentGraceSeconds: 30 });

for (const [store, server] of stores) {
  describe.skipIf(!OWNS_PROCESS)(`file transfer across kill -9 (${store})`, () => {
    it('keeps the uploaded file, its used token and a pending request; logs each event once', async () => {
      const alice = await onlineAgent(server, USERS.alice);
      const { v, chatId } = await acceptedChat(alice, BUTTON.support);
      const first = await alice.ok<{ fileToken: string; uploadServletUrl: string }>('POST', `/agent/v1/chats/${chatId}/file-requests`);
      await requestedOf(v);
      const bytes = fileBytes(20_000, 3);
      const up = await uploadForm(first.uploadServletUrl, { chatKey: v.key, fileToken: first.fileToken }, { bytes, name: 'scan.jpg', type: 'image/jpeg' });
      expect(up.status, up.text).toBe(200);
      const { fileId } = up.json as { fileId: string };
      // A second request, still pending at the crash.
      const second = await alice.ok<{ fileToken: string }>('POST', `/agent/v1/chats/${chatId}/file-requests`);

      await server.kill9();
      await server.start();

      const sam = await AgentUser.login(server, USERS.sam);
      const dl = await fetch(`${server.baseUrl}/agent/v1/chats/${chatId}/files/${fileId}`, { headers: { Authorization: `Bearer ${sam.accessToken}` } });
      expect(dl.status).toBe(200);
      expect(Buffer.from(await dl.arrayBuffer()).equals(Buffer.from(bytes))).toBe(true);
      const base = server.baseUrl;
      const retry = await uploadForm(`${base}/chat/file-transfer`, { chatKey: v.key, fileToken: first.fileToken }, { bytes, name: 'scan.jpg', type: 'image/jpeg' });
      expect(retry.status, retry.text).toBe(200);
      expect((retry.json as { fileId: string }).fileId).toBe(fileId);
      expect((await uploadRaw(`${base}/chat/file-transfer`, { chatKey: v.key, fileToken: first.fileToken }, fileBytes(5, 9))).status).toBe(409);
      // The pending request was kept: it is answered now, once.
      const late = await uploadRaw(`${base}/chat/file-transfer`, { chatKey: v.key, fileToken: second.fileToken, filename: 'late.bin' }, fileBytes(300, 4));
      expect(late.status, late.text).toBe(200);
      expect((await uploadRaw(`${base}/chat/file-transfer`, { chatKey: v.key, fileToken: second.fileToken, filename: 'late.bin' }, fileBytes(300, 5))).status).toBe(409);

      const events = (await sam.ok<{ events: { type: string; data: Record<string, unknown> }[] }>('GET', `/agent/v1/chats/${chatId}/transcript`)).events;
      const uploads = events.filter((e) => e.type === 'ChasitorFileUploaded');
      expect(uploads.map((e) => [e.data['fileToken'], e.data['sha256']])).toEqual([[first.fileToken, sha256(bytes)], [second.fileToken, sha256(fileBytes(300, 4))]]);
      expect(events.filter((e) => e.type === 'FileTransfer').map((e) => e.data['type'])).toEqual(['Requested', 'Requested']);
      const files = await sam.ok<{ id: string }[]>('GET', `/agent/v1/chats/${chatId}/files`);
      expect(files).toHaveLength(2);
      const back = await AgentUser.login(server, USERS.alice);
      await back.ok('POST', `/agent/v1/chats/${chatId}/end`);
    });
  });
}
