/**
 * A scripted Live Agent visitor: SessionId → ChasitorInit → Messages loop.
 * Every step is an explicit method so a test decides what is sent when, and
 * every Messages answer is checked against the invariants of wire-compat.md
 * (non-empty `messages`, integer `sequence`/`offset` that only go up, state
 * changes only at `messages[0]`, empty 204 body).
 */
import { expect } from 'vitest';
import type { Res, ReqOptions, TestServer } from './harness.js';

export const ORG_ID = '00D000000000001';
export const DEPLOYMENT_ID = '572000000000001';
/** Standard button served by the demo bot. */
export const BOT_BUTTON = '573000000000001';
/** Standard button with no agents. */
export const EMPTY_BUTTON = '573000000000002';
export const BOT_USER_ID = '005000000000001';
export const BOT_NAME = 'Demo Bot';
export const API_VERSION = '34';
export const SESSION_GONE = 'Session required but was invalid or not found';
export const INVALID_AFFINITY = 'Invalid Affinity Token';

/** Events that change the chat's state: only ever at messages[0] (wire-compat, System/Messages). */
export const STATE_CHANGING = new Set(['ChatRequestSuccess', 'ChatRequestFail', 'ChatEstablished', 'ChatTransferred', 'ChatEnded']);

export interface LaMessage {
  type: string;
  message: Record<string, unknown>;
}

export interface PollResult extends Res {
  messages: LaMessage[];
  sequence?: number;
  offset?: number;
}

/** How the visitor fills `ack` when a poll does not say. */
export type AckMode =
  /** The last `sequence` received, -1 before the first (the guide). */
  | 'sequence'
  /** No `ack` parameter at all (official Android SDK). */
  | 'none'
  /** `-1` on every poll (a client that never reads `sequence`). */
  | 'minus-one'
  /** Own counter: -1, 0, 1, ... one step per Messages request. */
  | 'counter'
  /** Own count of answers with messages: -1, then one step per 200 (one behind `sequence`; a 204 does not move it). */
  | 'answers';

export interface PollOptions {
  /** `null` sends no ack; undefined follows the visitor's ack mode. */
  ack?: number | string | null;
  query?: Record<string, string | number>;
  signal?: AbortSignal;
  timeoutMs?: number;
  headers?: Record<string, string>;
  /** Skip the "sequence/offset only go up" check (re-delivery tests). */
  allowRewind?: boolean;
}

export interface PostOptions {
  /** Explicit X-LIVEAGENT-SEQUENCE; `null` sends none; undefined uses the next one. */
  sequence?: number | null;
  headers?: Record<string, string>;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export class Visitor {
  key = '';
  id = '';
  /** Sent as X-LIVEAGENT-AFFINITY; `null` (the string) before SessionId, as clients do. */
  affinity = 'null';
  clientPollTimeout: unknown;
  /** Last X-LIVEAGENT-SEQUENCE sent. */
  sentSequence = 0;
  /** Last `sequence` / `offset` received in a 200. */
  lastSequence: number | undefined;
  lastOffset: number | undefined;
  ackMode: AckMode = 'sequence';
  private counter = -1;
  private answers = -1;
  /** Every message received, in order, over the visitor's life. */
  readonly received: LaMessage[] = [];
  /** Every 200 payload, in order. */
  readonly payloads: PollResult[] = [];

  constructor(readonly server: TestServer) {}

  /** Headers of an in-session request. */
  headers(extra: Record<string, string> = {}): Record<string, string> {
    return {
      'X-LIVEAGENT-API-VERSION': API_VERSION,
      'X-LIVEAGENT-AFFINITY': this.affinity,
      ...(this.key ? { 'X-LIVEAGENT-SESSION-KEY': this.key } : {}),
      ...extra,
    };
  }

  /** GET System/SessionId; `affinity: undefined` sends no affinity header. */
  async createSession(opts: { affinity?: string | undefined; query?: Record<string, string> } = { affinity: 'null' }): Promise<Res> {
    const headers: Record<string, string> = { 'X-LIVEAGENT-API-VERSION': API_VERSION };
    if (opts.affinity !== undefined) headers['X-LIVEAGENT-AFFINITY'] = opts.affinity;
    const res = await this.server.req('GET', 'System/SessionId', { headers, query: opts.query });
    expect(res.status, `SessionId: ${res.text}`).toBe(200);
    const body = res.json;
    if (!isRecord(body)) throw new Error(`SessionId body is not a JSON object: ${res.text}`);
    this.key = String(body['key']);
    this.id = String(body['id']);
    this.affinity = String(body['affinityToken']);
    this.clientPollTimeout = body['clientPollTimeout'];
    return res;
  }

  /** The ChasitorInit body real clients send for this deployment, merged with `extra`. */
  initBody(buttonId = BOT_BUTTON, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      organizationId: ORG_ID,
      deploymentId: DEPLOYMENT_ID,
      buttonId,
      sessionId: this.id,
      userAgent: 'Mozilla/5.0 (switchboard protocol suite)',
      language: 'en-US',
      screenResolution: '1920x1080',
      visitorName: 'Test Visitor',
      prechatDetails: [],
      prechatEntities: [],
      receiveQueueUpdates: true,
      isPost: true,
      ...extra,
    };
  }

