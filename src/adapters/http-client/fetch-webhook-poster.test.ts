import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchWebhookPoster, withoutCredentials } from './fetch-webhook-poster.js';

describe('fetchWebhookPoster', () => {
  const seen: { url: string | undefined; headers: IncomingHttpHeaders; body: string }[] = [];
  const receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => { body += c.toString('utf8'); }).on('end', () => {
      seen.push({ url: req.url, headers: req.headers, body });
      res.writeHead(req.headers.authorization === `Basic ${Buffer.from('hooks:p@ss:word').toString('base64')}` ? 204 : 401).end();
    });
  });
  let port = 0;
  beforeAll(async () => {
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    port = (receiver.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

  it('sends the credentials of a URL as basic authentication (fetch refuses them in the URL), and the rest of the URL as it is', async () => {
    const status = await fetchWebhookPoster.post(`http://hooks:p%40ss%3Aword@127.0.0.1:${port}/in?org=a`, { 'content-type': 'application/json', 'webhook-id': 'x' }, '{"a":1}', new AbortController().signal);
    expect(status).toBe(204);
    expect(seen.at(-1)).toMatchObject({ url: '/in?org=a', body: '{"a":1}', headers: { 'content-type': 'application/json', 'webhook-id': 'x' } });
  });

  it('sends no Authorization for a URL without credentials', async () => {
    expect(await fetchWebhookPoster.post(`http://127.0.0.1:${port}/in`, {}, '{}', new AbortController().signal)).toBe(401);
    expect(seen.at(-1)!.headers.authorization).toBeUndefined();
  });

  it('takes a user alone, or a password alone', () => {
    expect(withoutCredentials('https://only-user@example.com/h')).toEqual({ target: 'https://example.com/h', authorization: `Basic ${Buffer.from('only-user:').toString('base64')}` });
    expect(withoutCredentials('https://:secret@example.com/h')).toEqual({ target: 'https://example.com/h', authorization: `Basic ${Buffer.from(':secret').toString('base64')}` });
    expect(withoutCredentials('https://example.com/h')).toEqual({ target: 'https://example.com/h', authorization: null });
  });
});
