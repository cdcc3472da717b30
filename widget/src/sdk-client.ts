/**
 * The one place that knows the SDK's event shapes: it starts a VisitorClient
 * and turns its events into the few callbacks the widget renders. The SDK does
 * the Live Agent loop itself (long poll, acks, retries, 503 recovery).
 */
import { VisitorClient } from '../../packages/sdk/src/index.ts';

export interface PrechatDetail {
  label: string;
  value: string;
}

export interface ChatStart {
  baseUrl: string;
  organizationId: string;
  deploymentId: string;
  buttonId: string;
  visitorName: string;
  prechatDetails: PrechatDetail[];
}

export interface ChatCallbacks {
  queue(position: number, waitSeconds: number | undefined): void;
  established(agentName: string, sneakPeekEnabled: boolean): void;
  message(name: string, text: string): void;
  agentTyping(on: boolean): void;
  transferred(agentName: string): void;
  /** The agent (or the server) ended the chat. */
  ended(reason: string): void;
  failed(reason: string): void;
  /** false while the SDK is recovering a lost connection, true once it is back. */
  connection(ok: boolean): void;
}

export interface ChatConnection {
  send(text: string): void;
  typing(on: boolean): void;
  sneakPeek(text: string): void;
  end(): Promise<void>;
  /** Stops listening (the chat itself is left as it is). */
  dispose(): void;
}

type Fields = Record<string, unknown>;
const str = (e: unknown, k: string): string => (typeof e === 'object' && e !== null && typeof (e as Fields)[k] === 'string' ? String((e as Fields)[k]) : '');
const num = (e: unknown, k: string): number | undefined => (typeof e === 'object' && e !== null && typeof (e as Fields)[k] === 'number' ? Number((e as Fields)[k]) : undefined);

/** Reports a failed call once; the SDK retries transport errors itself. */
function report(what: string): (err: unknown) => void {
  return (err) => console.warn(`[switchboard] ${what} failed`, err);
}

export function connectChat(start: ChatStart, cb: ChatCallbacks): ChatConnection {
  const client = new VisitorClient({
    baseUrl: start.baseUrl,
    organizationId: start.organizationId,
    deploymentId: start.deploymentId,
    buttonId: start.buttonId,
    visitorName: start.visitorName,
    prechatDetails: start.prechatDetails.map((d) => ({ label: d.label, value: d.value, displayToAgent: true, transcriptFields: [], entityMaps: [] })),
    receiveQueueUpdates: true,
  });
  const offs = [
    client.on('queue', (e: unknown) => cb.queue(num(e, 'position') ?? num(e, 'queuePosition') ?? 0, num(e, 'estimatedWaitTime'))),
    client.on('established', (e: unknown) => cb.established(str(e, 'name'), (e as Fields | undefined)?.sneakPeekEnabled !== false)),
    client.on('message', (e: unknown) => cb.message(str(e, 'name'), str(e, 'text'))),
    client.on('agentTyping', (e: unknown) => cb.agentTyping(typeof e === 'boolean' ? e : (e as Fields | undefined)?.typing !== false)),
    client.on('transferred', (e: unknown) => cb.transferred(str(e, 'name'))),
    client.on('ended', (e: unknown) => cb.ended(str(e, 'reason'))),
    client.on('failed', (e: unknown) => cb.failed(str(e, 'reason'))),
    client.on('connection', (e: unknown) => cb.connection(connected(e))),
  ];
  client.start().catch((err: unknown) => cb.failed(err instanceof Error ? err.message : String(err)));
  return {
    send: (text) => { client.send(text).catch(report('send')); },
    typing: (on) => { client.typing(on).catch(report('typing')); },
    sneakPeek: (text) => { client.sneakPeek(text).catch(report('sneak peek')); },
    end: () => client.end().catch(report('end')),
    dispose: () => offs.forEach((off) => off()),
  };
}

function connected(e: unknown): boolean {
  const s = typeof e === 'string' ? e : str(e, 'state') || str(e, 'status');
  return !/reconnect|offline|lost|retry|down/i.test(s);
}
