/**
 * /readyz over a PostgreSQL that stopped answering (its processes SIGSTOPped, a
 * network that went silent): the probe gets 503 `store not answering` within the
 * readiness bound, not an answer after the statement and driver timeouts (15 s),
 * which a Kubernetes probe with a 1–5 s timeout sees only as a timeout. The store
 * is the machine's real PostgreSQL behind a TCP proxy in this test that stops
 * forwarding, in both directions and on new connections too, without closing anything.
 */
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PG_TEST_URL, scratchDatabase } from '../adapters/postgres/scratch-database.test-support.js';
import { demoOrg } from '../config/demo-deployment.js';
import { validateConfig } from '../config/load-config.js';
import { createSwitchboard, type Switchboard } from '../main.js';

const database = scratchDatabase('sb_readyz');

/** Forwards to PostgreSQL until `stall()`: then every byte, old connection or new, stays where it is. */
class StallingProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly pairs: [Socket, Socket][] = [];
  private stalled = false;
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async start(): Promise<void> {
    this.server = createServer((client) => {
      this.track(client);
      if (this.stalled) return; // accepted, never forwarded: a SIGSTOPped server's backlog
      const upstream = createConnection(this.target);
      this.track(upstream);
      client.pipe(upstream);
      upstream.pipe(client);
      this.pairs.push([client, upstream]);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  private track(s: Socket): void {
    this.sockets.add(s);
    s.on('close', () => this.sockets.delete(s));
    s.on('error', () => undefined);
  }

  stall(): void {
    this.stalled = true;
    for (const [client, upstream] of this.pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

const admin_ = new URL(PG_TEST_URL);
const proxy = new StallingProxy({ host: admin_.hostname, port: Number(admin_.port || 5432) });
let sb: Switchboard | undefined;

beforeAll(async () => {
  await database.create();
  await proxy.start();
});

afterAll(async () => {
  await proxy.stop(); // the stalled connections fail, so the server can stop
  await sb?.stop().catch(() => undefined);
  await database.drop();
}, 30_000);

describe('/readyz on a PostgreSQL that stopped answering', () => {
  it('answers 503 "store not answering" within the readiness bound', async () => {
    const url = new URL(database.url);
    url.host = `127.0.0.1:${proxy.port}`;
    const config = validateConfig({ storage: { kind: 'postgres', postgresUrl: url.toString() }, server: { host: '127.0.0.1', port: 0, logLevel: 'silent' }, orgs: [structuredClone(demoOrg)] }, 'test');
    sb = await createSwitchboard(config);
    const base = await sb.listen();
    const ready = await fetch(`${base}/readyz`);
    expect([ready.status, await ready.text()]).toEqual([200, 'ready']);

    proxy.stall();
    const started = performance.now();
    const res = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(8_000) });
    const ms = performance.now() - started;
    expect([res.status, await res.text()]).toEqual([503, 'store not answering']);
    expect(ms).toBeGreaterThan(1_500);
    expect(ms).toBeLessThan(3_000);
  }, 20_000);
});
