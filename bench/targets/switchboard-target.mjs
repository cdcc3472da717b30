// Client side of Switchboard: visitor sessions over the Live Agent REST API and
// the agent API for agent→visitor sends. A "channel" is one visitor session.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MESSAGE_ID_PATTERN, freePort, runBounded, sleep } from '../lib/load-generator.mjs';
import { startServerProcess } from '../lib/server-process.mjs';
import { BENCH_ORG, switchboardConfig } from './switchboard-config.mjs';
import { dropPostgresDatabase, freshPostgresDatabase } from './postgres-database.mjs';
import { AgentSocket } from './agent-socket.mjs';

/**
 * How the bench agent sends: 'socket' (command frames on its stream socket, the
 * way the console and the SDK send) or 'rest' (POST /agent/v1/chats/:id/messages).
 */
const AGENT_TRANSPORT = process.env.BENCH_AGENT_TRANSPORT === 'rest' ? 'rest' : 'socket';

const REPO_ROOT = path.join(import.meta.dirname, '..', '..');
const MAIN = path.join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');
const API_VERSION = '34';
const SETUP_CONCURRENCY = 64;

export function switchboardUnavailableReason() {
  return existsSync(MAIN) ? null : 'dist/src/cli/main.js missing (server not built: npm run build)';
}

function visitorHeaders(channel, extra = {}) {
  return {
    'x-liveagent-api-version': API_VERSION,
    'x-liveagent-session-key': channel.key,
    'x-liveagent-affinity': channel.affinityToken,
    ...extra,
  };
}

/** Parses a Messages 200 body into [{type, message}], or null when it is not JSON. */
function parseMessages(body) {
  try {
    const payload = JSON.parse(body);
    return { messages: Array.isArray(payload.messages) ? payload.messages : [], sequence: payload.sequence };
  } catch {
    return null;
  }
}

/** Unique bench ids carried by ChatMessage events (one per message). */
function idsIn(messages) {
  const ids = [];
  for (const entry of messages) {
    if (entry?.type !== 'ChatMessage') continue;
    const found = String(entry.message?.text ?? '').match(MESSAGE_ID_PATTERN);
    if (found) ids.push(found[0]);
  }
  return ids;
}

/**
 * @param storage 'sqlite' | 'postgres'
 * @param cpuProfileDir when set, the server runs with node --cpu-prof into this directory
 * @param org the org its visitors and its bench agent use (BENCH_ORG unless a multi-org target says otherwise)
 */
