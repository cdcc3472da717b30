/**
 * The agent's realtime stream: a WebSocket at /agent/v1/stream, and the same
 * events as Server-Sent Events at /agent/v1/events for clients that cannot use
 * WebSocket. Resume with `lastEventId` (query) or the `Last-Event-ID` header.
 * A browser, which cannot set headers on either, sends a single-use `?ticket=`
 * (POST /agent/v1/stream-ticket, ADR 0028) rather than its token in the URL.
 * The WebSocket also takes chat actions as command frames (chat-actions.ts), so
 * an agent that already holds its socket does not pay an HTTP request per message.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { resyncFrame, type AgentStreamHub, type SerializedEvent } from '../../core/agent-stream-hub.js';
import type { ChatEngine } from '../../core/chat-engine.js';
import type { StreamTickets } from '../../core/identity/stream-tickets.js';
import { roleAtLeast, type Role, type UserDirectory } from '../../core/identity/user-directory.js';
import { StreamEvent } from '../../protocol/agent-api-types.js';
import { mayHoldNul, replaceNul } from '../../protocol/client-json.js';
import { fail, SwitchboardError } from '../../protocol/errors.js';
import { MAX_JSON_DEPTH, nestedDeeperThan } from '../../protocol/json-depth.js';
import { renderError } from '../error-catalogue.js';
import { streamPrincipal } from './agent-access.js';
import { chatActionNamed, checkActionBody, type ActionContext } from './chat-actions.js';
import { requestOrigin } from '../request-origin.js';

const SSE_KEEPALIVE_MS = 15_000;

function lastEventIdOf(req: FastifyRequest): string | undefined {
  const q = (req.query as Record<string, unknown>).lastEventId;
  if (typeof q === 'string' && q) return q;
  const h = req.headers['last-event-id'];
  return typeof h === 'string' && h ? h : undefined;
}

/** A command frame: `{ref, action, chatId, body}`; `auth` replaces the socket's token. */
interface CommandFrame {
  ref?: unknown;
  action?: unknown;
  chatId?: unknown;
  body?: unknown;
}

/**
 * Sends text frames on a socket, coalescing the frames of one tick into one
 * write: a commit that answers many commands (or publishes many chat events)
 * then costs one syscall per socket instead of one per frame. The TCP socket is
 * ws's `_socket`, a field it has exposed unchanged since ws 1.x; without it,
 * frames simply go out one by one.
 */
/** Bytes a stream connection (WebSocket or SSE) may have waiting to be sent before it is cut (a slow or stalled reader). */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

function frameWriter(socket: WebSocket): (text: string) => void {
  const tcp = (socket as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
  let corked = false;
  const uncork = () => {
    corked = false;
    tcp!.uncork();
  };
  return (text) => {
    if (socket.readyState !== socket.OPEN) return;
    if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      // A reader this far behind (a stalled supervisor tab on a busy org) would grow the
      // server's memory without bound: cut it; it resumes from its last event id or resyncs.
      socket.terminate();
      return;
    }
    if (tcp && !corked) {
      corked = true;
      tcp.cork();
      process.nextTick(uncork);
    }
    socket.send(text);
  };
}

function errorReply(ref: unknown, err: unknown): string {
  const r = err instanceof SwitchboardError ? renderError(err.code, err.detail) : renderError('INTERNAL');
  return JSON.stringify({ type: 'reply', ref, ok: false, status: r.status, error: r.body });
}

/**
 * Runs the command frames of one socket. The credential is checked again for
 * every command (a revoked or expired token stops working on an open socket too);
 * replies go out after the group commit, in the order the commands arrived.
 */