  /** POST Chasitor/ChasitorInit with X-LIVEAGENT-SEQUENCE 1 (or as told). */
  init(body: unknown = this.initBody(), opts: PostOptions = {}): Promise<Res> {
    return this.post('Chasitor/ChasitorInit', body, { sequence: 1, ...opts });
  }

  /** POST a noun in this session; the sequence header counts up unless told otherwise. */
  async post(noun: string, body?: unknown, opts: PostOptions = {}): Promise<Res> {
    const headers = this.headers(opts.headers);
    let seq = opts.sequence;
    if (seq === undefined) seq = this.sentSequence + 1;
    if (seq !== null) {
      headers['X-LIVEAGENT-SEQUENCE'] = String(seq);
      this.sentSequence = Math.max(this.sentSequence, seq);
    }
    const reqOpts: ReqOptions = { headers, body };
    return this.server.req('POST', noun, reqOpts);
  }

  /** POST Chasitor/ChatMessage and require `200 OK`. */
  async say(text: string): Promise<void> {
    const res = await this.post('Chasitor/ChatMessage', { text });
    expect(res.status, `ChatMessage ${JSON.stringify(text.slice(0, 40))}: ${res.text}`).toBe(200);
    expect(res.text).toBe('OK');
  }

  private nextAck(): number | null {
    switch (this.ackMode) {
      case 'none':
        return null;
      case 'minus-one':
        return -1;
      case 'counter':
        return this.counter++;
      case 'answers':
        return this.answers;
      case 'sequence':
        return this.lastSequence ?? -1;
    }
  }

  /** One GET System/Messages, checked against the payload invariants. */
  async poll(opts: PollOptions = {}): Promise<PollResult> {
    const ack = opts.ack === undefined ? this.nextAck() : opts.ack;
    const query: Record<string, string | number> = { ...(ack === null ? {} : { ack }), ...opts.query };
    const res = await this.server.req('GET', 'System/Messages', {
      headers: this.headers(opts.headers),
      query,
      signal: opts.signal,
      timeoutMs: opts.timeoutMs ?? this.server.pollHoldMs + 15_000,
    });
    const result: PollResult = { ...res, messages: [] };
    if (res.status === 204) {
      expect(res.text, '204 must have an empty body').toBe('');
      return result;
    }
    if (res.status !== 200) return result;

    const body = res.json;
    if (!isRecord(body)) throw new Error(`Messages 200 body is not a JSON object: ${res.text}`);
    const messages = body['messages'];
    expect(Array.isArray(messages) && messages.length > 0, `every 200 carries a non-empty messages array: ${res.text}`).toBe(true);
    for (const m of messages as unknown[]) {
      expect(isRecord(m) && typeof m['type'] === 'string' && isRecord(m['message']), `message shape {type, message}: ${JSON.stringify(m)}`).toBe(true);
    }
    result.messages = messages as LaMessage[];
    for (const m of result.messages) expectWellFormed(m);
    result.messages.forEach((m, i) => {
      if (i > 0) expect(STATE_CHANGING.has(m.type), `${m.type} must open a payload, found at messages[${i}]: ${res.text}`).toBe(false);
    });
    const { sequence, offset } = body;
    expect(Number.isInteger(sequence), `sequence is an integer: ${res.text}`).toBe(true);
    expect(Number.isInteger(offset), `offset is an integer: ${res.text}`).toBe(true);
    result.sequence = sequence as number;
    result.offset = offset as number;
    if (!opts.allowRewind) {
      const ctx = `(ack sent: ${ack === null ? 'none' : JSON.stringify(ack)}; a re-delivery?) payload ${res.text.slice(0, 300)}`;
      if (this.lastSequence !== undefined) expect(result.sequence, `sequence only goes up ${ctx}`).toBeGreaterThan(this.lastSequence);
      if (this.lastOffset !== undefined) expect(result.offset, `offset only goes up ${ctx}`).toBeGreaterThan(this.lastOffset);
    }
    this.lastSequence = result.sequence;
    this.lastOffset = result.offset;
    this.answers++;
    this.payloads.push(result);
    this.received.push(...result.messages);
    return result;
  }

