/**
 * The long poll straight from node:http: `GET /chat/rest/System/Messages` (the
 * guide's spelling) goes to the same gate function as every other visitor
 * request, but with a slim request and reply over the bare node:http objects
 * instead of fastify's. A held poll lives for seconds, so whatever it references
 * is copied by every young-generation GC; fastify's Request, Reply, their
 * listeners and per-request state were ~0.5 KB of each held poll, and answering
 * here allocates ~1.7 KB less per message (ADR 0014, bench/results/profiling-notes.md).
 *
 * Everything else (other spellings, other nouns, other methods) goes through
 * fastify unchanged; an equivalence test (test/protocol/poll-spellings.test.ts)
 * asks both ways and compares status, headers and body.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import type { TLSSocket } from 'node:tls';
import { addCorsHeaders, originRefused, type OriginPolicy } from '../cors.js';
import { visitorTarget } from '../request-target.js';
import type { GateHandler, GateReply, GateRequest } from './visitor-gate.js';

const POLL_PATH = '/chat/rest/System/Messages';
const QUESTION_MARK = 63;

/**
 * The target of a request the fast path answers, a GET of the poll noun in its usual spelling; null
 * for anything else (fastify's). The exact path, what clients send, is checked first and costs what it
 * always did; only when that fails is a visitor path with doubled or trailing slashes
 * (`/chat/rest//System/Messages`) read in its single-slash form (visitorTarget, ADR 0029) and checked again.
 */
export function pollTarget(req: IncomingMessage): string | null {
  if (req.method !== 'GET') return null;
  const url = req.url ?? '';
  if (isPollPath(url)) return url;
  const single = visitorTarget(url);
  return single !== url && isPollPath(single) ? single : null;
}

function isPollPath(url: string): boolean {
  return url.startsWith(POLL_PATH) && (url.length === POLL_PATH.length || url.charCodeAt(POLL_PATH.length) === QUESTION_MARK);
}

/** How the fast path answers a failure: the same renderer, metric and log line as fastify's error handler. */
export interface FailureRenderer {
  (err: unknown, url: string, client: ClientAddress): { status: number; body: string; retryAfterSeconds?: number };
}

/** Told of each successful answer (the debug log line); null when nobody listens, as with debug off. */
export type SuccessListener = ((url: string, status: number, client: ClientAddress) => void) | null;

/**
 * What names a poll's client in a log line: the peer, and the X-Forwarded-For it sent when the
 * server believes proxies (server.trustProxy). The header is kept as it came (no parsing per
 * poll): the address is worked out only for a line that is logged, after the request's headers
 * were let go (releaseHeaders).
 */
export interface ClientAddress {
  readonly socket: { readonly remoteAddress?: string | undefined };
  readonly headers: { readonly 'x-forwarded-for'?: string | undefined };
}

/** What every reply of the fast path shares: one reference per held poll, whatever it holds. */
interface AnswerHooks {
  readonly renderFailure: FailureRenderer;
  readonly answered: SuccessListener;
}

/**
 * The query of a poll URL. Real clients send `ack=<n>` alone: that form is read
 * with one slice (what querystring's parser gives when nothing needs decoding or
 * splitting, poll-fast-path.test.ts); anything else goes to the parser.
 */
export function pollQuery(url: string): Record<string, unknown> {
  const q = url.indexOf('?');
  if (q < 0) return {};
  const search = url.slice(q + 1);
  if (search.startsWith('ack=')) {
    const value = search.slice(4);
    if (!NEEDS_QUERY_PARSER.test(value)) return { ack: value };
  }
  return parseQuery(search);
}
const NEEDS_QUERY_PARSER = /[&=%+]/;

/**
 * Lets go of a poll request's headers once the gate has read them. A held poll
 * keeps its IncomingMessage for the whole hold, and with it every header as a
 * separate string (a Live Agent poll carries four of its own): ~0.6 KB that each
 * young-generation GC would copy and then promote. The gate reads headers only
 * while it runs, synchronously; node:http reads them before it hands the request
 * over (Host, Expect), and never for an answer. Only the fast path does this: it
 * owns the request, fastify never sees it.
 */
function releaseHeaders(req: IncomingMessage): void {
  req.rawHeaders = NO_RAW_HEADERS;
  req.headers = NO_HEADERS;
}
const NO_RAW_HEADERS: string[] = [];
const NO_HEADERS: IncomingHttpHeaders = Object.freeze({});

