/**
 * Only WebSocket upgrades are upgrades. Java's java.net.http.HttpClient (HTTP/2 by default) and
 * curl --http2 offer HTTP/2 on every request to an http:// URL (`Connection: Upgrade, HTTP2-Settings`,
 * `Upgrade: h2c`). A server may ignore such an offer and answer in HTTP/1.1 (RFC 9110 §7.8), but
 * node:http hands any request with an Upgrade header to the server's `upgrade` listeners, here
 * @fastify/websocket's, with the request already ended and its body left in the socket: a POST then
 * failed with a Content-Length mismatch, and a Java client on the emulator (plain http in CI) could
 * never start a chat.
 *
 * So the `upgrade` listeners hear WebSocket upgrades only. Any other request is given back to
 * node:http as it would have arrived without the offer: its head is written again without
 * `Upgrade`, `HTTP2-Settings` and the `Connection` tokens naming them, the socket is handed to the
 * server as a connection, and the head and the body bytes read so far are fed to its new parser.
 * The rest of the body, and later requests on the kept-alive connection, follow as usual.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';

type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/** Whether a request asks for a WebSocket (the one upgrade this server takes). */
function isWebSocketUpgrade(req: IncomingMessage): boolean {
  return /(^|,)\s*websocket\s*(,|$)/i.test(req.headers.upgrade ?? '');
}

/** The request's head as it would have been sent without the upgrade offer (latin1: header bytes as received). */
export function headWithoutUpgrade(req: IncomingMessage): Buffer {
  const lines = [`${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/${req.httpVersion}`];
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    const lower = name.toLowerCase();
    if (lower === 'upgrade' || lower === 'http2-settings') continue;
    if (lower === 'connection') {
      const kept = raw[i + 1]!.split(',').map((t) => t.trim()).filter((t) => t !== '' && !/^(upgrade|http2-settings)$/i.test(t));
      if (kept.length) lines.push(`${name}: ${kept.join(', ')}`);
      continue;
    }
    lines.push(`${name}: ${raw[i + 1]!}`);
  }
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
}

/**
 * Lets the `upgrade` listeners registered so far (at start-up, once every plugin is loaded) hear
 * WebSocket upgrades only; every other request with an Upgrade header is answered as a plain one.
 */
export function answerOtherUpgradesAsPlainRequests(server: Server): void {
  const listeners = server.listeners('upgrade') as UpgradeListener[];
  server.removeAllListeners('upgrade');
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Over TLS (no h2c offer comes there) the socket is not a raw connection to hand back.
    if (isWebSocketUpgrade(req) || (socket as { encrypted?: boolean }).encrypted === true) {
      for (const listener of listeners) listener.call(server, req, socket, head);
      return;
    }
    // A new parser on the same socket, as for a new connection; the bytes node had read past the
    // head (`head`, the body's start) follow the rewritten head.
    server.emit('connection', socket);
    socket.emit('data', Buffer.concat([headWithoutUpgrade(req), head]));
  });
}
