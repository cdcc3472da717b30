/**
 * The composition root: the only place that picks adapters and wires the
 * layers together. Everything else receives its dependencies.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { createSqliteChatStore } from './adapters/sqlite/sqlite-chat-store.js';
import { createPostgresChatStore } from './adapters/postgres/postgres-chat-store.js';
import { MemoryChatStore } from './adapters/memory/memory-chat-store.js';
import { systemClock } from './adapters/memory/system-clock.js';
import type { SwitchboardConfig } from './config/config-schema.js';
import { Catalog } from './core/catalog.js';
import { ChatEngine } from './core/chat-engine.js';
import { DEFAULT_GREETING, EchoBot } from './core/demo-bot.js';
import { SessionReaper } from './core/session-reaper.js';
import { SessionRecovery } from './core/session-recovery.js';
import { VisitorPoller } from './core/visitor-poller.js';
import { createHttpServer } from './http/create-http-server.js';
import { registerHealthRoutes } from './http/health-routes.js';
import { createMetrics, registerMetricsRoute } from './http/metrics.js';
import { registerVisitorGate } from './http/visitor/visitor-gate.js';
import { visitorNouns } from './http/visitor/visitor-nouns.js';
import type { ChatStore } from './ports/chat-store.js';
import type { Clock } from './ports/clock.js';

export interface Switchboard {
  app: FastifyInstance;
  engine: ChatEngine;
  store: ChatStore;
  bots: EchoBot[];
  logger: Logger;
  /** Listens on the configured host/port; returns the base URL. */
  listen(): Promise<string>;
  /** Answers held polls, stops accepting, flushes the store. */
  stop(): Promise<void>;
}

export interface CreateOptions {
  clock?: Clock;
  logger?: Logger;
  store?: ChatStore;
}

export async function openStore(config: SwitchboardConfig): Promise<ChatStore> {
  const s = config.storage;
  if (s.kind === 'memory') return new MemoryChatStore();
  if (s.kind === 'postgres') return createPostgresChatStore({ url: s.postgresUrl! });
  return createSqliteChatStore({ dataDir: config.server.dataDir, synchronous: s.sqliteSynchronous });
}

/** The node's affinity token: 8 hex characters, kept in the store so it survives restarts. */
async function nodeIdentity(store: ChatStore): Promise<string> {
  const known = await store.getMeta('node_id');
  if (known && /^[0-9a-f]{8}$/.test(known)) return known;
  const id = randomBytes(4).toString('hex');
  await store.setMeta('node_id', id);
  return id;
}

export async function createSwitchboard(config: SwitchboardConfig, opts: CreateOptions = {}): Promise<Switchboard> {
  const logger = opts.logger ?? pino({ level: config.server.logLevel, base: undefined });
  const clock = opts.clock ?? systemClock;
  const store = opts.store ?? (await openStore(config));
  await store.migrate();
  const nodeId = await nodeIdentity(store);
  const catalog = new Catalog(config);
  const engine = new ChatEngine({ store, clock, catalog, settings: config.settings, nodeId, logger });

  const bots = catalog.allAgents().filter((a) => a.config.bot === 'echo')
    .map((a) => new EchoBot(engine, store, a.config.id, a.config.greeting ?? DEFAULT_GREETING, logger));
  for (const bot of bots) bot.attach();
  await engine.start();
  for (const bot of bots) bot.recover();

  const poller = new VisitorPoller(engine, store, clock, config.settings);
  const recovery = new SessionRecovery(engine, store);
  const reaper = new SessionReaper(engine, clock, config.settings);
  reaper.start();

  const metrics = createMetrics(engine, poller);
  const app = createHttpServer({ logger, maxBodyBytes: config.settings.maxBodyBytes, metrics: metrics.visitor });
  let baseUrl = config.server.publicUrl ?? `http://${config.server.host}:${config.server.port}`;
  registerVisitorGate(app, { engine, recovery, nouns: visitorNouns({ engine, poller, recovery }), metrics: metrics.visitor, baseUrl: () => baseUrl });
  registerHealthRoutes(app, store);
  registerMetricsRoute(app, metrics.registry);

  let stopping: Promise<void> | null = null;
  return {
    app, engine, store, bots, logger,
    async listen() {
      const address = await app.listen({
        host: config.server.host,
        port: config.server.port,
        listenTextResolver: (addr) => `listening on ${addr}`,
      });
      if (!config.server.publicUrl) baseUrl = address;
      return address;
    },
    stop() {
      stopping ??= (async () => {
        reaper.stop();
        poller.shutdown();
        await app.close();
        for (const bot of bots) bot.detach();
        await engine.queue.drain();
        await store.close();
      })();
      return stopping;
    },
  };
}
