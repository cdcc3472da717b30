/**
 * File transfer through the SDK against the real server (docs/agent-api.md and
 * docs/visitor-api.md, "File transfer"): the agent asks, the visitor hears it and
 * uploads, the agent (and a supervisor) lists and downloads the same bytes; one
 * request at a time; a cancel the visitor hears; the server's refusals (413 with
 * its limit, 403 for a canceled token) reach the caller with status and reason.
 */
import { createHash } from 'node:crypto';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentClient, SwitchboardHttpError, VisitorClient, isFileTransferEvent, isFileUploadedEvent, type ChatEventWire, type FileTransferMessage } from '../../packages/sdk/src/index.js';
import { useServer } from '../protocol/harness.js';
import { DEMO, FAST_RETRY, humanChat, until } from './sdk-fixtures.js';

/** Small, so the 413 needs no big body. */
const MAX_BYTES = 65_536;
const server = useServer({}, { withConfig: false, env: { SWITCHBOARD_FILE_TRANSFER_MAX_BYTES: String(MAX_BYTES) } });

/** Every byte value, then a pseudo-random tail: what a text decoding on the way would break. */
function someBytes(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = i < 256 ? i : x >>> 24;
  }
  return b;
}

const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

/** What a promise rejects with (fails when it resolves). */
function rejection(p: Promise<unknown>): Promise<SwitchboardHttpError> {
  return p.then(() => { throw new Error('resolved, expected a rejection'); }, (err: unknown) => err as SwitchboardHttpError);
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c().catch(() => undefined);
});

async function chatWith(visitorName: string, fetchImpl?: typeof fetch) {
  const c = await humanChat({ agentUrl: server.baseUrl, visitorUrl: server.baseUrl, visitorName, ...(fetchImpl ? { visitor: { fetch: fetchImpl } } : {}) });
  cleanups.push(async () => {
    await c.v.end();
    await c.agent.setPresence('offline');
    c.agent.disconnect();
  });
  return c;
}

