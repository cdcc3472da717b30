/**
 * The one place the console touches the SDK: adapts AgentClient (packages/sdk)
 * to the AgentPort the views use. Swapping transports or mocking the server
 * for a test means replacing this file only.
 */
import { AgentClient } from '../../packages/sdk/src/index.ts';
import type { AgentPort, ConnectionState, StreamHandlers } from './agent-port.ts';


const CONNECTION: Record<string, ConnectionState> = { online: 'open', reconnecting: 'reconnecting', offline: 'closed', connecting: 'connecting' };

export function sdkAgentPort(baseUrl: string): AgentPort {
  const client = new AgentClient({ baseUrl });
  let unsubscribe: (() => void)[] = [];
  return {
    login: (u, p) => client.login(u, p),
    resumeSession: (token) => client.resumeSession(token),
    refreshToken: () => client.refreshToken(),
    logout: async () => { await client.logout(); },
    setPresence: (status, capacity) => client.setPresence(status, capacity),
    accept: async (id) => { await client.accept(id); },
    decline: async (id, reason) => { await client.decline(id, reason); },
    send: (id, text, clientMessageId) => client.send(id, text, clientMessageId),
    typing: async (id, typing) => { await client.typing(id, typing); },
    transfer: async (id, target) => { await client.transfer(id, target); },
    transferTargets: () => client.transferTargets(),
    end: async (id) => { await client.end(id); },
    chats: () => client.chats(),
    chat: (id) => client.chat(id),
    transcript: (id) => client.transcript(id),
    overview: () => client.overview(),
    whisper: async (id, text) => { await client.whisper(id, text); },
    takeover: async (id) => { await client.takeover(id); },
    reassign: async (id, agentId) => { await client.reassign(id, agentId); },
    connect(handlers: StreamHandlers) {
      for (const off of unsubscribe) off();
      unsubscribe = [
        client.on('offer', (e) => handlers.offer(e.data, e.at)),
        client.on('offer.withdrawn', (e) => handlers.offerWithdrawn(e.data)),
        client.on('presence', (e) => handlers.presence(e.data.status, e.data.capacity, e.at)),
        client.on('chat.event', (e) => handlers.chatEvent(e.chatId, e.data)),
        client.on('monitor.event', (e) => handlers.monitorEvent(e.chatId, e.data)),
        client.on('resync', (r) => handlers.resync(r.snapshot, r.reason)),
        client.on('connection', (s) => handlers.connection(CONNECTION[s] ?? 'reconnecting')),
      ];
      handlers.connection('connecting');
      // Failures arrive as `connection` events; the promise only says when the first open happened.
      client.connect().catch(() => undefined);
    },
    disconnect() {
      for (const off of unsubscribe) off();
      unsubscribe = [];
      client.disconnect();
    },
  };
}
