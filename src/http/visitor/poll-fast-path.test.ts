/**
 * The poll fast path (poll-fast-path.ts) lets go of a held poll's request
 * headers once the gate has read them, and reads `ack` without querystring's
 * parser: the first over a real node:http server, the second against
 * querystring.parse itself.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse as parseQuery } from 'node:querystring';
import { describe, expect, it } from 'vitest';
import { ANY_ORIGIN } from '../cors.js';
import { pollFastPath, pollQuery, pollTarget } from './poll-fast-path.js';
import type { GateReply } from './visitor-gate.js';

describe('a held poll', () => {
  it('answers with its CORS headers after its request headers were let go', async () => {
    let held: { req: IncomingMessage; reply: GateReply; seen: IncomingHttpHeaders } | null = null;
    const requests: IncomingMessage[] = [];
    const fastPath = pollFastPath(
      (request, reply) => {
        // As the gate does: read the headers now, answer later.
        held = { req: requests.at(-1)!, reply, seen: { ...request.headers } };
      },
      ANY_ORIGIN,
      () => ({ status: 500, body: 'failed' }),
    );
    const server = createServer((req, res) => {
      requests.push(req);
      if (!fastPath(req, res)) res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port: p } = server.address() as AddressInfo;
      const answer = fetch(`http://127.0.0.1:${p}/chat/rest/System/Messages?ack=3`, {
        headers: { 'X-LIVEAGENT-SESSION-KEY': 'key!1', Origin: 'https://shop.example' },
      });
      while (!held) await new Promise((r) => setTimeout(r, 5));
      const h = held as { req: IncomingMessage; reply: GateReply; seen: IncomingHttpHeaders };
      expect(h.seen['x-liveagent-session-key']).toBe('key!1');
      // Held: the request's header strings are no longer referenced.
      expect(h.req.rawHeaders).toEqual([]);
      expect(Object.keys(h.req.headers)).toEqual([]);
      h.reply.code(204).send();
      const res = await answer;
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe('https://shop.example');
      expect(res.headers.get('vary')).toBe('Origin');
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('which requests take the fast path', () => {
  const target = (url: string, method = 'GET') => pollTarget({ method, url } as IncomingMessage);

  it('the guide\'s path as it is (the same string), with or without a query', () => {
    const url = '/chat/rest/System/Messages?ack=3';
    expect(target(url)).toBe(url);
    expect(target('/chat/rest/System/Messages')).toBe('/chat/rest/System/Messages');
  });

  it.each([
    ['/chat/rest//System/Messages', '/chat/rest/System/Messages'],
    ['/chat/rest/System/Messages/?ack=3', '/chat/rest/System/Messages?ack=3'],
    ['//chat/rest/System//Messages//?ack=3', '/chat/rest/System/Messages?ack=3'],
  ])('%s, read as %s', (url, expected) => {
    expect(target(url)).toBe(expected);
  });

  it.each([
    ['/chat/rest/system/messages'], ['/chat/rest/System/MessagesX'], ['/chat/rest/System/Messages/x'],
    ['/chat/rest//System/SessionId/'], ['/agent//chat/rest/System/Messages'],
  ])('not %s (fastify\'s)', (url) => {
    expect(target(url)).toBeNull();
  });

  it('not a HEAD or POST', () => {
    expect(target('/chat/rest/System/Messages', 'HEAD')).toBeNull();
    expect(target('/chat/rest//System/Messages', 'POST')).toBeNull();
  });

  it('gives the gate the single-slash path over a real server', async () => {
    const seen: string[] = [];
    const fastPath = pollFastPath((request, reply) => {
      seen.push(request.url);
      reply.code(204).send();
    }, ANY_ORIGIN, () => ({ status: 500, body: 'failed' }));
    const server = createServer((req, res) => {
      if (!fastPath(req, res)) res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port: p } = server.address() as AddressInfo;
      const res = await fetch(`http://127.0.0.1:${p}/chat/rest//System/Messages/?ack=3`);
      expect(res.status).toBe(204);
      expect(seen).toEqual(['/chat/rest/System/Messages?ack=3']);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('poll query', () => {
  const urls = [
    '/chat/rest/System/Messages',
    '/chat/rest/System/Messages?',
    '/chat/rest/System/Messages?ack=5',
    '/chat/rest/System/Messages?ack=-1',
    '/chat/rest/System/Messages?ack=',
    '/chat/rest/System/Messages?ack=12&ack=13',
    '/chat/rest/System/Messages?ack=1%32',
    '/chat/rest/System/Messages?ack=+3',
    '/chat/rest/System/Messages?ack=a=b',
    '/chat/rest/System/Messages?Ack=4',
    '/chat/rest/System/Messages?pc=1&ack=4',
    '/chat/rest/System/Messages?ack=4&pc=1',
    '/chat/rest/System/Messages?ack=abc',
  ];
  for (const url of urls) {
    it(`reads ${url.slice(url.indexOf('Messages') + 8) || '(no query)'} as querystring does`, () => {
      const q = url.indexOf('?');
      const expected = q < 0 ? {} : { ...parseQuery(url.slice(q + 1)) };
      expect({ ...pollQuery(url) }).toEqual(expected);
    });
  }
});
