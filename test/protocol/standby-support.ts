/**
 * Helpers of the hot-standby suites (ADR 0048): a front that sends a visitor's
 * requests to whichever node serves now, as a load balancer does, and a wait for a
 * standby to take the store over.
 */
import { expect } from 'vitest';
import { sleep, type TestServer } from './harness.js';

/**
 * What a Visitor talks to: the active node's `req`, switched by `to()`. A Visitor
 * only calls `req` and reads `pollHoldMs`, so this stands in for a TestServer
 * (the cast says so) and the visitor keeps its key, affinity and sequences across
 * the failover, as a browser behind a load balancer does.
 */
export class Failover {
  constructor(private current: TestServer) {}

  to(server: TestServer): void {
    this.current = server;
  }

  get server(): TestServer {
    const active = (): TestServer => this.current;
    return { req: (...args: Parameters<TestServer['req']>) => active().req(...args), get pollHoldMs() { return active().pollHoldMs; } } as unknown as TestServer;
  }
}

/** GET a path of a node; the status and body. */
export async function probe(server: TestServer, path: string): Promise<{ status: number; text: string; retryAfter: string | null }> {
  const res = await fetch(`${server.baseUrl}${path}`);
  return { status: res.status, text: await res.text(), retryAfter: res.headers.get('retry-after') };
}

/** A standby answers probes and nothing else. */
export async function expectStandingBy(server: TestServer): Promise<void> {
  expect(await probe(server, '/healthz')).toMatchObject({ status: 200, text: 'ok' });
  expect(await probe(server, '/readyz')).toMatchObject({ status: 503, text: 'standby' });
  const other = await probe(server, '/chat/rest/System/SessionId');
  expect(other).toMatchObject({ status: 503, text: 'This node is a standby: the active node serves', retryAfter: '1' });
}

/** Waits until `server` answers /readyz 200 (it took the store over); how long that took, in ms. */
export async function untilReady(server: TestServer, limitMs: number): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < limitMs) {
    const ready = await probe(server, '/readyz').then((r) => r.status === 200, () => false);
    if (ready) return performance.now() - started;
    await sleep(50);
  }
  throw new Error(`not ready within ${limitMs} ms\n${server.logTail}`);
}