function commandRunner(engine: ChatEngine, users: UserDirectory, send: (text: string) => void, userId: string, initialCredential: string, setRole: (role: Role) => void, ctx: ActionContext) {
  let credential = initialCredential;
  // Replies leave in the order the commands arrived: one that waits for the group commit
  // holds back the replies after it, refusals included (a 409 must not overtake the end
  // that caused it). While none waits, a reply goes out at once.
  let waiting = 0;
  let tail: Promise<void> = Promise.resolve();
  const sent = (text: string): void => {
    waiting -= 1;
    send(text);
  };
  const later = (reply: Promise<string>): void => {
    // Nothing waiting (an agent's usual send): no chain to join, one promise as before.
    tail = waiting++ === 0 ? reply.then(sent) : tail.then(() => reply).then(sent);
  };
  const now = (text: string): void => {
    if (waiting === 0) send(text);
    else later(Promise.resolve(text));
  };
  return (frame: CommandFrame): void => {
    const ref = typeof frame.ref === 'string' || typeof frame.ref === 'number' ? frame.ref : null;
    try {
      if (frame.action === 'auth') {
        const token = (frame.body as { token?: unknown } | undefined)?.token;
        if (typeof token !== 'string' || !users.authenticate(token)) fail('UNAUTHENTICATED', 'token invalid or expired');
        const next = users.authenticate(token)!;
        if (next.userId !== userId) fail('FORBIDDEN', 'a socket stays with the user it was opened for');
        credential = token;
        setRole(next.role);
        now(JSON.stringify({ type: 'reply', ref, ok: true, result: { ok: true } }));
        return;
      }
      const action = typeof frame.action === 'string' ? chatActionNamed(frame.action) : undefined;
      if (!action) fail('RESOURCE_NOT_FOUND', typeof frame.action === 'string' ? `action ${frame.action.slice(0, 40)}` : 'action must be a string');
      if (typeof frame.chatId !== 'string' || !frame.chatId) fail('BODY_INVALID', 'chatId must be a string');
      const principal = users.authenticate(credential) ?? fail('UNAUTHENTICATED', 'token invalid or expired');
      if (!roleAtLeast(principal.role, action.role)) fail('FORBIDDEN', `needs role ${action.role}`);
      if (nestedDeeperThan(frame.body)) fail('BODY_INVALID', `JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
      const result = action.run(engine, principal, frame.chatId, checkActionBody(action, frame.body), ctx);
      later(engine.queue.commit().then(
        () => JSON.stringify({ type: 'reply', ref, ok: true, result }),
        (err: unknown) => errorReply(ref, err),
      ));
    } catch (err) {
      now(errorReply(ref, err));
    }
  };
}

/** The user each open stream socket was opened for, so its error log can name them. */
const streamUsers = new WeakMap<FastifyRequest, string>();

/** ws's codes for a peer that broke the protocol (a frame over maxPayload: WS_ERR_UNSUPPORTED_MESSAGE_LENGTH, 1009). */
const CLIENT_PROTOCOL_ERROR = /^WS_ERR_/;
/** A peer that went away uncleanly: nothing the server can fix either. */
const CLIENT_NETWORK_ERRORS = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

/**
 * @fastify/websocket's errorHandler for stream sockets. Its default logs every socket
 * error at error level with a stack, so any client could fill the error log with
 * frames over 64 KB: a client's fault is a warning, with the message and the user,
 * and no stack (it would only show ws's frame parser). ws has already sent the
 * close frame with the status (1009 for a frame too large); the socket is cut.
 * Anything else (a throw in our handler) stays an error with its stack.
 */
export function onStreamSocketError(err: Error, socket: WebSocket, req: FastifyRequest): void {
  const code = (err as { code?: unknown }).code;
  const user = streamUsers.get(req) ?? null;
  if (typeof code === 'string' && (CLIENT_PROTOCOL_ERROR.test(code) || CLIENT_NETWORK_ERRORS.has(code))) {
    req.log.warn({ code, error: err.message, user }, 'agent stream socket closed: client error');
  } else {
    req.log.error({ err, user }, 'agent stream socket failed');
  }
  socket.terminate();
}

/** The answer to a client's `{"type":"heartbeat"}` frame (docs/agent-api.md). */
const HEARTBEAT_ANSWER = '{"type":"heartbeat"}';

export function registerAgentStreamRoutes(app: FastifyInstance, engine: ChatEngine, users: UserDirectory, tickets: StreamTickets, hub: AgentStreamHub, streamPingMs = 30_000): void {
  app.route({
    method: 'GET',
    url: '/agent/v1/stream',
    // A plain GET (a proxy that drops the Upgrade header, curl without it) reached
    // @fastify/websocket's default: 404 with an empty body, as if the route did not exist.
    handler: (_req, reply) => {
      void reply.header('Upgrade', 'websocket');
      fail('UPGRADE_REQUIRED', 'use /agent/v1/events for Server-Sent Events');
    },
    wsHandler: (socket, req) => streamSocket(socket, req),
  });

  function streamSocket(socket: WebSocket, req: FastifyRequest): void {
    const refuse = (err: unknown): void => {
      const r = err instanceof SwitchboardError ? renderError(err.code, err.detail) : renderError('INTERNAL');
      socket.send(JSON.stringify({ type: 'error', status: r.status, message: r.body }));
      socket.close(4000 + (r.status % 1000), r.body.slice(0, 100));
    };
    let opened;
    try {
      opened = streamPrincipal(users, tickets, req, 'agent');
    } catch (err) {
      return refuse(err);
    }
    const { principal, credential } = opened;
    streamUsers.set(req, principal.userId);
    const write = frameWriter(socket);
    // The event's JSON was made once by the hub, for every connection.
    const send = (e: SerializedEvent) => write(e.json);
    let sub;
    try {
      sub = hub.subscribe(principal.userId, principal.role, lastEventIdOf(req), send, () => {
        const r = renderError('UNAUTHENTICATED', 'credentials revoked');
        write(JSON.stringify({ type: 'error', status: r.status, message: r.body }));
        socket.close(4401, 'credentials revoked');
      }, write);
    } catch (err) {
      return refuse(err); // too many connections open for this user: close 4429
    }
    if (sub.resume.kind === 'resync') socket.send(resyncFrame(sub.resume.reason, sub.resume.snapshot));
    else for (const e of sub.resume.events) send(e);
    sub.announce();
    const runCommand = commandRunner(engine, users, write, principal.userId, credential, sub.setRole, { origin: requestOrigin(req) });
    // A peer that vanished without a close (sleep, a network change, a NAT timeout) leaves a
    // half-open socket that looks connected for as long as TCP keeps retrying: a ping every
    // STREAM_PING_MS, and a socket that answered none since the last one is cut, so presence
    // (the grace period) sees the agent gone. Browsers answer pings by themselves.
    let answered = true;
    const pinger = setInterval(() => {
      if (!answered) return socket.terminate();
      answered = false;
      socket.ping();
    }, streamPingMs);
    socket.on('pong', () => { answered = true; });
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      answered = true;
      hub.heartbeat(principal.userId); // any client frame counts as a heartbeat
      // Frames are at most 64 KB (the socket's maxPayload, main.ts), like a REST body.
      if (isBinary || data[0] !== 0x7b /* { */) return;
      const text = data.toString('utf8');
      let frame: CommandFrame;
      try {
        frame = JSON.parse(text) as CommandFrame;
      } catch {
        return; // not a command: a keep-alive in whatever form the client sends
      }
      if (frame === null || typeof frame !== 'object') return;
      if ('action' in frame) {
        // The body's NULs become U+FFFD, as a REST body's do (ADR 0035). Only the body: the
        // ref is echoed for the client to match, the chat id and action are looked up.
        if (frame.body !== undefined && mayHoldNul(text)) frame.body = replaceNul(frame.body);
        runCommand(frame);
      }
      // Answered, so a client can tell a live socket from a half-open one (browsers see no pings).
      else if ((frame as { type?: unknown }).type === 'heartbeat') write(HEARTBEAT_ANSWER);
    });
    socket.on('close', () => {
      clearInterval(pinger);
      sub.close();
    });
  }

  // At shutdown the event streams end at once (EventSource reconnects with Last-Event-ID):
  // an open one would otherwise hold the HTTP server's close until its forced close.
  const eventStreams = new Set<ServerResponse>();
  app.addHook('preClose', (done) => {
    for (const res of eventStreams) res.end();
    done();
  });

  // The schema is the OpenAPI document's and the route audit's (test/agent/route-schemas.test.ts):
  // the answer is hijacked and written by hand, fastify serializes nothing with it.
  app.get('/agent/v1/events', { schema: { response: { 200: { content: { 'text/event-stream': { schema: StreamEvent } } } } } }, (req, reply) => {
    const { principal } = streamPrincipal(users, tickets, req, 'agent');
    // Refused with a status while there still is one to send (429): the headers go out before subscribing.
    hub.checkRoomFor(principal.userId);
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
    const send = (text: string) => {
      if (res.destroyed || res.writableEnded) return;
      if (res.writableLength > MAX_BUFFERED_BYTES) {
        // As on the WebSocket: a stalled reader (a supervisor's tab on a busy org) grew the
        // heap without bound. Cut, it frees what waits; EventSource reconnects with Last-Event-ID.
        res.destroy();
        return;
      }
      res.write(text);
    };
    const write = ({ event, json }: SerializedEvent) => send(`id: ${event.id}\nevent: ${event.type}\ndata: ${json}\n\n`);
    // Same frame shape as the WebSocket's resync, with no `id:`.
    const resync = (frame: string) => send(`event: resync\ndata: ${frame}\n\n`);
    const sub = hub.subscribe(principal.userId, principal.role, lastEventIdOf(req), write, () => {
      const r = renderError('UNAUTHENTICATED', 'credentials revoked');
      res.end(`event: error\ndata: ${JSON.stringify({ type: 'error', status: r.status, message: r.body })}\n\n`);
    }, resync);
    if (sub.resume.kind === 'resync') resync(resyncFrame(sub.resume.reason, sub.resume.snapshot));
    else for (const e of sub.resume.events) write(e);
    sub.announce();
    const keepalive = setInterval(() => { send(': keepalive\n\n'); hub.heartbeat(principal.userId); }, SSE_KEEPALIVE_MS);
    keepalive.unref();
    eventStreams.add(res);
    res.on('close', () => { eventStreams.delete(res); clearInterval(keepalive); sub.close(); });
  });
}
