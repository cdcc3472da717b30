/**
 * The probes' wire types (src/protocol/health-types.ts): /healthz and /readyz are
 * registered with their response schemas, and every answer they give, each
 * reason for 503 included, is one the schema of its status allows.
 */
import Fastify, { type FastifyInstance, type RouteOptions } from 'fastify';
import Value from 'typebox/value';
import type { TSchema } from 'typebox';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../adapters/memory/fake-clock.js';
import { MemoryChatStore } from '../adapters/memory/memory-chat-store.js';
import { HealthzAnswer, NotReadyAnswer, ReadyzAnswer } from '../protocol/health-types.js';
import { registerHealthRoutes } from './health-routes.js';

let app: FastifyInstance | undefined;
afterEach(async () => { await app?.close(); app = undefined; });

/** A store whose ping answers as told. */
class PingStore extends MemoryChatStore {
  answer: 'ok' | 'error' | 'silent' = 'ok';
  override ping(): Promise<boolean> {
    if (this.answer === 'silent') return new Promise(() => undefined);
    return Promise.resolve(this.answer === 'ok');
  }
}

describe('/healthz and /readyz response schemas', () => {
  it('are the protocol wire types, and every answer matches the schema of its status', async () => {
    const store = new PingStore();
    const clock = new FakeClock();
    const state = { writesFailing: false, lockHeld: true, checkpointsStopped: false, unwrittenMs: null as number | null, last: null as { waitedMs: number; endedAgoMs: number } | null };
    app = Fastify();
    const schemas = new Map<string, Record<string, unknown>>();
    app.addHook('onRoute', (route: RouteOptions) => {
      schemas.set(route.url, (route.schema?.response ?? {}) as Record<string, unknown>);
    });
    registerHealthRoutes(app, store, {
      writesFailing: () => state.writesFailing, lockHeld: () => state.lockHeld, checkpointsStopped: () => state.checkpointsStopped,
      timeoutMs: 20, clock, writeStuckMs: 1_000, commitWaits: () => ({ unwrittenMs: state.unwrittenMs, last: state.last }),
    });
    await app.ready();
    expect(schemas.get('/healthz')).toEqual({ 200: HealthzAnswer });
    expect(schemas.get('/readyz')).toEqual({ 200: ReadyzAnswer, 503: NotReadyAnswer });

    const answers: [number, string][] = [];
    const probe = async (url: string) => {
      const answer = app!.inject({ method: 'GET', url });
      if (store.answer === 'silent') {
        for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r)); // the ping is under way
        clock.advance(20);
      }
      const res = await answer;
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      const schema = schemas.get(url)![res.statusCode] as TSchema | undefined;
      expect(schema, `${url} ${res.statusCode} has a schema`).toBeDefined();
      expect(Value.Check(schema!, res.body), `${url} ${res.statusCode} ${res.body}`).toBe(true);
      answers.push([res.statusCode, res.body]);
    };
    await probe('/healthz');
    await probe('/readyz');
    state.checkpointsStopped = true; await probe('/readyz');
    state.lockHeld = false; await probe('/readyz');
    state.last = { waitedMs: 2_000, endedAgoMs: 10 }; await probe('/readyz');
    state.unwrittenMs = 2_000; await probe('/readyz');
    state.writesFailing = true; await probe('/readyz');
    store.answer = 'error'; await probe('/readyz');
    store.answer = 'silent'; await probe('/readyz');
    expect(answers).toEqual([
      [200, 'ok'], [200, 'ready'], [503, 'WAL checkpoints stopped'], [503, 'node lock lost'], [503, 'store write slow'],
      [503, 'store write stuck'], [503, 'store refuses writes'], [503, 'store unavailable'], [503, 'store not answering'],
    ]);
    expect((await app.inject({ method: 'HEAD', url: '/healthz' })).statusCode, 'HEAD too (docs/configuration.md)').toBe(200);
    expect(Value.Check(NotReadyAnswer, 'standby'), "the standby's /readyz").toBe(true);
    expect(Value.Check(NotReadyAnswer, 'not a reason')).toBe(false);
  });
});
