/**
 * Shared pieces of the SDK suite: the built-in demo deployment's ids, an event
 * recorder, and a wait that polls a condition (the clients run on their own).
 */
import WebSocket from 'ws';
import { AgentClient, VisitorClient, type AgentClientOptions, type VisitorClientOptions } from '../../packages/sdk/src/index.js';

export const DEMO = {
  organizationId: '00D000000000001',
  deploymentId: '572000000000001',
  botButtonId: '573000000000001',
  humanButtonId: '573000000000003',
  agentLogin: { username: 'agent', password: 'agent-demo' },
  greeting: 'Hello! I am the Switchboard demo bot. Everything you type is echoed back.',
} as const;

/** Fast retries keep the network tests short. */
export const FAST_RETRY = { baseMs: 50, maxMs: 400 };

/** Resolves once `cond()` holds; fails with `what` and the `state()` dump after `ms`. */
export async function until(cond: () => boolean, what: string, ms = 10_000, state: () => unknown = () => ''): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(state())}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Everything a VisitorClient emits, in order. */
export function recordVisitor(v: VisitorClient) {
  const log: Array<{ event: string; payload: unknown }> = [];
  const names = ['queue', 'established', 'message', 'agentTyping', 'agentTypingBy', 'transferred', 'ended', 'failed', 'agentDisconnected', 'agentJoined', 'agentLeft', 'customEvent', 'fileTransfer', 'connection', 'raw'] as const;
  for (const name of names) v.on(name, (payload: unknown) => log.push({ event: name, payload }));
  return {
    log,
    of: (event: string) => log.filter((e) => e.event === event).map((e) => e.payload),
    texts: () => log.filter((e) => e.event === 'message').map((e) => (e.payload as { text: string }).text),
    rawTypes: () => log.filter((e) => e.event === 'raw').map((e) => (e.payload as { type: string }).type),
  };
}

/** Everything an AgentClient's stream delivers, in order. */
export function recordAgent(a: AgentClient) {
  const events: Array<{ id: string; type: string; chatId?: string; data: Record<string, unknown> }> = [];
  const connection: string[] = [];
  const resyncs: unknown[] = [];
  a.on('event', (e) => events.push(e as (typeof events)[number]));
  a.on('connection', (c) => connection.push(c));
  a.on('resync', (r) => resyncs.push(r));
  /** Log events of `chatId` (chat.event), by log type. */
  const chatEvents = (chatId: string, type?: string) =>
    events.filter((e) => e.type === 'chat.event' && e.chatId === chatId && (type === undefined || e.data['type'] === type)).map((e) => e.data);
  return {
    events,
    connection,
    resyncs,
    chatEvents,
    visitorTexts: (chatId: string) => chatEvents(chatId, 'ChasitorChatMessage').map((d) => String((d['data'] as { text: string }).text)),
    offers: () => events.filter((e) => e.type === 'offer'),
  };
}

/** A loopback port nobody listens on (taken, then released): connections to it are refused. */
export async function deadPort(): Promise<number> {
  const { createServer } = await import('node:net');
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const addr = srv.address();
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  if (!addr || typeof addr !== 'object') throw new Error('no port');
  return addr.port;
}

/**
 * The demo agent online on its stream and a visitor on the human button, the
 * chat accepted and established: the start of every network test. `agentUrl` and
 * `visitorUrl` say which side goes through a proxy; the offer is found by the
 * visitor's name, so chats of other tests on the same server do not matter.
 */
export async function humanChat(o: {
  agentUrl: string; visitorUrl: string; visitorName: string;
  agent?: Partial<AgentClientOptions>; visitor?: Partial<VisitorClientOptions>;
}) {
  const agent = new AgentClient({ baseUrl: o.agentUrl, WebSocket, retry: FAST_RETRY, ...o.agent });
  await agent.login(DEMO.agentLogin.username, DEMO.agentLogin.password);
  const ar = recordAgent(agent);
  await agent.connect();
  await agent.setPresence('online');
  const v = new VisitorClient({
    baseUrl: o.visitorUrl, organizationId: DEMO.organizationId, deploymentId: DEMO.deploymentId, buttonId: DEMO.humanButtonId,
    visitorName: o.visitorName, retry: FAST_RETRY, ...o.visitor,
  });
  const vr = recordVisitor(v);
  await v.start();
  const offer = () => ar.offers().find((e) => e.data['visitorName'] === o.visitorName);
  await until(() => offer() !== undefined, 'an offer', 10_000, () => ar.events);
  const chatId = offer()!.chatId!;
  await agent.accept(chatId);
  await until(() => v.state === 'chatting', 'ChatEstablished');
  return { agent, ar, v, vr, chatId };
}

/**
 * Waits until the server holds at least `bytes` of uploads in memory (its gauge
 * switchboard_file_upload_bytes_in_flight): the moment a slow upload's first part has
 * been read and counted, which a client cannot see otherwise.
 */
export async function untilUploadBytesHeld(baseUrl: string, bytes: number, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  let last = '';
  while (Date.now() < deadline) {
    const text = await (await fetch(new URL('/metrics', baseUrl))).text();
    last = /^switchboard_file_upload_bytes_in_flight (\d+)$/m.exec(text)?.[1] ?? 'absent';
    if (Number(last) >= bytes) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`the server never held ${bytes} upload bytes (last reading: ${last})`);
}
