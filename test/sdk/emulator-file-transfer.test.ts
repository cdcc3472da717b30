/**
 * File transfer in CI without a human agent (docs/emulator.md): the emulator makes
 * the demo bot ask for a file (AgentClient.emulator.requestFile), the visitor's SDK
 * uploads it, and the bot acknowledges it once with the file's name and size.
 */
import { describe, expect, it } from 'vitest';
import { AgentClient, VisitorClient, type SwitchboardHttpError } from '../../packages/sdk/src/index.js';
import { DEPLOYMENT } from '../agent/agent-fixtures.js';
import { BOT_BUTTON, ORG, USERS, useEmulatorServer } from '../agent/emulator-fixtures.js';
import { FAST_RETRY, recordVisitor, until } from './sdk-fixtures.js';

const server = useEmulatorServer();

describe('file transfer through the emulator (SDK)', () => {
  it('the demo bot asks for a file, the visitor uploads it, the bot names it once', async () => {
    const admin = new AgentClient({ baseUrl: server.baseUrl, retry: FAST_RETRY });
    await admin.login(USERS.root.username, USERS.root.password);
    const v = new VisitorClient({ baseUrl: server.baseUrl, organizationId: ORG, deploymentId: DEPLOYMENT, buttonId: BOT_BUTTON, visitorName: 'Ci Visitor', retry: FAST_RETRY });
    const vr = recordVisitor(v);
    await v.start();
    await until(() => v.state === 'chatting' && vr.texts().length > 0, 'the bot and its greeting', 10_000, () => vr.log);
    const chatId = v.sessionId!;

    const asked = await admin.emulator.requestFile(chatId);
    expect(asked).toEqual({ fileToken: expect.any(String), uploadServletUrl: `${server.baseUrl}/chat/file-transfer`, requestedAt: expect.any(Number) });
    const pending = await admin.emulator.requestFile(chatId).then(() => undefined, (err: unknown) => err as SwitchboardHttpError);
    expect([pending?.status, pending?.code]).toEqual([409, 'FILE_REQUEST_PENDING']);
    await until(() => v.fileRequests.length === 1, 'FileTransfer Requested at the visitor', 10_000, () => vr.log);

    const uploaded = await v.uploadFile(asked.fileToken, new TextEncoder().encode('order A-1042, paid'), 'receipt.txt', { contentType: 'text/plain' });
    expect(uploaded).toMatchObject({ name: 'receipt.txt', size: 18 });
    const ack = (t: string) => /receipt\.txt/.test(t) && /18 bytes/.test(t);
    await until(() => vr.texts().some(ack), "the bot's acknowledgement", 10_000, () => vr.texts());
    await v.send('thanks');
    await until(() => vr.texts().includes('thanks'), 'the echo of the next message');
    expect(vr.texts().filter(ack), 'acknowledged once, in order before the echo').toHaveLength(1);
    expect(vr.texts().findIndex(ack)).toBeLessThan(vr.texts().indexOf('thanks'));
    expect((await admin.listFiles(chatId)).map((f) => f.id)).toEqual([uploaded.fileId]);
    await v.end();
    await admin.logout();
  });
});
