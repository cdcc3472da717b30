/**
 * A supervisor's reassign while a transfer is in progress hands the chat on with
 * the visitor's unanswered state as it was: the idle count the transfer suspended
 * counts again for the new holder (the sender, or anyone else), and a warning that
 * already fired is not repeated. Before, the suspended count was dropped and a
 * visitor who had gone quiet was never timed out. The same for a chat queued again
 * after its agent dropped, also across a restart.
 */
import { describe, expect, it } from 'vitest';
import { AgentUser, BUTTON, OWNS_PROCESS, USERS, acceptedChat, onlineAgent, pause, received, useAgentServer } from './agent-fixtures.js';

const server = useAgentServer();

describe.skipIf(!OWNS_PROCESS)('agent API: reassign during a transfer keeps the idle count', () => {
  for (const to of ['ivy', 'bob'] as const) {
    it(`reassigned to ${to === 'ivy' ? 'the sender' : 'the transfer\'s target'}: the suspended count resumes`, async () => {
      const ivy = await onlineAgent(server, USERS.ivy);
      const bob = await onlineAgent(server, USERS.bob);
      const sam = await AgentUser.login(server, USERS.sam);
      // The idle button warns after 1 s and ends the chat after 2 s of an unanswered agent message.
      const { v, chatId } = await acceptedChat(ivy, BUTTON.idle, { visitorName: 'Went Quiet' });
      await ivy.ok('POST', `/agent/v1/chats/${chatId}/messages`, { text: 'Anything else?' });
      await ivy.ok('POST', `/agent/v1/chats/${chatId}/transfer`, { agentId: USERS.bob.id });
      await bob.nextOffer(0, chatId);
      await sam.ok('POST', `/agent/v1/chats/${chatId}/reassign`, { agentId: USERS[to].id });

      const ended = await v.waitFor('ChatEnded', 'ChatEnded by the idle timeout');
      expect(ended.message).toMatchObject({ reason: 'chasitorIdleTimeout' });
      expect(received(v, 'ChasitorIdleTimeoutWarningEvent').map((m) => m.message['type'])).toEqual(['triggered']);
    });
  }

  it('a chat queued again after its agent dropped, reassigned after a restart, resumes the count', async () => {
    const ivy = await onlineAgent(server, USERS.ivy);
    const { v, chatId } = await acceptedChat(ivy, BUTTON.idle, { visitorName: 'Dropped Then Quiet' });
    await ivy.ok('POST', `/agent/v1/chats/${chatId}/messages`, { text: 'Anything else?' });
    await ivy.ok('PUT', '/agent/v1/presence', { status: 'offline' });
    await v.waitFor('AgentDisconnect');
    await server.restart();

    const sam = await AgentUser.login(server, USERS.sam);
    await onlineAgent(server, USERS.bob);
    await sam.ok('POST', `/agent/v1/chats/${chatId}/reassign`, { agentId: USERS.bob.id });
    const ended = await v.waitFor('ChatEnded', 'ChatEnded by the idle timeout');
    expect(ended.message).toMatchObject({ reason: 'chasitorIdleTimeout' });
  });

  it('a warning that fired before the transfer is not repeated; the count resumes from the reassign', async () => {
    const ivy = await onlineAgent(server, USERS.ivy);
    const dave = await onlineAgent(server, USERS.dave);
    const sam = await AgentUser.login(server, USERS.sam);
    const { v, chatId } = await acceptedChat(ivy, BUTTON.idle, { visitorName: 'Warned Then Quiet' });
    await ivy.ok('POST', `/agent/v1/chats/${chatId}/messages`, { text: 'Anything else?' });
    await v.waitFor('ChasitorIdleTimeoutWarningEvent');
    // To the solo button: its offers last 5 s, so the transfer stays pending for a while.
    await ivy.ok('POST', `/agent/v1/chats/${chatId}/transfer`, { buttonId: BUTTON.solo });
    await dave.nextOffer(0, chatId);
    // Longer than the whole timeout: the count is suspended while the transfer is pending.
    await pause(2_200);
    expect(received(v, 'ChatEnded')).toEqual([]);
    const reassignedAt = Date.now();
    await sam.ok('POST', `/agent/v1/chats/${chatId}/reassign`, { agentId: USERS.ivy.id });

    const ended = await v.waitFor('ChatEnded', 'ChatEnded by the idle timeout');
    expect(ended.message).toMatchObject({ reason: 'chasitorIdleTimeout' });
    // The whole 2 s again, from the reassign, and no second warning.
    expect(Date.now() - reassignedAt).toBeGreaterThanOrEqual(1_500);
    expect(received(v, 'ChasitorIdleTimeoutWarningEvent').map((m) => m.message['type'])).toEqual(['triggered']);
  });
});
