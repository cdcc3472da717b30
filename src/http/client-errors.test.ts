/** The answer to a request node:http could not parse (client-errors.ts); over real sockets in test/protocol/http-edges.test.ts. */
import { describe, expect, it } from 'vitest';
import { clientErrorAnswer } from './client-errors.js';
import { ANY_ORIGIN, originPolicy } from './cors.js';

function parseError(code: string, reason: string, raw?: string): Error {
  return Object.assign(new Error(`Parse Error: ${reason}`), { code, reason, ...(raw === undefined ? {} : { rawPacket: Buffer.from(raw, 'latin1') }) });
}

const HEAD = 'GET /chat/rest/Visitor/Settings HTTP/1.1\r\nHost: chat.example.com\r\nOrigin: https://shop.example\r\nContent-Length: abc\r\n\r\n';

describe('clientErrorAnswer', () => {
  it('is the catalogue\'s plain text with the CORS headers of the Origin in the bytes received', () => {
    const { status, response } = clientErrorAnswer(parseError('HPE_INVALID_CONTENT_LENGTH', 'Invalid character in Content-Length', HEAD), ANY_ORIGIN);
    expect(status).toBe(400);
    const [head, body] = response.split('\r\n\r\n');
    expect(body).toBe('Malformed request: Invalid character in Content-Length');
    expect(head!.split('\r\n')).toEqual([
      'HTTP/1.1 400 Bad Request',
      'Content-Type: text/plain; charset=utf-8',
      `Content-Length: ${body!.length}`,
      'Cache-Control: no-store',
      'X-Content-Type-Options: nosniff',
      'Connection: close',
      'Access-Control-Allow-Origin: https://shop.example',
      'Access-Control-Allow-Credentials: true',
      'Vary: Origin',
    ]);
  });

  it('maps header overflow to 431 and a request timeout to 408', () => {
    expect(clientErrorAnswer(parseError('HPE_HEADER_OVERFLOW', 'Header overflow', HEAD), ANY_ORIGIN).response)
      .toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n[^]*Access-Control-Allow-Origin: https:\/\/shop\.example\r\n[^]*\r\n\r\nRequest header fields too large$/);
    const timeout = Object.assign(new Error('timeout'), { code: 'ERR_HTTP_REQUEST_TIMEOUT' });
    const answer = clientErrorAnswer(timeout, ANY_ORIGIN);
    expect(answer.status).toBe(408);
    expect(answer.response).not.toContain('Access-Control');
  });

  it('leaves CORS off for an origin server.allowedOrigins does not list, and for a value that is not a plain token', () => {
    const listed = originPolicy(['https://www.shop.example']);
    expect(clientErrorAnswer(parseError('HPE_INVALID_CONTENT_LENGTH', 'x', HEAD), listed).response).not.toContain('Access-Control');
    const own = HEAD.replace('https://shop.example', 'http://chat.example.com');
    expect(clientErrorAnswer(parseError('HPE_INVALID_CONTENT_LENGTH', 'x', own), listed).response).toContain('Access-Control-Allow-Origin: http://chat.example.com\r\n');
    const spaced = HEAD.replace('https://shop.example', 'https://a.example extra');
    expect(clientErrorAnswer(parseError('HPE_INVALID_CONTENT_LENGTH', 'x', spaced), ANY_ORIGIN).response).not.toContain('Access-Control');
  });

  it('reads the last request\'s Origin when several are in the bytes', () => {
    const two = `GET / HTTP/1.1\r\nOrigin: https://first.example\r\n\r\n${HEAD.replace('https://shop.example', 'https://second.example')}`;
    expect(clientErrorAnswer(parseError('HPE_INVALID_CONTENT_LENGTH', 'x', two), ANY_ORIGIN).response).toContain('Access-Control-Allow-Origin: https://second.example\r\n');
  });
});
