/**
 * How a bot reaches the agent API. The in-process transport goes through the
 * server's public routes (fastify `inject` for REST, `injectWS` for the stream):
 * the same auth, validation and handlers as any external client, without a
 * socket. An external bot would use HTTP and WebSocket with the same interface.
 */
import type { FastifyInstance } from 'fastify';
import type WebSocket from 'ws';

export interface AgentTransport {
  request<T = unknown>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** Opens the stream; returns a function that closes it. `onClose` hears a close it did not ask for. */
  stream(onMessage: (msg: { type: string; id?: string; chatId?: string; data?: unknown; snapshot?: unknown }) => void, onClose?: () => void): Promise<() => void>;
}

type WsCapable = FastifyInstance & { injectWS(path: string, ctx?: unknown): Promise<WebSocket> };

export class InjectTransport implements AgentTransport {
  constructor(
    private readonly app: FastifyInstance,
    private readonly token: string,
  ) {}

  async request<T>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<{ status: number; body: T }> {
    const res = await this.app.inject({
      method, url: path,
      headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
    const text = res.body;
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // plain-text error body: keep the text
    }
    return { status: res.statusCode, body: parsed as T };
  }

  async stream(onMessage: (msg: { type: string; id?: string; chatId?: string; data?: unknown }) => void, onClose?: () => void): Promise<() => void> {
    const ws = await (this.app as WsCapable).injectWS(`/agent/v1/stream?access_token=${encodeURIComponent(this.token)}`);
    let closing = false;
    ws.on('message', (raw: Buffer) => onMessage(JSON.parse(raw.toString('utf8')) as { type: string }));
    // The server pings every stream socket and cuts one that does not answer (agentStreamPingSeconds).
    // injectWS's client does not answer pings by itself: without this the bot was cut after a minute.
    ws.on('ping', (data: Buffer) => ws.pong(data));
    ws.on('close', () => { if (!closing) onClose?.(); });
    return () => {
      closing = true;
      ws.terminate();
    };
  }
}
