/**
 * File transfer in CI without a human agent (docs/emulator.md): the emulator's
 * POST /emulator/v1/chats/:chatId/file-requests makes the chat's agent, the demo
 * bot, ask the visitor for a file exactly as the agent API does; the visitor
 * uploads; the bot acknowledges the file with one message, once, in order.
 */
import { describe, expect, it } from 'vitest';
import { OWNS_PROCESS } from '../protocol/harness.js';
import { AgentUser, pause, received, requestChat } from './agent-fixtures.js';
import { BOT_BUTTON, BOT_GREETING, USERS, admin, useEmulatorServer } from './emulator-fixtures.js';
import { fileBytes, requestedOf, uploadForm } from './file-transfer-support.js';

const server = useEmulatorServer();

describe.skipIf(!OWNS_PROCESS)('emulator: the demo bot asks for a file', () => {
  it('the bot requests, the visitor uploads, the bot acknowledges once and in order', async () => {
    const v = await requestChat(server, BOT_BUTTON);
    await v.pollUntil(() => v.texts().includes(BOT_GREETING), 'the greeting');
    const root = await admin(server);
    const chatId = v.id;
    const created = await root.ok<{ fileToken: string; uploadServletUrl: string; requestedAt: number }>('POST', `/emulator/v1/chats/${chatId}/file-requests`);
    expect(created.uploadServletUrl).toBe(`${server.baseUrl}/chat/file-transfer`);
    const req = await requestedOf(v);
    expect(req.fileToken).toBe(created.fileToken);
    // The bot holds the chat: the request is the bot's, one at a time as through the agent API.
    expect((await root.call('POST', `/emulator/v1/chats/${chatId}/file-requests`)).status).toBe(409);

    await v.say('here it comes');
    const up = await uploadForm(req.uploadServletUrl, { chatKey: v.key, fileToken: req.fileToken }, { bytes: fileBytes(1234), name: 'photo.webp', type: 'image/webp' });
    expect(up.status, up.text).toBe(200);
    await v.say('did you get it?');
    const ack = 'Thanks, I received your file photo.webp (1234 bytes).';
    await v.pollUntil(() => v.texts().includes('did you get it?'), 'the echo after the file');
    await pause(300);
    await v.poll();
    expect(v.texts()).toEqual([BOT_GREETING, 'here it comes', ack, 'did you get it?']);
    expect(received(v, 'ChatMessage').filter((m) => m.message['text'] === ack)).toHaveLength(1);

    // Admins only; another org's chat or no chat: 404.
    const alice = await AgentUser.login(server, USERS.alice);
    expect((await alice.call('POST', `/emulator/v1/chats/${chatId}/file-requests`)).status).toBe(403);
    expect((await root.call('POST', '/emulator/v1/chats/nope/file-requests')).status).toBe(404);
  });
});
