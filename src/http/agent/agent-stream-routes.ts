/**
 * The agent's realtime stream: a WebSocket at /agent/v1/stream, and the same
 * events as Server-Sent Events at /agent/v1/events for clients that cannot use
 * WebSocket. Resume with `lastEventId` (query) or the `Last-Event-ID` header.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AgentStreamHub, StreamEvent } from '../../core/agent-stream-hub.js';
import type { UserDirectory } from '../../core/identity/user-directory.js';
import { SwitchboardError } from '../../protocol/errors.js';
import { renderError } from '../error-catalogue.js';
import { authenticate } from './agent-access.js';

const SSE_KEEPALIVE_MS = 15_000;

function lastEventIdOf(req: FastifyRequest): string | undefined {
  const q = (req.query as Record<string, unknown>).lastEventId;
  if (typeof q === 'string' && q) return q;
  const h = req.headers['last-event-id'];
  return typeof h === 'string' && h ? h : undefined;
}

export function registerAgentStreamRoutes(app: FastifyInstance, users: UserDirectory, hub: AgentStreamHub): void {
  app.get('/agent/v1/stream', { websocket: true }, (socket, req) => {
    let principal;
    try {
      principal = authenticate(users, req, 'agent');
    } catch (err) {
      const r = err instanceof SwitchboardError ? renderError(err.code, err.detail) : renderError('INTERNAL');
      socket.send(JSON.stringify({ type: 'error', status: r.status, message: r.body }));
      socket.close(4000 + (r.status % 1000), r.body.slice(0, 100));
      return;
    }
    const send = (e: StreamEvent) => { if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(e)); };
    const sub = hub.subscribe(principal.userId, lastEventIdOf(req), send);
    if (sub.resume.kind === 'resync') socket.send(JSON.stringify({ type: 'resync', reason: sub.resume.reason, snapshot: sub.resume.snapshot }));
    else for (const e of sub.resume.events) send(e);
    socket.on('message', () => hub.heartbeat(principal.userId)); // any client frame counts as a heartbeat
    socket.on('close', () => sub.close());
  });

  app.get('/agent/v1/events', (req, reply) => {
    const principal = authenticate(users, req, 'agent');
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
      ...(req.headers.origin ? { 'Access-Control-Allow-Origin': req.headers.origin, 'Access-Control-Allow-Credentials': 'true' } : {}),
    });
    res.flushHeaders(); // a client with nothing pending must not wait for the first event to connect
    const write = (e: { id?: string; type: string; data: unknown }) => {
      res.write(`${e.id ? `id: ${e.id}\n` : ''}event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
    };
    const sub = hub.subscribe(principal.userId, lastEventIdOf(req), (e) => write(e));
    // Same frame shape as the WebSocket's resync.
    if (sub.resume.kind === 'resync') res.write(`event: resync\ndata: ${JSON.stringify({ type: 'resync', reason: sub.resume.reason, snapshot: sub.resume.snapshot })}\n\n`);
    else for (const e of sub.resume.events) write(e);
    const keepalive = setInterval(() => { res.write(': keepalive\n\n'); hub.heartbeat(principal.userId); }, SSE_KEEPALIVE_MS);
    keepalive.unref();
    res.on('close', () => { clearInterval(keepalive); sub.close(); });
  });
}
