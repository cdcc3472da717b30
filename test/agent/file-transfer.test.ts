/**
 * File transfer end to end over HTTP (docs/agent-api.md "File transfer",
 * docs/visitor-api.md "File transfer upload"): the agent asks, the visitor gets
 * FileTransfer Requested, uploads (a multipart form, or the bytes as the body),
 * the agent hears ChasitorFileUploaded and downloads the exact bytes with the
 * safe headers. Single use, cancel (by hand, at the end, at a transfer), wrong
 * tokens, the size limit (64 KiB here, from the environment), erasure.
 */
import { describe, expect, it } from 'vitest';
import { TestServer, rawRequest } from '../protocol/harness.js';
import {
  AgentUser, BUTTON, OWNS_PROCESS, USERS, acceptedChat, onlineAgent, pause, received, requestChat, routingConfig, useAgentServer, type WireEvent,
} from './agent-fixtures.js';
import { fileBytes, requestedOf, sha256, uploadForm, uploadRaw } from './file-transfer-support.js';

const MAX = 65536;
const server = useAgentServer({}, { env: { SWITCHBOARD_FILE_TRANSFER_MAX_BYTES: String(MAX) } });

describe.skipIf(!OWNS_PROCESS)('file transfer', () => {
  it('request → FileTransfer Requested → multipart upload → ChasitorFileUploaded → the exact bytes, safely; single use', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const { v, chatId } = await acceptedChat(alice, BUTTON.support);
    const created = await alice.ok<{ fileToken: string; uploadServletUrl: string; requestedAt: number }>('POST', `/agent/v1/chats/${chatId}/file-requests`);
    expect(created.uploadServletUrl).toBe(`${server.baseUrl}/chat/file-transfer`);
    expect(created.requestedAt).toEqual(expect.any(Number));
    const req = await requestedOf(v);
    expect(req).toEqual({ type: 'Requested', fileToken: created.fileToken, uploadServletUrl: created.uploadServletUrl });
    // The agent's stream has it too (its other tabs learn of the request).
    await alice.nextChatEvent(chatId, 'FileTransfer');

    const bytes = fileBytes(5000);
    const up = await uploadForm(req.uploadServletUrl, { chatKey: v.key, fileToken: req.fileToken, orgId: '00D0000000000A1' }, { bytes, name: 'receipt.png', type: 'image/png' });
    expect(up.status, up.text).toBe(200);
    const body = up.json as { fileToken: string; fileId: string; name: string; size: number };
    expect(body).toEqual({ fileToken: req.fileToken, fileId: expect.any(String) as unknown, name: 'receipt.png', size: 5000 });
    const ev = await alice.nextChatEvent(chatId, 'ChasitorFileUploaded');
    expect(ev.data['data']).toEqual({ fileToken: req.fileToken, fileId: body.fileId, name: 'receipt.png', contentType: 'image/png', size: 5000, sha256: sha256(bytes) });

    const files = await alice.ok<Record<string, unknown>[]>('GET', `/agent/v1/chats/${chatId}/files`);
    expect(files).toEqual([{ id: body.fileId, fileToken: req.fileToken, name: 'receipt.png', contentType: 'image/png', size: 5000, sha256: sha256(bytes), uploadedAt: expect.any(Number) as unknown }]);
    const dl = await fetch(`${server.baseUrl}/agent/v1/chats/${chatId}/files/${body.fileId}`, { headers: { Authorization: `Bearer ${alice.accessToken}` } });
    expect(dl.status).toBe(200);
    expect(Buffer.from(await dl.arrayBuffer()).equals(Buffer.from(bytes))).toBe(true);
    expect(dl.headers.get('content-type')).toBe('image/png');
    expect(dl.headers.get('content-disposition')).toBe(`attachment; filename="receipt.png"; filename*=UTF-8''receipt.png`);
    expect(dl.headers.get('x-content-type-options')).toBe('nosniff');
    expect(dl.headers.get('content-security-policy')).toBe('sandbox');
    expect(dl.headers.get('cache-control')).toBe('no-store');
    // Counted once durable (prom-client counters, /metrics is open in the test config).
    const metrics = await (await fetch(`${server.baseUrl}/metrics`)).text();
    expect(Number(/^switchboard_file_uploads_total (\d+)/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(1);
    expect(Number(/^switchboard_file_upload_bytes_total (\d+)/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(5000);

    // Single use: the exact retry gets the same answer and stores nothing twice; other bytes are refused.
    const again = await uploadForm(req.uploadServletUrl, { chatKey: v.key, fileToken: req.fileToken }, { bytes, name: 'receipt.png', type: 'image/png' });
    expect(again.status, again.text).toBe(200);
    expect((again.json as { fileId: string }).fileId).toBe(body.fileId);
    const other = await uploadForm(req.uploadServletUrl, { chatKey: v.key, fileToken: req.fileToken }, { bytes: fileBytes(10, 2), name: 'x.png', type: 'image/png' });
    expect(other.status).toBe(409);
    expect(other.text).toMatch(/^File already uploaded for this token/);
    expect(await alice.ok<unknown[]>('GET', `/agent/v1/chats/${chatId}/files`)).toHaveLength(1);
    // An answered request cannot be canceled; a new one may be made.
    const cancel = await alice.call('DELETE', `/agent/v1/chats/${chatId}/file-requests/${req.fileToken}`);
    expect(cancel.status, cancel.text).toBe(409);
    await alice.ok('POST', `/agent/v1/chats/${chatId}/file-requests`, {});

    // ChasitorFileUploaded is the agent side's: never in a visitor payload. The transcript has it in order.
    await v.say('there you go');
    await alice.nextChatEvent(chatId, 'ChasitorChatMessage');
    expect(v.received.map((m) => m.type)).not.toContain('ChasitorFileUploaded');
    const t = await alice.ok<{ events: WireEvent[] }>('GET', `/agent/v1/chats/${chatId}/transcript`);
    const types = t.events.map((e) => e.type);
    expect(types.filter((x) => x === 'ChasitorFileUploaded')).toHaveLength(1);
    expect(types.indexOf('ChasitorFileUploaded')).toBeGreaterThan(types.indexOf('FileTransfer'));
    expect(types.indexOf('ChasitorFileUploaded')).toBeLessThan(types.indexOf('ChasitorChatMessage'));
  });

  it('takes the bytes as the body with the credentials in the query; serves an unsafe type as octet-stream', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const { v, chatId } = await acceptedChat(alice, BUTTON.support);
    const { fileToken, uploadServletUrl } = await alice.ok<{ fileToken: string; uploadServletUrl: string }>('POST', `/agent/v1/chats/${chatId}/file-requests`);
    const html = new TextEncoder().encode('<script>alert(1)</script>');
    const up = await uploadRaw(uploadServletUrl, { key: v.key, fileToken, filename: 'naïve "page".html', encoding: 'UTF-8' }, html, 'text/html');
    expect(up.status, up.text).toBe(200);
    const { fileId } = up.json as { fileId: string };
    const dl = await fetch(`${server.baseUrl}/agent/v1/chats/${chatId}/files/${fileId}`, { headers: { Authorization: `Bearer ${alice.accessToken}` } });
    expect(dl.headers.get('content-type')).toBe('application/octet-stream');
    expect(dl.headers.get('content-disposition')).toBe(`attachment; filename="na_ve _page_.html"; filename*=UTF-8''na%C3%AFve%20%22page%22.html`);
    expect(new TextDecoder().decode(await dl.arrayBuffer())).toBe('<script>alert(1)</script>');
    const listed = await alice.ok<{ contentType: string; name: string }[]>('GET', `/agent/v1/chats/${chatId}/files`);
    expect(listed[0]).toMatchObject({ contentType: 'text/html', name: 'naïve "page".html' });
    // The same name from a form: fetch (as browsers) writes its `"` as %22 in the part's filename; it is the visitor's `"` again.
    const again = await alice.ok<{ fileToken: string; uploadServletUrl: string }>('POST', `/agent/v1/chats/${chatId}/file-requests`);
    const form = await uploadForm(again.uploadServletUrl, { chatKey: v.key, fileToken: again.fileToken }, { bytes: html, name: 'naïve "page".html', type: 'text/html' });
    expect(form.status, form.text).toBe(200);
    expect((form.json as { name: string }).name).toBe('naïve "page".html');
  });

  it('one request at a time; cancel tells the visitor; canceled, unknown and foreign tokens are refused', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const { v, chatId } = await acceptedChat(alice, BUTTON.support);
    const { fileToken, uploadServletUrl } = await alice.ok<{ fileToken: string; uploadServletUrl: string }>('POST', `/agent/v1/chats/${chatId}/file-requests`);
    const second = await alice.call('POST', `/agent/v1/chats/${chatId}/file-requests`);
    expect(second.status).toBe(409);
    expect(second.text).toBe(`A file request is already pending in this chat: fileToken ${fileToken}`);
    // Not the agent's chat, and the visitor's key of another session.
    const bob = await onlineAgent(server, USERS.bob);
    expect((await bob.call('POST', `/agent/v1/chats/${chatId}/file-requests`)).status).toBe(403);
    const stranger = await requestChat(server, BUTTON.sales);
    const foreign = await uploadForm(uploadServletUrl, { chatKey: stranger.key, fileToken }, { bytes: fileBytes(10), name: 'a.txt', type: 'text/plain' });
    expect(foreign.status).toBe(403);
    expect(foreign.text).toMatch(/^File token invalid, canceled or not this session's/);
    expect((await uploadForm(uploadServletUrl, { chatKey: v.key, fileToken: 'nope' }, { bytes: fileBytes(10), name: 'a.txt', type: 'text/plain' })).status).toBe(403);
    expect((await uploadForm(uploadServletUrl, { chatKey: `${v.key}x`, fileToken }, { bytes: fileBytes(10), name: 'a.txt', type: 'text/plain' })).status).toBe(403);
    expect((await uploadForm(uploadServletUrl, { chatKey: v.key, fileToken, orgId: '00D0000000000B1' }, { bytes: fileBytes(10), name: 'a.txt', type: 'text/plain' })).status).toBe(403);
    // No file at all.
    const empty = await uploadForm(uploadServletUrl, { chatKey: v.key, fileToken }, null);
    expect(empty.status).toBe(400);
    expect(empty.text).toMatch(/^No file in the upload/);

    await alice.ok('DELETE', `/agent/v1/chats/${chatId}/file-requests/${fileToken}`);
    await v.pollUntil((all) => all.some((m) => m.type === 'FileTransfer' && m.message['type'] === 'Canceled'), 'FileTransfer Canceled');
    expect(received(v, 'FileTransfer').map((m) => m.message)).toEqual([{ type: 'Requested', fileToken, uploadServletUrl }, { type: 'Canceled', fileToken }]);
    expect((await alice.call('DELETE', `/agent/v1/chats/${chatId}/file-requests/${fileToken}`)).status).toBe(404);
    const late = await uploadForm(uploadServletUrl, { chatKey: v.key, fileToken }, { bytes: fileBytes(10), name: 'a.txt', type: 'text/plain' });
    expect(late.status).toBe(403);
    expect(await alice.ok<unknown[]>('GET', `/agent/v1/chats/${chatId}/files`)).toEqual([]);
  });

  it('cancels a pending request before ChatEnded when the agent ends the chat, and when it is transferred', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const first = await acceptedChat(alice, BUTTON.support);
    const { fileToken } = await alice.ok<{ fileToken: string }>('POST', `/agent/v1/chats/${first.chatId}/file-requests`);
    await alice.ok('POST', `/agent/v1/chats/${first.chatId}/end`);
    await first.v.waitFor('ChatEnded');
    const types = first.v.received.map((m) => `${m.type}${m.type === 'FileTransfer' ? `:${String(m.message['type'])}` : ''}`);
    expect(types.slice(-3)).toEqual(['FileTransfer:Requested', 'FileTransfer:Canceled', 'ChatEnded']);
    expect(received(first.v, 'FileTransfer')[1]!.message).toEqual({ type: 'Canceled', fileToken });

    const from = alice.events.length;
    const second = { v: await requestChat(server, BUTTON.support), chatId: '' };
    second.chatId = (await alice.nextOffer(from)).chatId!;
    await alice.ok('POST', `/agent/v1/chats/${second.chatId}/accept`);
    await second.v.waitFor('ChatEstablished');
    const bob = await onlineAgent(server, USERS.bob);
    const t2 = await alice.ok<{ fileToken: string; uploadServletUrl: string }>('POST', `/agent/v1/chats/${second.chatId}/file-requests`);
    await alice.ok('POST', `/agent/v1/chats/${second.chatId}/transfer`, { agentId: USERS.bob.id });
    await second.v.pollUntil((all) => all.some((m) => m.type === 'FileTransfer' && m.message['type'] === 'Canceled'), 'Canceled at the transfer');
    await bob.ok('POST', `/agent/v1/chats/${second.chatId}/accept`);
    await second.v.waitFor('ChatTransferred');
    const refused = await uploadForm(t2.uploadServletUrl, { chatKey: second.v.key, fileToken: t2.fileToken }, { bytes: fileBytes(10), name: 'a.txt', type: 'text/plain' });
    expect(refused.status).toBe(403);
    // The new holder asks afresh.
    await bob.ok('POST', `/agent/v1/chats/${second.chatId}/file-requests`);
  });

  it('refuses a file over fileTransfer.maxBytes with 413, stops reading, and the session and the request still work', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const { v, chatId } = await acceptedChat(alice, BUTTON.support);
    const { fileToken, uploadServletUrl } = await alice.ok<{ fileToken: string; uploadServletUrl: string }>('POST', `/agent/v1/chats/${chatId}/file-requests`);
    const big = await uploadForm(uploadServletUrl, { chatKey: v.key, fileToken }, { bytes: fileBytes(MAX + 1), name: 'big.bin', type: 'application/octet-stream' });
    expect(big.status).toBe(413);
    expect(big.text).toBe(`File too large: limit ${MAX} bytes`);
    const bigRaw = await uploadRaw(uploadServletUrl, { chatKey: v.key, fileToken }, fileBytes(4 * MAX));
    expect(bigRaw.status).toBe(413);
    // A body declared far past the limit is not read at all: the answer comes though the 50 MB never do.
    const query = new URLSearchParams({ chatKey: v.key, fileToken }).toString();
    const cut = await rawRequest(server.baseUrl, `POST /chat/file-transfer?${query} HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: 50000000\r\n\r\n`, 'only a little');
    expect(cut.status).toBe(413);
    expect(cut.headers['connection']).toBe('close');
    await v.say('still here');
    expect((await alice.nextChatEvent(chatId, 'ChasitorChatMessage')).data['data']).toMatchObject({ text: 'still here' });
    expect(alice.chatEvents(chatId, 'ChasitorFileUploaded')).toHaveLength(0);
    const ok = await uploadRaw(uploadServletUrl, { chatKey: v.key, fileToken }, fileBytes(MAX));
    expect(ok.status, ok.text).toBe(200);
    expect((await alice.nextChatEvent(chatId, 'ChasitorFileUploaded')).data['data']).toMatchObject({ size: MAX });
  });

  it('asks over the stream socket (`file-requests` command); supervisors read the files; erasure deletes them', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const { v, chatId } = await acceptedChat(alice, BUTTON.support, { visitorId: 'erase-file-visitor' });
    const reply = await alice.command('file-requests', chatId, {});
    expect(reply.ok, JSON.stringify(reply)).toBe(true);
    const { fileToken, uploadServletUrl } = reply.result as { fileToken: string; uploadServletUrl: string };
    expect((await requestedOf(v)).fileToken).toBe(fileToken);
    expect((await uploadForm(uploadServletUrl, { chatKey: v.key, fileToken }, { bytes: fileBytes(100), name: 'a.gif', type: 'image/gif' })).status).toBe(200);
    const sam = await AgentUser.login(server, USERS.sam);
    const [file] = await sam.ok<{ id: string }[]>('GET', `/agent/v1/chats/${chatId}/files`);
    expect((await sam.call('GET', `/agent/v1/chats/${chatId}/files/${file!.id}`)).status).toBe(200);
    expect((await sam.call('GET', `/agent/v1/chats/${chatId}/files/nope`)).status).toBe(404);
    const eve = await AgentUser.login(server, USERS.eve);
    expect((await eve.call('GET', `/agent/v1/chats/${chatId}/files/${file!.id}`)).status).toBe(403);

    // Erasure: the visitor's ended chat goes, its files with it.
    await alice.ok('POST', `/agent/v1/chats/${chatId}/end`);
    await v.waitFor('ChatEnded');
    await v.end();
    await pause(100);
    const root = await AgentUser.login(server, USERS.root);
    const erased = await root.ok<{ deletedChats: number }>('DELETE', '/agent/v1/admin/visitors/erase-file-visitor');
    expect(erased.deletedChats).toBe(1);
    expect((await sam.call('GET', `/agent/v1/chats/${chatId}/files/${file!.id}`)).status).toBe(404);
  });

  it('serves a chat\'s files only to who may read the chat, a fileId only under its own chat; a hostile name downloads safely', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const { v, chatId } = await acceptedChat(alice, BUTTON.support);
    const { fileToken, uploadServletUrl } = await alice.ok<{ fileToken: string; uploadServletUrl: string }>('POST', `/agent/v1/chats/${chatId}/file-requests`);
    // 254 units and an emoji: cut at 255 units it would end in half a surrogate pair.
    const name = `"x"\r\n${'a'.repeat(249)}😀.png`;
    const up = await uploadRaw(uploadServletUrl, { chatKey: v.key, fileToken, filename: name }, fileBytes(10), 'image/png');
    expect(up.status, up.text).toBe(200);
    const { fileId } = up.json as { fileId: string };
    const dl = await alice.call('GET', `/agent/v1/chats/${chatId}/files/${fileId}`);
    expect(dl.status, dl.text).toBe(200);
    const kept = `"x"__${'a'.repeat(249)}`;
    expect(dl.headers.get('content-disposition')).toBe(`attachment; filename="_x___${'a'.repeat(249)}"; filename*=UTF-8''${encodeURIComponent(kept)}`);
    // Bob (same org) never held the chat; Eve is of another org.
    const bob = await AgentUser.login(server, USERS.bob);
    const eve = await AgentUser.login(server, USERS.eve);
    for (const who of [bob, eve]) {
      expect((await who.call('GET', `/agent/v1/chats/${chatId}/files`)).status).toBe(403);
      expect((await who.call('GET', `/agent/v1/chats/${chatId}/files/${fileId}`)).status).toBe(403);
    }
    // The file's id under another chat Alice holds: not found there.
    const from = alice.events.length;
    await requestChat(server, BUTTON.support);
    const otherId = (await alice.nextOffer(from)).chatId!;
    await alice.ok('POST', `/agent/v1/chats/${otherId}/accept`);
    expect((await alice.call('GET', `/agent/v1/chats/${otherId}/files/${fileId}`)).status).toBe(404);
    expect(await alice.ok<unknown[]>('GET', `/agent/v1/chats/${otherId}/files`)).toEqual([]);
  });

  it('lets an agent offered the chat (a transfer) read its files as it reads its transcript, and neither once it declined', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const { v, chatId } = await acceptedChat(alice, BUTTON.support);
    const { fileToken, uploadServletUrl } = await alice.ok<{ fileToken: string; uploadServletUrl: string }>('POST', `/agent/v1/chats/${chatId}/file-requests`);
    const up = await uploadRaw(uploadServletUrl, { chatKey: v.key, fileToken, filename: 'receipt.png' }, fileBytes(10), 'image/png');
    expect(up.status, up.text).toBe(200);
    const { fileId } = up.json as { fileId: string };
    const bob = await onlineAgent(server, USERS.bob);
    const reads = async () => Promise.all([`/agent/v1/chats/${chatId}/transcript`, `/agent/v1/chats/${chatId}/files`, `/agent/v1/chats/${chatId}/files/${fileId}`]
      .map(async (path) => (await bob.call('GET', path)).status));
    const from = bob.events.length;
    await alice.ok('POST', `/agent/v1/chats/${chatId}/transfer`, { agentId: USERS.bob.id });
    await bob.nextOffer(from, chatId);
    expect(await reads(), 'offered: transcript, list, download').toEqual([200, 200, 200]);
    await bob.ok('POST', `/agent/v1/chats/${chatId}/decline`, {});
    expect(await reads(), 'declined, never held: none of them').toEqual([403, 403, 403]);
  });

  it('re-sends a request the visitor had not received after ResyncSession, once, after the snapshot; the agent gets no copy', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const { v, chatId } = await acceptedChat(alice, BUTTON.support);
    const { fileToken, uploadServletUrl } = await alice.ok<{ fileToken: string; uploadServletUrl: string }>('POST', `/agent/v1/chats/${chatId}/file-requests`);
    const before = v.received.length;
    await v.resyncAfter503();
    await v.waitFor('FileTransfer', 'the re-sent FileTransfer', before);
    const after = v.received.slice(before).map((m) => m.type);
    expect(after.indexOf('FileTransfer')).toBeGreaterThan(after.indexOf('ChasitorSessionData'));
    expect(received(v, 'FileTransfer').map((m) => m.message)).toEqual([{ type: 'Requested', fileToken, uploadServletUrl }]);
    const up = await uploadForm(uploadServletUrl, { chatKey: v.key, fileToken }, { bytes: fileBytes(64), name: 'after-resync.png', type: 'image/png' });
    expect(up.status, up.text).toBe(200);
    await alice.nextChatEvent(chatId, 'ChasitorFileUploaded');
    expect(alice.chatEvents(chatId, 'FileTransfer')).toHaveLength(1);
  });

  it('answers the CORS preflight of the upload for an allowed origin', async () => {
    const res = await fetch(`${server.baseUrl}/chat/file-transfer`, { method: 'OPTIONS', headers: { Origin: 'https://shop.example', 'Access-Control-Request-Method': 'POST' } });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://shop.example');
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
  });
});

describe.skipIf(!OWNS_PROCESS)('file transfer turned off (fileTransfer.enabled false)', () => {
  const off = new TestServer({ pollHoldSeconds: 0.5 }, { config: routingConfig, env: { SWITCHBOARD_FILE_TRANSFER_ENABLED: 'false' } });

  it('refuses requests with 409 FILE_TRANSFER_DISABLED, and uploads too', async () => {
    await off.start();
    try {
      const alice = await onlineAgent(off, USERS.alice);
      const { v, chatId } = await acceptedChat(alice, BUTTON.support);
      const res = await alice.call('POST', `/agent/v1/chats/${chatId}/file-requests`);
      expect(res.status).toBe(409);
      expect(res.text).toBe('File transfer is disabled on this server');
      const up = await uploadRaw(`${off.baseUrl}/chat/file-transfer`, { chatKey: v.key, fileToken: 'x' }, fileBytes(10));
      expect(up.status).toBe(409);
      await alice.ok('POST', `/agent/v1/chats/${chatId}/end`);
      await alice.leave();
    } finally {
      await off.dispose();
    }
  });
});
