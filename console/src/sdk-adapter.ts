/**
 * The one place the console touches the SDK: adapts AgentClient (packages/sdk)
 * to the AgentPort the views use. Swapping transports or mocking the server
 * for a test means replacing this file only.
 */
import { AgentClient } from '../../packages/sdk/src/index.ts';
import type { AgentPort, ConnectionState, StreamHandlers } from './agent-port.ts';
import type { PublicUser } from './wire-types.ts';


const CONNECTION: Record<string, ConnectionState> = { online: 'open', reconnecting: 'reconnecting', offline: 'closed', connecting: 'connecting' };

export function sdkAgentPort(baseUrl: string): AgentPort {
  const client = new AgentClient({ baseUrl });
  let unsubscribe: (() => void)[] = [];
  let signedOutListener: (() => void) | undefined;
  let signedOut = false;
  /** The stream should be open (connect() without disconnect() since). */
  let streaming = false;
  /** The handlers of the last connect(). */
  let current: StreamHandlers | undefined;
  const signOut = (): void => {
    if (signedOut) return;
    signedOut = true;
    streaming = false;
    for (const off of unsubscribe) off();
    unsubscribe = [];
    client.disconnect();
    signedOutListener?.();
  };
  // The SDK refreshes the access token on a 401 by itself: a 401 that still reaches us means the
  // refresh token was refused as well, so this login is over.
  const checked = <T>(call: () => Promise<T>): Promise<T> => call().catch((err: unknown) => {
    if ((err as { status?: unknown } | null)?.status === 401) signOut();
    throw err;
  });
  const signedIn = (me: PublicUser): PublicUser => {
    signedOut = false;
    return me;
  };
  return {
    login: async (u, p) => signedIn(await client.login(u, p)),
    resumeSession: async (token) => signedIn(await client.resumeSession(token)),
    refreshToken: () => client.refreshToken(),
    limits: () => client.limits,
    logout: async () => { await client.logout(); },
    setPresence: (status, capacity) => checked(() => client.setPresence(status, capacity)),
    accept: (id) => checked(() => client.accept(id)),
    decline: (id, reason) => checked(() => client.decline(id, reason)),
    send: (id, text, clientMessageId) => checked(() => client.send(id, text, clientMessageId)),
    typing: (id, typing) => checked(() => client.typing(id, typing)),
    transfer: (id, target) => checked(() => client.transfer(id, target)),
    inviteToConference: (id, agentId) => checked(() => client.inviteToConference(id, agentId)),
    leaveConference: (id) => checked(() => client.leaveConference(id)),
    raiseFlag: (id, message) => checked(() => client.raiseFlag(id, message)),
    lowerFlag: (id) => checked(() => client.lowerFlag(id)),
    transferTargets: () => checked(() => client.transferTargets()),
    quickTexts: () => checked(() => client.quickTexts()),
    createMyQuickText: (input) => checked(() => client.createMyQuickText(input)),
    updateMyQuickText: (id, patch) => checked(() => client.updateMyQuickText(id, patch)),
    deleteMyQuickText: (id) => checked(() => client.deleteMyQuickText(id)),
    end: (id) => checked(() => client.end(id)),
    chats: () => checked(() => client.chats()),
    chat: (id) => checked(() => client.chat(id)),
    transcript: (id, after) => checked(() => client.transcript(id, after)),
    chatHistory: (query) => checked(() => client.chatHistory(query)),
    requestFile: (id) => checked(() => client.requestFile(id)),
    cancelFileRequest: (id, token) => checked(() => client.cancelFileRequest(id, token)),
    listFiles: (id) => checked(() => client.listFiles(id)),
    downloadFile: (id, fileId) => checked(() => client.downloadFile(id, fileId)),
    overview: () => checked(() => client.overview()),
    searchChats: (query) => checked(() => client.searchChats(query)),
    whisper: (id, text) => checked(() => client.whisper(id, text)),
    takeover: (id) => checked(() => client.takeover(id)),
    reassign: (id, agentId) => checked(() => client.reassign(id, agentId)),
    listOfflineMessages: (query) => checked(() => client.listOfflineMessages(query)),
    markOfflineMessage: (id, status) => checked(() => client.markOfflineMessage(id, status)),
    deleteOfflineMessage: (id) => checked(() => client.deleteOfflineMessage(id)),
    users: () => checked(() => client.users()),
    createUser: (input) => checked(() => client.createUser(input)),
    updateUser: (id, patch) => checked(() => client.updateUser(id, patch)),
    apiKeys: () => checked(() => client.apiKeys()),
    createApiKey: (input) => checked(() => client.createApiKey(input)),
    revokeApiKey: (id) => checked(() => client.revokeApiKey(id)),
    eraseVisitor: (id) => checked(() => client.eraseVisitor(id)),
    blockVisitor: (id, reason) => checked(() => client.blockVisitor(id, reason)),
    blocks: () => checked(() => client.blocks()),
    createBlock: (input) => checked(() => client.createBlock(input)),
    deleteBlock: (id) => checked(() => client.deleteBlock(id)),
    orgQuickTexts: () => checked(() => client.orgQuickTexts()),
    createOrgQuickText: (input) => checked(() => client.createOrgQuickText(input)),
    updateOrgQuickText: (id, patch) => checked(() => client.updateOrgQuickText(id, patch)),
    deleteOrgQuickText: (id) => checked(() => client.deleteOrgQuickText(id)),
    webhooks: () => checked(() => client.webhooks()),
    skipWebhookChat: (name, chatId) => checked(() => client.skipWebhookChat(name, chatId)),
    skipWebhookOfflineMessage: (name, id) => checked(() => client.skipWebhookOfflineMessage(name, id)),
    replayWebhook: (name, since) => checked(() => client.replayWebhook(name, since)),
    onSignedOut(listener) {
      signedOutListener = listener;
    },
    connect(handlers: StreamHandlers) {
      for (const off of unsubscribe) off();
      streaming = true;
      current = handlers;
      unsubscribe = [
        client.on('offer', (e) => handlers.offer(e.data, e.at)),
        client.on('offer.withdrawn', (e) => handlers.offerWithdrawn(e.data)),
        client.on('presence', (e) => handlers.presence(e.data.status, e.data.capacity, e.at, e.data.name, e.data.role, e.data.reason)),
        client.on('chat.event', (e) => handlers.chatEvent(e.chatId, e.data)),
        client.on('monitor.event', (e) => handlers.monitorEvent(e.chatId, e.data)),
        client.on('flag', (e) => handlers.flag(e.data)),
        client.on('offlineMessage.created', (e) => handlers.offlineMessage(e.data.message)),
        client.on('resync', (r) => handlers.resync(r.snapshot, r.reason)),
        client.on('connection', (s) => {
          handlers.connection(CONNECTION[s] ?? 'reconnecting');
          // The SDK gave up on the stream by itself: revoked credentials (close 4401 and a refused
          // refresh), a 403, or no server for too long. A request tells which; a 401 signs out.
          if (s === 'offline' && streaming) checked(() => client.me()).catch(() => undefined);
        }),
      ];
      handlers.connection('connecting');
      // Failures arrive as `connection` events; the promise only says when the first open happened.
      client.connect().catch(() => undefined);
    },
    reconnect() {
      if (!streaming || !current) return;
      // Not disconnect() and connect(): that makes a stream that was open a first connect,
      // which gives up after 30 s, and a server still out of reach then (a VPN coming up,
      // a restart) would leave the console disconnected for good.
      if (client.reconnect()) return;
      // The stream had given up (no server for too long, a refusal): try afresh.
      current.connection('connecting');
      client.connect().catch(() => undefined);
    },
    disconnect() {
      streaming = false;
      for (const off of unsubscribe) off();
      unsubscribe = [];
      client.disconnect();
    },
  };
}