class PollRequest implements GateRequest {
  constructor(private readonly raw: IncomingMessage) {}

  get method(): string {
    return 'GET';
  }

  get url(): string {
    return this.raw.url ?? POLL_PATH;
  }

  get headers(): IncomingHttpHeaders {
    return this.raw.headers;
  }

  /** The peer's address: the poll noun never reads it (server.trustProxy matters only where the gate does: new sessions). */
  get ip(): string {
    return this.raw.socket.remoteAddress ?? '';
  }

  get protocol(): string {
    return (this.raw.socket as Partial<TLSSocket>).encrypted ? 'https' : 'http';
  }

  get query(): unknown {
    return pollQuery(this.url);
  }

  get body(): unknown {
    return undefined;
  }
}

class PollReply implements GateReply {
  private status = 200;
  /**
   * Made on the first header set: most polls set none until they are answered,
   * so a held poll does not keep an empty object alive for its whole hold.
   */
  private headers: Record<string, string> | null = null;

  constructor(
    readonly raw: ServerResponse,
    private readonly url: string,
    private readonly hooks: AnswerHooks,
    /** The request's X-Forwarded-For, kept only when proxies are believed (pollFastPath's keepsForwardedFor). */
    private readonly forwardedFor: string | undefined,
  ) {}

  /** The client for a log line (ClientAddress). */
  private client(): ClientAddress {
    return { socket: this.raw.socket ?? {}, headers: { 'x-forwarded-for': this.forwardedFor } };
  }

  header(name: string, value: string): this {
    (this.headers ??= {})[name.toLowerCase()] = value;
    return this;
  }

  code(status: number): this {
    this.status = status;
    return this;
  }

  type(contentType: string): this {
    (this.headers ??= {})['content-type'] = contentType;
    return this;
  }

  send(payload?: unknown): this {
    if (this.raw.headersSent || this.raw.destroyed) return this;
    if (payload instanceof Error) {
      const answer = this.hooks.renderFailure(payload, this.url, this.client());
      if (answer.retryAfterSeconds !== undefined) this.header('Retry-After', String(answer.retryAfterSeconds));
      return this.code(answer.status).type('text/plain; charset=utf-8').send(answer.body);
    }
    const headers = (this.headers ??= {});
    // As the gate's send() (no shared cache may keep a poll answer): set here, at the answer,
    // so a held poll carries no headers object until then.
    headers['cache-control'] = 'no-store';
    headers['x-content-type-options'] = 'nosniff';
    if (this.hooks.answered !== null && this.status < 400) this.hooks.answered(this.url, this.status, this.client());
    if (this.status === 204) {
      // As fastify answers a 204: no body, no content headers.
      delete headers['content-type'];
      this.raw.writeHead(204, headers);
      this.raw.end();
      return this;
    }
    const body = typeof payload === 'string' ? payload : payload === undefined ? '' : String(payload);
    headers['content-length'] = String(Buffer.byteLength(body));
    this.raw.writeHead(this.status, headers);
    this.raw.end(body);
    return this;
  }
}

/**
 * The fast path: answers `req` and returns true when it is a poll, else returns false and leaves it to fastify.
 * `answered` hears of each success (null: nothing is done per success).
 */
export function pollFastPath(gate: GateHandler, allowsOrigin: OriginPolicy, renderFailure: FailureRenderer, answered: SuccessListener = null, keepsForwardedFor = false): (req: IncomingMessage, res: ServerResponse) => boolean {
  const hooks: AnswerHooks = { renderFailure, answered };
  return (req, res) => {
    const target = pollTarget(req);
    if (target === null) return false;
    // The gate and the log lines read the path as routed (single slashes), as fastify's requests do.
    if (target !== req.url) req.url = target;
    const forwardedFor = keepsForwardedFor ? firstHeader(req.headers['x-forwarded-for']) : undefined;
    const reply = new PollReply(res, req.url ?? POLL_PATH, hooks, forwardedFor);
    const origin = req.headers.origin;
    try {
      if (origin && !allowsOrigin(origin, req.headers.host)) throw originRefused(origin);
      addCorsHeaders(origin, reply);
      gate(new PollRequest(req), reply);
    } catch (err) {
      reply.send(err instanceof Error ? err : new Error(String(err)));
    }
    releaseHeaders(req);
    return true;
  };
}

/** X-Forwarded-For as one string (node joins repeated ones; a type guard for the odd array). */
function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}