  /**
   * Polls until `done(received)` holds, within `timeoutMs`. Any status other
   * than 200/204 fails the test with the status and body.
   */
  async pollUntil(done: (received: LaMessage[]) => boolean, what: string, timeoutMs = 15_000): Promise<LaMessage[]> {
    const deadline = Date.now() + timeoutMs;
    while (!done(this.received)) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; received ${JSON.stringify(this.received.map((m) => m.type))}`);
      const res = await this.poll();
      if (res.status !== 200 && res.status !== 204) throw new Error(`Messages answered ${res.status} ${JSON.stringify(res.text)} while waiting for ${what}`);
    }
    return this.received;
  }

  /** Waits for the next message of `type` after the first `from` received messages. */
  async waitFor(type: string, what = type, from = 0): Promise<LaMessage> {
    const find = (all: LaMessage[]): LaMessage | undefined => all.slice(from).find((m) => m.type === type);
    await this.pollUntil((all) => find(all) !== undefined, what);
    return find(this.received) as LaMessage;
  }

  /**
   * Forgets the last sequence/offset (after ResyncSession/ReconnectSession the
   * numbering may start over): the next poll acks -1 and is not compared.
   */
  forgetCursor(): void {
    this.lastSequence = undefined;
    this.lastOffset = undefined;
  }

  /** Texts of every ChatMessage received, in order. */
  texts(): string[] {
    return this.received.filter((m) => m.type === 'ChatMessage').map((m) => String(m.message['text']));
  }

  /** Texts of the agent ChatMessages after the greeting (the echoes). */
  echoes(): string[] {
    return this.texts().slice(1);
  }

  /** Waits until the echoes are at least `texts` (in order) and returns all echoes. */
  async awaitEchoes(texts: string[], timeoutMs = 15_000): Promise<string[]> {
    await this.pollUntil((all) => all.filter((m) => m.type === 'ChatMessage').length >= texts.length + 1, `echoes of ${JSON.stringify(texts)}`, timeoutMs);
    return this.echoes();
  }

  /**
   * Asserts nothing more is pending: a poll answers 204. With a long hold
   * (external server) the poll is cut after 3 s and counted as quiet.
   */
  async expectNoMore(): Promise<void> {
    if (this.server.pollHoldMs <= 5_000) {
      const res = await this.poll();
      expect(res.status, `expected nothing pending, got ${res.status} ${res.text}`).toBe(204);
      return;
    }
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), 3_000);
    try {
      const res = await this.poll({ signal: ac.signal });
      expect(res.status, `expected nothing pending, got ${res.status} ${res.text}`).toBe(204);
    } catch (err) {
      if (!ac.signal.aborted) throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  /** SessionId, ChasitorInit on `buttonId`, then poll until ChatEstablished and the greeting. */
  async start(buttonId = BOT_BUTTON): Promise<void> {
    await this.createSession();
    const res = await this.init(this.initBody(buttonId));
    expect(res.status, `ChasitorInit: ${res.text}`).toBe(200);
    expect(res.text).toBe('OK');
    await this.pollUntil((all) => {
      const at = all.findIndex((m) => m.type === 'ChatEstablished');
      return at >= 0 && all.slice(at + 1).some((m) => m.type === 'ChatMessage');
    }, 'ChatEstablished and the greeting');
  }

  /**
   * The v34 recovery after a node change: a request with a stale affinity token gets
   * 503, then ResyncSession, the poll that brings ChasitorSessionData, and
   * ChasitorResyncState (no sequence). Key and token are the answer's afterwards.
   */
  async resyncAfter503(): Promise<void> {
    const real = this.affinity;
    this.affinity = real === 'deadbeef' ? 'feedface' : 'deadbeef';
    const refused = await this.poll();
    expect(refused.status, `a stale affinity token: ${refused.text}`).toBe(503);
    const res = await this.server.req('GET', 'System/ResyncSession', { headers: this.headers(), query: { SessionId: this.id } });
    expect(res.status, `ResyncSession: ${res.text}`).toBe(200);
    const body = res.json;
    if (!isRecord(body)) throw new Error(`ResyncSession body is not a JSON object: ${res.text}`);
    this.key = String(body['key']);
    this.affinity = String(body['affinityToken']);
    this.forgetCursor();
    await this.waitFor('ChasitorSessionData', 'ChasitorSessionData after ResyncSession', this.received.length);
    expectOk(await this.post('Chasitor/ChasitorResyncState', { organizationId: ORG_ID }, { sequence: null }), 'ChasitorResyncState');
  }

  /** POST Chasitor/ChatEnd with `body` (default `{reason: "client"}`). */
  end(body: unknown = { reason: 'client' }): Promise<Res> {
    return this.post('Chasitor/ChatEnd', body);
  }
}

/**
 * The fields wire-compat.md lists per message type ("Message types clients
 * handle"), checked on every message of those types that a poll delivers.
 */
export function expectWellFormed(m: LaMessage): void {
  const b = m.message;
  const what = `${m.type} ${JSON.stringify(b).slice(0, 300)}`;
  const str = (k: string): void => expect(typeof b[k], `${what}: ${k} is a string`).toBe('string');
  const num = (k: string): void => expect(typeof b[k], `${what}: ${k} is a number`).toBe('number');
  const int = (k: string): void => expect(Number.isInteger(b[k]), `${what}: ${k} is an integer`).toBe(true);
  const bool = (k: string): void => expect(typeof b[k], `${what}: ${k} is a boolean`).toBe('boolean');
  switch (m.type) {
    case 'ChatMessage':
      str('text');
      str('name');
      break;
    case 'AgentTyping':
    case 'AgentNotTyping':
      str('name');
      str('agentId');
      break;
    case 'QueueUpdate':
      int('position');
      if ('estimatedWaitTime' in b) num('estimatedWaitTime');
      break;
    case 'ChatRequestSuccess':
      int('queuePosition');
      num('estimatedWaitTime');
      num('connectionTimeout');
      str('visitorId');
      break;
    case 'ChatRequestFail':
      expect(['Unavailable', 'NoPost', 'InternalFailure'], what).toContain(b['reason']);
      break;
    case 'ChatEstablished':
    case 'ChatTransferred':
      str('name');
      str('userId');
      bool('sneakPeekEnabled');
      break;
    case 'ChatEnded':
      if ('reason' in b) str('reason');
      if ('attachedRecords' in b) expect(Array.isArray(b['attachedRecords']), what).toBe(true);
      break;
    case 'CustomEvent':
      str('type');
      break;
    case 'NewVisitorBreadcrumb':
      str('location');
      break;
    case 'AgentJoinedConference':
    case 'AgentLeftConference':
      // Exactly the later API's `{name}`: which agent it was (agentId, why it left) is for agents only.
      expect(Object.keys(b), what).toEqual(['name']);
      str('name');
      break;
  }
}

/** Asserts a short plain-text error body (wire-compat: "Error bodies are short plain text"). */
export function expectPlainError(res: Res, status: number, contains?: string, context = ''): void {
  expect(res.status, `${context} expected ${status}, got body ${JSON.stringify(res.text.slice(0, 300))}`).toBe(status);
  expect(res.headers.get('content-type') ?? '', 'error bodies are text/plain').toMatch(/^text\/plain/);
  expect(res.text.length, 'error body is short').toBeLessThanOrEqual(200);
  expect(res.text.length, 'error body is not empty').toBeGreaterThan(0);
  expect(() => JSON.parse(res.text) as unknown, 'error body is plain text, not JSON').toThrow();
  if (contains !== undefined) expect(res.text).toContain(contains);
}

/** Asserts the `200` plain `OK` (no newline) of a successful POST. */
export function expectOk(res: Res, what = 'POST'): void {
  expect(res.status, `${what}: ${res.text}`).toBe(200);
  expect(res.text, `${what} answers the plain body OK`).toBe('OK');
}