export function switchboardTarget({ runDir, storage = 'sqlite', cpuProfileDir = null, postgresDatabase = null, org = BENCH_ORG }) {
  let startCount = 0;
  // BENCH_NODE_ARGS adds flags for diagnosis (e.g. --trace-gc); the log lands in the run dir.
  const nodeArgs = [...(cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfileDir] : []), ...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [])];
  const serveArgs = (port) => [...nodeArgs, MAIN, 'serve', '--port', String(port), '--host', '127.0.0.1', '--data-dir', target.dataDir, '--config', target.configPath];
  const target = {
    name: `switchboard-${storage}`,
    label: `Switchboard (${storage === 'sqlite' ? 'SQLite WAL' : 'PostgreSQL'}, 1 node)`,
    timeoutStatus: 204,
    persistent: true,
    storage,
    host: '127.0.0.1',
    port: null,
    /**
     * When set, every request of this target goes to this port whatever the pool's own: a
     * multi-node target (cluster-target.mjs) drives several servers through one pool.
     */
    requestPort: undefined,
    server: null,
    /** A hot standby on the same store (failover scenario), until promoteStandby(). */
    standby: null,
    dataDir: null,
    configPath: null,
    unavailable: switchboardUnavailableReason(),
    agentToken: null,
    agentSocket: null,
    agentTransport: AGENT_TRANSPORT,

    /** Starts the server; `reuseData` keeps the previous data dir / database (restart). */
    async start({ holdSeconds, reuseData = false, sessionGraceSeconds }) {
      startCount += 1;
      target.port = await freePort();
      let storageConfig;
      if (!reuseData || !target.dataDir) {
        // BENCH_DATA_DIR (diagnosis) puts the store elsewhere, e.g. on tmpfs to take the disk out of a run.
        target.dataDir = path.join(process.env.BENCH_DATA_DIR || runDir, `${target.name}-data-${startCount}`);
        rmSync(target.dataDir, { recursive: true, force: true });
        mkdirSync(target.dataDir, { recursive: true });
        if (storage === 'postgres') {
          // The run's own database (the runner's BENCH_POSTGRES_DATABASE or its pid): never another bench's.
          if (!postgresDatabase) throw new Error('no bench database name (context.postgresDatabase): run through bench/run.mjs');
          const db = await freshPostgresDatabase(postgresDatabase);
          if (db.unavailable) throw new Error(db.unavailable);
          target.postgresUrl = db.url;
        }
      }
      storageConfig = storage === 'postgres' ? { kind: 'postgres', postgresUrl: target.postgresUrl } : { kind: 'sqlite' };
      // BENCH_SQLITE_AS_MEMORY=1 (diagnosis only): the in-memory store instead of SQLite, to see what storage costs.
      if (storage === 'sqlite' && process.env.BENCH_SQLITE_AS_MEMORY === '1') storageConfig = { kind: 'memory' };
      target.configPath = path.join(runDir, `${target.name}-config-${startCount}.json`);
      writeFileSync(target.configPath, JSON.stringify(switchboardConfig({ holdSeconds, storage: storageConfig, sessionGraceSeconds }), null, 2));
      target.server = await startServerProcess({
        command: process.execPath,
        args: serveArgs(target.port),
        cwd: REPO_ROOT,
        logPath: path.join(runDir, `${target.name}-${startCount}.log`),
        timeoutMs: 60_000,
      });
      target.agentToken = null;
      return { readyMs: target.server.readyMs };
    },

    /**
     * A hot standby (ADR 0048) on the running server's store and config, on a port of
     * its own: resolves once it listens and has found the store taken (its first lock
     * attempt failed), so a kill after this measures the takeover, not its start-up.
     */
    async startStandby() {
      if (!target.server || !target.configPath) throw new Error('startStandby needs a running server');
      const port = await freePort();
      const server = await startServerProcess({
        command: process.execPath,
        args: serveArgs(port),
        cwd: REPO_ROOT,
        env: { SWITCHBOARD_STANDBY: '1' },
        // Not "listening on": the standby logs "standing by: listening on …", then this line after its first miss.
        readyPattern: /standing by: another node holds the store/,
        logPath: path.join(runDir, `${target.name}-${startCount}-standby.log`),
        timeoutMs: 60_000,
      });
      target.standby = { ...server, port };
      return { port, readyMs: server.readyMs };
    },

    /** SIGKILL to the active server (its pid); returns performance.now() at the kill and a promise of its exit. */
    killActive() {
      const { child } = target.server;
      const exited = new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) resolve(child.signalCode ?? child.exitCode);
        else child.once('exit', (code, signal) => resolve(signal ?? code));
      });
      target.agentSocket?.close();
      target.agentSocket = null;
      const killedAt = performance.now();
      child.kill('SIGKILL');
      return { killedAt, exited };
    },

    /** After the takeover the standby is the server (its port; stop() stops it). */
    promoteStandby() {
      target.server = target.standby;
      target.port = target.standby.port;
      target.standby = null;
    },

    serverPids: () => [target.server, target.standby].filter(Boolean).map((s) => s.pid),
    /** The scenario is done (its servers stopped): drops the database it created. */
    async dispose() {
      if (!target.postgresUrl || !postgresDatabase) return;
      const problem = await dropPostgresDatabase(postgresDatabase);
      if (problem) process.stderr.write(`  ${target.name}: could not drop ${postgresDatabase}: ${problem}\n`);
      target.postgresUrl = null;
    },
    async stop(options) {
      target.agentSocket?.close();
      target.agentSocket = null;
      const ms = await target.server?.stop(options);
      target.server = null;
      await target.standby?.stop(options);
      target.standby = null;
      return ms;
    },

    /**
     * The server's own view of a measurement window, from /metrics: event-loop
     * delay (prom-client resets it at every scrape) and GC time (cumulative; the
     * caller subtracts the scrape taken at the start of the window).
     */
    async serverMetrics(pool) {
      const res = await pool.request({ port: target.requestPort, path: '/metrics' });
      if (res.status !== 200) return null;
      const values = {};
      for (const line of res.body.split('\n')) {
        if (!line || line.startsWith('#')) continue;
        const space = line.lastIndexOf(' ');
        values[line.slice(0, space)] = Number(line.slice(space + 1));
      }
      const gc = { count: 0, seconds: 0 };
      for (const [key, value] of Object.entries(values)) {
        if (key.startsWith('nodejs_gc_duration_seconds_count')) gc.count += value;
        if (key.startsWith('nodejs_gc_duration_seconds_sum')) gc.seconds += value;
      }
      const deliveryBuckets = Object.entries(values)
        .filter(([key]) => key.startsWith('switchboard_delivery_seconds_bucket'))
        .map(([key, count]) => ({ le: key.includes('+Inf') ? Infinity : Number(/le="([^"]+)"/.exec(key)[1]), count }))
        .sort((a, b) => a.le - b.le);
      return {
        deliveryBuckets,
        eventLoopDelayMs: { p50: values.nodejs_eventloop_lag_p50_seconds * 1000, p99: values.nodejs_eventloop_lag_p99_seconds * 1000, max: values.nodejs_eventloop_lag_max_seconds * 1000 },
        gc,
        commitBatches: values.switchboard_commit_batches_total,
      };
    },

    /** Group commits so far, per server node (here one): [count or null]. */
    async commitBatchesByNode(pool) {
      const metrics = await target.serverMetrics(pool);
      return [metrics?.commitBatches ?? null];
    },

    /** Agent API probe: null when usable, else the reason (404 on login = not built yet). */
    async agentApiUnavailableReason(pool) {
      const login = await pool.request({ port: target.requestPort, method: 'POST', path: '/agent/v1/auth/login', body: org.credentials });
      if (login.status === 404) return 'agent API not available (POST /agent/v1/auth/login → 404)';
      if (login.status !== 200) return `agent login failed: ${login.status} ${login.error ?? login.body.slice(0, 200)}`;
      try {
        target.agentToken = JSON.parse(login.body).accessToken;
      } catch {
        return `agent login answered 200 without JSON: ${login.body.slice(0, 200)}`;
      }
      const presence = await pool.request({ port: target.requestPort, method: 'PUT', path: '/agent/v1/presence', headers: target.agentHeaders(), body: { status: 'online' } });
      if (presence.status < 200 || presence.status >= 300) return `agent presence failed: ${presence.status} ${presence.body.slice(0, 200)}`;
      target.agentSocket = new AgentSocket({ host: target.host, port: target.port, token: target.agentToken });
      try {
        await target.agentSocket.open();
      } catch (err) {
        return `agent stream socket failed: ${err.message}`;
      }
      return null;
    },
    agentHeaders: () => ({ authorization: `Bearer ${target.agentToken}` }),

    /**
     * Opens `count` visitor sessions prepared for `purpose`:
     *  idle  — SessionId only (a poll before ChasitorInit is held until the hold expires)
     *  echo  — ChasitorInit on the echo-bot button, greeting drained
     *  agent — ChasitorInit on the bench agent's button, accepted by the agent, drained
     *  store — ChasitorInit on the echo-bot button, nothing drained (restart scenario)
     */
    async openChannels(pool, count, purpose) {
      let failures = 0;
      const errors = [];
      const fail = (why) => {
        failures += 1;
        if (errors.length < 5) errors.push(why);
        return null;
      };
      const opened = await runBounded(count, SETUP_CONCURRENCY, async (i) => {
        const slot = i;
        const res = await pool.request({
          slot,
          port: target.requestPort,
          path: '/chat/rest/System/SessionId',
          headers: { 'x-liveagent-api-version': API_VERSION, 'x-liveagent-affinity': 'null' },
        });
        if (res.status !== 200) return fail(`SessionId ${res.status} ${res.error ?? res.body.slice(0, 120)}`);
        const session = JSON.parse(res.body);
        const channel = { id: session.id, key: session.key, affinityToken: session.affinityToken, slot, ack: -1, sequence: 1, backlog: [] };
        if (purpose === 'idle') return channel;
        const button = purpose === 'agent' ? org.agentButton : org.echoButton;
        const init = await pool.request({
          slot,
          port: target.requestPort,
          method: 'POST',
          path: '/chat/rest/Chasitor/ChasitorInit',
          headers: visitorHeaders(channel, { 'x-liveagent-sequence': '1' }),
          body: {
            organizationId: org.orgId,
            deploymentId: org.deploymentId,
            buttonId: button,
            sessionId: channel.id,
            userAgent: 'switchboard-bench',
            language: 'en-US',
            screenResolution: '1920x1080',
            visitorName: `bench-${i}`,
            prechatDetails: [],
            prechatEntities: [],
            receiveQueueUpdates: true,
            isPost: true,
          },
        });
        if (init.status !== 200) return fail(`ChasitorInit ${init.status} ${init.body.slice(0, 120)}`);
        if (purpose === 'store') return channel;
        if (purpose === 'agent') {
          const accepted = await target.acceptChat(pool, channel);
          if (!accepted.ok) return fail(`accept ${accepted.status} ${accepted.body}`);
          const drained = await target.drainUntil(pool, channel, (types) => types.includes('ChatEstablished'));
          return drained ? channel : fail('ChatEstablished never arrived');
        }
        const drained = await target.drainUntil(pool, channel, (types) => types.includes('ChatMessage'));
        return drained ? channel : fail('echo-bot greeting never arrived');
      });
      return { channels: opened.filter(Boolean), failures, errors };
    },

    /** Accepts a chat offered to the bench agent; the offer may lag ChasitorInit a little. */
    async acceptChat(pool, channel) {
      let last = null;
      for (let attempt = 0; attempt < 50; attempt += 1) {
        last = await pool.request({ slot: channel.slot, port: target.requestPort, method: 'POST', path: `/agent/v1/chats/${channel.id}/accept`, headers: target.agentHeaders() });
        if (last.status >= 200 && last.status < 300) return { ok: true };
        if (last.status !== 404 && last.status !== 409) break;
        await sleep(100);
      }
      return { ok: false, status: last?.status, body: last?.body.slice(0, 120) };
    },

    /** Polls until `done(types seen)` holds; bench ids seen meanwhile are kept in channel.backlog. */
    async drainUntil(pool, channel, done) {
      const types = [];
      for (let i = 0; i < 10; i += 1) {
        const result = await target.poll(pool, channel, { timeoutMs: 40_000 });
        if (result.kind === 'error') return false;
        types.push(...result.types);
        channel.backlog.push(...result.ids);
        if (done(types)) return true;
      }
      return false;
    },

    async poll(pool, channel, { timeoutMs = 40_000, onFlushed } = {}) {
      const res = await pool.request({
        slot: channel.slot,
        port: target.requestPort,
        path: `/chat/rest/System/Messages?ack=${channel.ack}`,
        headers: visitorHeaders(channel),
        timeoutMs,
        onFlushed,
      });
      if (res.status === 204) return { kind: res.body === '' ? 'timeout' : 'error', ids: [], types: [], res };
      if (res.status !== 200) return { kind: 'error', ids: [], types: [], res };
      const parsed = parseMessages(res.body);
      if (!parsed) return { kind: 'error', ids: [], types: [], res };
      if (Number.isInteger(parsed.sequence)) channel.ack = parsed.sequence;
      return { kind: 'messages', ids: idsIn(parsed.messages), types: parsed.messages.map((m) => m?.type), res };
    },

    /** Agent → visitor; 200 (or an ok reply on the socket) means durable. */
    async agentSend(pool, channel, id, slot) {
      if (AGENT_TRANSPORT === 'socket') return target.agentSocket.command('messages', channel.id, { text: id });
      const res = await pool.request({ slot, port: target.requestPort, method: 'POST', path: `/agent/v1/chats/${channel.id}/messages`, headers: target.agentHeaders(), body: { text: id } });
      return { ok: res.status === 200, res };
    },

    /**
     * The bench agent answers every visitor message on its chats: `onReceived(id,
     * receivedAt)` records the visitor→agent delivery and returns the id of the
     * answer, which the agent sends back (over its socket, or REST).
     */
    startEchoAgent({ pool, onReceived, onSendFailed }) {
      target.agentSocket.onChatEvent((frame, at) => {
        const event = frame.data;
        if (event?.type !== 'ChasitorChatMessage') return;
        const found = String(event.data?.text ?? '').match(MESSAGE_ID_PATTERN);
        if (!found) return;
        const replyId = onReceived(found[0], at);
        if (!replyId) return;
        const channel = { id: frame.chatId };
        target.agentSend(pool, channel, replyId, 0).then(({ ok, res }) => { if (!ok) onSendFailed(replyId, res); });
      });
    },

    /** Visitor → agent (the echo bot answers with the same text). */
    async visitorSend(pool, channel, id, slot = channel.slot) {
      channel.sequence += 1;
      const res = await pool.request({
        slot,
        port: target.requestPort,
        method: 'POST',
        path: '/chat/rest/Chasitor/ChatMessage',
        headers: visitorHeaders(channel, { 'x-liveagent-sequence': String(channel.sequence) }),
        body: { text: id },
      });
      return { ok: res.status === 200, res };
    },
  };
  return target;
}
