/**
 * /metrics: Prometheus text with the visitor request counters, the commit
 * counter and the server-side delivery histogram (append → poll answer) that
 * the benchmarks read to tell the server's share of a latency from the client's.
 */
import { describe, expect, it } from 'vitest';
import { request, useServer } from './harness.js';
import { Visitor } from './visitor.js';

const server = useServer();

/** The value of the sample line `<series> <value>` (series: a name with its labels as printed), or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('metrics', () => {
  it('counts requests and commits and times deliveries inside the server', async () => {
    const before = await request(server.baseUrl, 'GET', '/metrics');
    expect(before.status).toBe(200);
    const deliveredBefore = sample(before.text, 'switchboard_delivery_seconds_count') ?? 0;

    const v = new Visitor(server);
    await v.start();
    await v.say('measure me');
    expect(await v.awaitEchoes(['measure me'])).toEqual(['measure me']);

    const after = await request(server.baseUrl, 'GET', '/metrics');
    expect(after.headers.get('content-type')).toMatch(/^text\/plain/);
    // At least the ChatEstablished payload, the greeting and the echo were answered to polls.
    expect((sample(after.text, 'switchboard_delivery_seconds_count') ?? 0) - deliveredBefore).toBeGreaterThanOrEqual(2);
    const le30s = sample(after.text, 'switchboard_delivery_seconds_bucket{le="30"}');
    expect(le30s).toBe(sample(after.text, 'switchboard_delivery_seconds_count'));
    expect(sample(after.text, 'switchboard_visitor_requests_total{noun="Messages"}')).toBeGreaterThanOrEqual(2);
    expect(sample(after.text, 'switchboard_commit_batches_total')).toBeGreaterThan(0);
    expect(after.text).toContain('nodejs_gc_duration_seconds');
  });

  it('counts a noun however it is spelled, and a retried ChatEnd as a retry', async () => {
    const count = async (series: string) => sample((await request(server.baseUrl, 'GET', '/metrics')).text, series) ?? 0;
    const sessionIds = await count('switchboard_visitor_requests_total{noun="SessionId"}');
    const retries = await count('switchboard_visitor_sequence_retries_total');
    const lower = await server.req('GET', 'system/sessionid', { headers: { 'X-LIVEAGENT-API-VERSION': '34', 'X-LIVEAGENT-AFFINITY': 'null' } });
    expect(lower.status).toBe(200);
    expect(await count('switchboard_visitor_requests_total{noun="SessionId"}')).toBe(sessionIds + 1);

    const v = new Visitor(server);
    await v.start();
    const end = { sequence: 90 };
    expect((await v.post('Chasitor/ChatEnd', { reason: 'client' }, end)).status).toBe(200);
    expect((await v.post('Chasitor/ChatEnd', { reason: 'client' }, end)).status).toBe(200);
    expect(await count('switchboard_visitor_sequence_retries_total')).toBe(retries + 1);
  });
});
