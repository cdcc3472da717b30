/**
 * The answer to a request node:http could not read (its `clientError` event): a
 * request line or header it cannot parse, headers over its limit (a browser with
 * a huge cookie), a request not received within the request timeout. Fastify's
 * default answers these in JSON and without CORS headers, so a browser widget
 * could read neither the status nor the reason. Here they answer like every
 * other error: the catalogue's plain text, `Cache-Control: no-store`, `nosniff`,
 * and the CORS headers when the Origin is one the server serves (cors.ts).
 *
 * The request never became an IncomingMessage, so its Origin and Host are read
 * from the bytes node had received (`rawPacket`): the same values the CORS hook
 * would have read, when they were among those bytes (the usual case: a browser
 * sends both before its cookies).
 */
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import type { ErrorCode } from '../protocol/errors.js';
import { addCorsHeadersWhenAllowed, type OriginPolicy } from './cors.js';
import { logErrorAnswer } from './answer-log.js';
import { renderError } from './error-catalogue.js';
import type { VisitorMetrics } from './metrics.js';

/** What node's `clientError` carries beyond an Error (parse errors have a reason and the raw bytes). */
interface ClientError extends Error {
  code?: string;
  reason?: string;
  rawPacket?: unknown;
}

/** The catalogue entry for each kind of client error node reports; anything else is a malformed request. */
function codeOf(err: ClientError): { code: ErrorCode; detail?: string } {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return { code: 'HEADERS_TOO_LARGE' };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { code: 'REQUEST_TIMEOUT', detail: 'the request was not received in time' };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return { code: 'BODY_TOO_LARGE', detail: 'chunk extensions' };
    default:
      return typeof err.reason === 'string' ? { code: 'REQUEST_MALFORMED', detail: err.reason.slice(0, 100) } : { code: 'REQUEST_MALFORMED' };
  }
}

/** A header's value as it appears in the raw request head (the last occurrence: the failed request is the last one in the bytes). */
function rawHeader(head: string, name: string): string | undefined {
  const re = new RegExp(`(?:^|\\n)${name}:[ \\t]*([^\\r\\n]*?)[ \\t]*(?=\\r?\\n|$)`, 'gi');
  let value: string | undefined;
  for (let m = re.exec(head); m; m = re.exec(head)) value = m[1];
  return value;
}

/** Only a value that is a plain token may be written back into a header (it came from bytes that failed to parse). */
const SAFE_HEADER_VALUE = /^[\x21-\x7e]{1,200}$/;

/**
 * The whole HTTP answer to a client error, as bytes to write to the socket, and its status.
 * `allows` is the server's origin policy (server.allowedOrigins).
 */
export function clientErrorAnswer(err: ClientError, allows: OriginPolicy): { status: number; code: ErrorCode; response: string } {
  const { code, detail } = codeOf(err);
  const { status, body } = renderError(code, detail);
  const headers: [string, string][] = [
    ['Content-Type', 'text/plain; charset=utf-8'],
    ['Content-Length', String(Buffer.byteLength(body))],
    ['Cache-Control', 'no-store'],
    ['X-Content-Type-Options', 'nosniff'],
    ['Connection', 'close'],
  ];
  if (Buffer.isBuffer(err.rawPacket)) {
    // Headers are ISO-8859-1 on the wire; only the head matters (a body may follow it).
    const packet = err.rawPacket.toString('latin1', 0, Math.min(err.rawPacket.length, 65_536));
    const origin = rawHeader(packet, 'origin');
    const host = rawHeader(packet, 'host');
    if (origin !== undefined && SAFE_HEADER_VALUE.test(origin) && (host === undefined || SAFE_HEADER_VALUE.test(host))) {
      addCorsHeadersWhenAllowed(origin, host, allows, { header: (name, value) => headers.push([name, value]) });
    }
  }
  const head = headers.map(([name, value]) => `${name}: ${value}\r\n`).join('');
  return { status, code, response: `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n${head}\r\n${body}` };
}

/** The `clientError` listener for the server (fastify's `clientErrorHandler` option). */
export function clientErrorHandler(allows: OriginPolicy, metrics: VisitorMetrics, logger: FastifyBaseLogger): (err: Error, socket: Socket) => void {
  return (err: ClientError, socket) => {
    // A reset connection has nobody to answer; an ended one was answered already (node reports
    // every later chunk of a request it could not parse again).
    if (err.code === 'ECONNRESET' || socket.destroyed || socket.writableEnded) return;
    logger.debug({ error: err.message, code: err.code }, 'client error');
    // As node itself does: write an answer only if no answer on this connection has begun, or it
    // would corrupt that one. `_httpMessage` is node's in-flight response of the socket (not public API).
    const inFlight = (socket as Socket & { _httpMessage?: { headersSent: boolean } | null })._httpMessage;
    if (socket.writable && !inFlight?.headersSent) {
      const { status, code, response } = clientErrorAnswer(err, allows);
      metrics.errorAnswered(status);
      // Nothing of the request is logged: node could not parse it, and its raw bytes hold every header.
      logErrorAnswer(logger, { method: '-', url: '-', client: socket.remoteAddress }, status, code);
      // Closed once written: the rest of a request that could not be parsed cannot be read.
      socket.end(response, () => socket.destroy());
      return;
    }
    socket.destroy();
  };
}