describe('file transfer (SDK)', () => {
  it('the agent asks, the visitor uploads, the agent and a supervisor list and download the same bytes', async () => {
    const { agent, ar, v, vr, chatId } = await chatWith('Fay Files');
    const asked = await agent.requestFile(chatId);
    expect(asked).toEqual({ fileToken: expect.any(String), uploadServletUrl: `${server.baseUrl}/chat/file-transfer`, requestedAt: expect.any(Number) });

    // The visitor hears the request as `fileTransfer`, and the client keeps it until it is answered.
    await until(() => vr.of('fileTransfer').length > 0, 'FileTransfer Requested at the visitor', 10_000, () => vr.log);
    expect(vr.of('fileTransfer')).toEqual([{ type: 'Requested', fileToken: asked.fileToken, uploadServletUrl: asked.uploadServletUrl }]);
    expect(v.fileRequests).toEqual([{ type: 'Requested', fileToken: asked.fileToken, uploadServletUrl: asked.uploadServletUrl }]);

    // One request at a time.
    const pending = await rejection(agent.requestFile(chatId));
    expect([pending.status, pending.code]).toEqual([409, 'FILE_REQUEST_PENDING']);
    // The detail names the open token (the console reads it: console/src/file-request-control.ts).
    expect(pending.body).toBe(`A file request is already pending in this chat: fileToken ${asked.fileToken}`);

    const bytes = someBytes(40_000, 7);
    const name = 'Prüfbericht "Q3"; €.pdf';
    const uploaded = await v.uploadFile(asked.fileToken, bytes, name, { contentType: 'application/pdf' });
    expect(uploaded).toEqual({ fileToken: asked.fileToken, fileId: expect.any(String), name, size: bytes.length });
    expect(v.fileRequests).toEqual([]);
    // Answered: the client no longer offers the token (the server would refuse it as used).
    await expect(v.uploadFile(asked.fileToken, bytes, name)).rejects.toThrow(/no file request/);

    // The agent's stream: the request (typed by the guard), then the upload.
    await until(() => ar.chatEvents(chatId, 'ChasitorFileUploaded').length > 0, 'ChasitorFileUploaded on the stream', 10_000, () => ar.events);
    const events = ar.chatEvents(chatId) as unknown as ChatEventWire[];
    const requested = events.filter(isFileTransferEvent).map((e) => e.data);
    expect(requested).toEqual([{ type: 'Requested', fileToken: asked.fileToken, uploadServletUrl: asked.uploadServletUrl }]);
    const up = events.filter(isFileUploadedEvent);
    expect(up).toHaveLength(1);
    expect(up[0]!.data).toEqual({ fileToken: asked.fileToken, fileId: uploaded.fileId, name, contentType: 'application/pdf', size: bytes.length, sha256: sha256(bytes) });
    // The guards do not take other events, nor a FileTransfer with a subtype the wire does not have.
    expect(events.filter((e) => e.type === 'ChasitorChatMessage' || e.type === 'ChatEstablished').some((e) => isFileTransferEvent(e) || isFileUploadedEvent(e))).toBe(false);
    expect(isFileTransferEvent({ offset: 1, type: 'FileTransfer', actor: 'agent', at: 0, data: { type: 'Declined', fileToken: 'x' } })).toBe(false);

    const listed = await agent.listFiles(chatId);
    expect(listed).toEqual([{ id: uploaded.fileId, fileToken: asked.fileToken, name, contentType: 'application/pdf', size: bytes.length, sha256: sha256(bytes), uploadedAt: expect.any(Number) }]);
    const file = await agent.downloadFile(chatId, uploaded.fileId);
    expect(file.name).toBe(name);
    expect(file.contentType).toBe('application/octet-stream'); // a pdf is not served as itself
    expect(sha256(file.bytes)).toBe(sha256(bytes));
    expect(Buffer.from(file.bytes).equals(Buffer.from(bytes))).toBe(true);

    // A second request, answered with a Blob: an image keeps its type on the way back.
    const second = await agent.requestFile(chatId);
    await until(() => v.fileRequests.some((r) => r.fileToken === second.fileToken), 'the second request at the visitor');
    const png = someBytes(3_000, 11);
    const shot = await v.uploadFile(second.fileToken, new Blob([png], { type: 'image/png' }), 'screen shot.png');
    const image = await agent.downloadFile(chatId, shot.fileId);
    expect([image.name, image.contentType, sha256(image.bytes)]).toEqual(['screen shot.png', 'image/png', sha256(png)]);

    // Whoever may read the transcript may read the files: a supervisor too.
    const supervisor = new AgentClient({ baseUrl: server.baseUrl, WebSocket, retry: FAST_RETRY });
    await supervisor.login('supervisor', 'supervisor-demo');
    expect((await supervisor.listFiles(chatId)).map((f) => f.id)).toEqual([uploaded.fileId, shot.fileId]);
    expect(sha256((await supervisor.downloadFile(chatId, uploaded.fileId)).bytes)).toBe(sha256(bytes));
    const missing = await rejection(supervisor.downloadFile(chatId, 'no-such-file'));
    expect(missing.status).toBe(404);
    await supervisor.logout();
  });

  it('a file over the limit is refused 413 with the limit; the request stays open for a smaller one', async () => {
    const { agent, v, chatId } = await chatWith('Tom Toobig');
    const asked = await agent.requestFile(chatId);
    await until(() => v.fileRequests.length > 0, 'the request at the visitor');
    const tooBig = await rejection(v.uploadFile(asked.fileToken, someBytes(MAX_BYTES + 1, 3), 'big.bin'));
    expect(tooBig).toBeInstanceOf(SwitchboardHttpError);
    expect([tooBig.status, tooBig.code, tooBig.maxBytes]).toEqual([413, 'FILE_TOO_LARGE', MAX_BYTES]);
    expect(tooBig.body).toMatch(/^File too large: limit 65536 bytes/);
    expect(v.fileRequests.map((r) => r.fileToken)).toEqual([asked.fileToken]);
    const ok = await v.uploadFile(asked.fileToken, someBytes(MAX_BYTES, 3), 'just-right.bin');
    expect(ok.size).toBe(MAX_BYTES);
    expect(v.state).toBe('chatting'); // the refusal did not harm the session
  });

  it('a cancel reaches the visitor; an upload racing it is refused 403 with the server reason', async () => {
    // The visitor's polls are held back on their way in while `gate` is shut, as a slow line would:
    // the visitor still thinks the request open when it uploads.
    let gate: Promise<void> = Promise.resolve();
    let open: () => void = () => undefined;
    const gated: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      if (String(input).includes('/System/Messages')) await gate;
      return res;
    };
    const { agent, ar, v, vr, chatId } = await chatWith('Cora Cancel', gated);
    const first = await agent.requestFile(chatId);
    await until(() => v.fileRequests.length === 1, 'the request at the visitor');
    gate = new Promise((r) => (open = r));
    await agent.cancelFileRequest(chatId, first.fileToken);
    const refused = await rejection(v.uploadFile(first.fileToken, someBytes(500, 5), 'late.txt'));
    expect([refused.status, refused.code]).toEqual([403, 'FILE_TOKEN_INVALID']);
    expect(refused.body).toMatch(/^File token invalid, canceled or not this session's/);
    open();
    await until(() => vr.of('fileTransfer').some((m) => (m as FileTransferMessage).type === 'Canceled'), 'FileTransfer Canceled at the visitor', 10_000, () => vr.log);
    expect(vr.of('fileTransfer')).toEqual([
      { type: 'Requested', fileToken: first.fileToken, uploadServletUrl: first.uploadServletUrl },
      { type: 'Canceled', fileToken: first.fileToken },
    ]);
    expect(v.fileRequests).toEqual([]);
    await until(() => ar.chatEvents(chatId, 'FileTransfer').length === 2, 'both FileTransfer events on the agent stream', 10_000, () => ar.events);

    // Canceled twice: the token is no longer a pending request.
    const again = await rejection(agent.cancelFileRequest(chatId, first.fileToken));
    expect(again.status).toBe(404);
    // A new request may follow the canceled one; once answered, it cannot be canceled.
    const second = await agent.requestFile(chatId);
    await until(() => v.fileRequests.length === 1, 'the second request at the visitor');
    await v.uploadFile(second.fileToken, someBytes(10, 1), 'a.txt');
    const late = await rejection(agent.cancelFileRequest(chatId, second.fileToken));
    expect([late.status, late.code]).toEqual([409, 'FILE_ALREADY_UPLOADED']);
  });

  it('a snapshot carries the open request to the page that resumes the chat', async () => {
    const { agent, v, chatId } = await chatWith('Rhea Resume');
    const asked = await agent.requestFile(chatId);
    await until(() => v.fileRequests.length === 1, 'the request at the visitor');
    const snap = v.detach();
    expect(snap?.fileRequests).toEqual([{ type: 'Requested', fileToken: asked.fileToken, uploadServletUrl: asked.uploadServletUrl }]);
    const next = new VisitorClient({ baseUrl: server.baseUrl, organizationId: DEMO.organizationId, deploymentId: DEMO.deploymentId, buttonId: DEMO.humanButtonId, retry: FAST_RETRY });
    next.resume(JSON.parse(JSON.stringify(snap)) as NonNullable<typeof snap>);
    cleanups.push(() => next.end());
    expect(next.fileRequests.map((r) => r.fileToken)).toEqual([asked.fileToken]);
    const done = await next.uploadFile(asked.fileToken, someBytes(100, 9), 'after-reload.txt');
    expect((await agent.listFiles(chatId)).map((f) => f.id)).toEqual([done.fileId]);
  });
});
