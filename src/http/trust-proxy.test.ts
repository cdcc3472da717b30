/**
 * server.trustProxy: which address the server takes for a request behind a
 * reverse proxy (the visitor's ipAddress agents see, anything keyed by address).
 */
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpServer } from './create-http-server.js';

const noMetrics = { requestStarted: () => undefined, retriedSequence: () => undefined, errorAnswered: () => undefined };
const apps: { close(): Promise<unknown> }[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) await app.close();
});

async function seenAddress(trustProxy: boolean | number | string | undefined, remoteAddress: string, forwardedFor?: string): Promise<string> {
  const app = createHttpServer({ logger: pino({ level: 'silent' }), maxBodyBytes: 65536, metrics: noMetrics, ...(trustProxy === undefined ? {} : { trustProxy }) });
  apps.push(app);
  app.get('/ip', (req) => ({ ip: req.ip }));
  const res = await app.inject({ method: 'GET', url: '/ip', remoteAddress, headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {} });
  return (res.json() as { ip: string }).ip;
}

describe('server.trustProxy', () => {
  it('by default believes no X-Forwarded-For: a client cannot pick its own address', async () => {
    expect(await seenAddress(undefined, '192.0.2.10', '203.0.113.7')).toBe('192.0.2.10');
    expect(await seenAddress(false, '192.0.2.10', '203.0.113.7')).toBe('192.0.2.10');
  });

  it('true: the visitor address from X-Forwarded-For', async () => {
    expect(await seenAddress(true, '10.0.0.2', '203.0.113.7')).toBe('203.0.113.7');
  });

  it('a hop count: only that many proxies are believed', async () => {
    // The client forged the first entry; our one proxy appended the real address.
    expect(await seenAddress(1, '10.0.0.2', '198.51.100.99, 203.0.113.7')).toBe('203.0.113.7');
  });

  it('addresses or CIDR ranges: only requests from those proxies are believed', async () => {
    expect(await seenAddress('10.0.0.0/8, 127.0.0.1', '10.1.2.3', '203.0.113.7')).toBe('203.0.113.7');
    expect(await seenAddress('10.0.0.0/8, 127.0.0.1', '192.0.2.10', '203.0.113.7')).toBe('192.0.2.10');
  });
});
