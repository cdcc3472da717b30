// Two orgs on PostgreSQL, served by one node or by two shard nodes (cluster mode by
// static org shards, ADR 0066), for the throughput scenario's cluster rows:
//   switchboard-postgres-2-orgs — one process, the two-org config without a cluster section;
//   switchboard-cluster         — two processes on one database and one config with the
//                                 cluster section, SWITCHBOARD_CLUSTER_SHARD=a / b, each
//                                 serving one org.
// Both split the chats evenly over the two orgs, each org with its own bench agent on its
// own stream socket, and each chat talks to the node that serves its org: the two rows
// differ only in how many processes serve the same work.
//
// It drives the nodes through the client side of switchboardTarget (one view per org,
// each sending to its node's port through the scenario's one pool) and starts the
// processes itself.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ClientPool, freePort } from '../lib/load-generator.mjs';
import { startServerProcess } from '../lib/server-process.mjs';
import { BENCH_ORG, SECOND_ORG, twoOrgConfig } from './switchboard-config.mjs';
import { dropPostgresDatabase, freshPostgresDatabase } from './postgres-database.mjs';
import { switchboardTarget, switchboardUnavailableReason } from './switchboard-target.mjs';

const REPO_ROOT = path.join(import.meta.dirname, '..', '..');
const MAIN = path.join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');
const ORGS = [BENCH_ORG, SECOND_ORG];
const SHARD_IDS = ['a', 'b'];

/**
 * Throws unless the node on `port` answers 421 (Misdirected Request) to the login of
 * `org`'s bench agent: a node that logs it in serves that org too, so the nodes would not
 * be sharded (a build without cluster mode, or the shard setting ignored) and the row
 * would measure something else.
 */
async function expectMisdirected(port, org) {
  const pool = new ClientPool({ host: '127.0.0.1', port, addresses: 1 });
  const res = await pool.request({ method: 'POST', path: '/agent/v1/auth/login', body: org.credentials, timeoutMs: 10_000 });
  pool.destroy();
  if (res.status === 421) return;
  const detail = res.status === 0 ? ` (${res.error})` : res.status >= 200 && res.status < 300 ? '' : ` (${res.body.slice(0, 120).replaceAll('\n', ' ')})`;
  throw new Error(`not sharded: shard a answered ${res.status}, not 421, to the login of org ${org.orgId}'s agent${detail}`);
}

/**
 * @param shards true: two shard nodes (switchboard-cluster); false: one node, both orgs
 */
export function clusterTarget({ runDir, cpuProfileDir = null, postgresDatabase = null, shards }) {
  const name = shards ? 'switchboard-cluster' : 'switchboard-postgres-2-orgs';
  const nodeArgs = [...(cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfileDir] : []), ...(process.env.BENCH_NODE_ARGS?.split(' ').filter(Boolean) ?? [])];
  // One client view per org (visitor sessions, its bench agent and its socket).
  const views = ORGS.map((org) => switchboardTarget({ runDir, storage: 'postgres', org }));
  /** The running processes: [{shard, org, port, server}], one per shard or one for both orgs. */
  let nodes = [];
  const target = {
    name,
    label: shards ? 'Switchboard cluster (PostgreSQL, 2 shard nodes, 1 org each)' : 'Switchboard (PostgreSQL, 1 node, 2 orgs)',
    storage: 'postgres',
    timeoutStatus: 204,
    persistent: true,
    host: '127.0.0.1',
    port: null,
    unavailable: switchboardUnavailableReason(),
    agentTransport: views[0].agentTransport,
    postgresUrl: null,

    async start({ holdSeconds }) {
      if (!postgresDatabase) throw new Error('no bench database name (context.postgresDatabase): run through bench/run.mjs');
      const db = await freshPostgresDatabase(postgresDatabase);
      if (db.unavailable) throw new Error(db.unavailable);
      target.postgresUrl = db.url;
      const ports = [];
      for (let i = 0; i < (shards ? SHARD_IDS.length : 1); i += 1) ports.push(await freePort());
      const storage = { kind: 'postgres', postgresUrl: db.url };
      const config = twoOrgConfig({ holdSeconds, storage, shards: shards ? SHARD_IDS.map((id, i) => ({ id, url: `http://127.0.0.1:${ports[i]}` })) : null });
      const configPath = path.join(runDir, `${name}-config.json`);
      writeFileSync(configPath, JSON.stringify(config, null, 2));
      // One after the other: the first creates the tables, the second finds them.
      for (const [i, port] of ports.entries()) {
        const shard = shards ? SHARD_IDS[i] : null;
        // Before a second node: the first must send the other org away (421), else it serves
        // every org (a build without cluster mode) and the second would wait for its lock.
        if (i > 0 && shards) await expectMisdirected(ports[0], ORGS[i]);
        const dataDir = path.join(process.env.BENCH_DATA_DIR || runDir, `${name}-data${shard ? `-${shard}` : ''}`);
        rmSync(dataDir, { recursive: true, force: true });
        mkdirSync(dataDir, { recursive: true });
        const server = await startServerProcess({
          command: process.execPath,
          args: [...nodeArgs, MAIN, 'serve', '--port', String(port), '--host', '127.0.0.1', '--data-dir', dataDir, '--config', configPath],
          cwd: REPO_ROOT,
          env: shard ? { SWITCHBOARD_CLUSTER_SHARD: shard } : {},
          logPath: path.join(runDir, `${name}${shard ? `-${shard}` : ''}.log`),
          timeoutMs: 60_000,
        }).catch((err) => {
          // The log tail has many lines: its last one says why (one line, for the report's table).
          const last = err.message.trim().split('\n').pop();
          throw new Error(`${shard ? `shard ${shard}` : 'node'}: ${last.slice(0, 300)}`);
        });
        nodes.push({ shard, port, server });
      }
      target.port = ports[0];
      // Each org's view talks to the node that serves it.
      for (const [i, view] of views.entries()) {
        view.port = shards ? ports[i] : ports[0];
        view.requestPort = view.port;
      }
      return { readyMs: Math.max(...nodes.map((n) => n.server.readyMs)) };
    },

    serverPids: () => nodes.map((n) => n.server.pid),
    /** Per node: its name (the shard, or "one node") and pid, for the per-node CPU. */
    serverNodes: () => nodes.map((n) => ({ node: n.shard ?? 'one node', pid: n.server.pid })),
    /** The node (index into serverNodes()) that serves org view `i`. */
    nodeOfView: (i) => (shards ? i : 0),
    viewCount: views.length,
    /** Group commits so far, per node (from its /metrics, through the view of an org it serves). */
    async commitBatchesByNode(pool) {
      const metrics = await Promise.all(nodes.map((_, i) => views[i].serverMetrics(pool)));
      return metrics.map((m) => m?.commitBatches ?? null);
    },

    async stop() {
      for (const view of views) {
        view.agentSocket?.close();
        view.agentSocket = null;
      }
      const running = nodes;
      nodes = [];
      await Promise.all(running.map((n) => n.server.stop()));
    },
    async dispose() {
      if (!target.postgresUrl) return;
      const problem = await dropPostgresDatabase(postgresDatabase);
      if (problem) process.stderr.write(`  ${name}: could not drop ${postgresDatabase}: ${problem}\n`);
      target.postgresUrl = null;
    },

    /** Each org's bench agent logs in on its org's node and opens its socket there. */
    async agentApiUnavailableReason(pool) {
      for (const [i, view] of views.entries()) {
        const reason = await view.agentApiUnavailableReason(pool);
        if (reason) return `org ${ORGS[i].orgId}: ${reason}`;
      }
      return null;
    },

    /** `count` chats split evenly over the orgs (the first takes the odd one); each channel knows its view. */
    async openChannels(pool, count, purpose) {
      const share = (i) => Math.floor(count / views.length) + (i < count % views.length ? 1 : 0);
      const opened = await Promise.all(views.map((view, i) => view.openChannels(pool, share(i), purpose)));
      const channels = opened.flatMap((o, i) => o.channels.map((channel) => Object.assign(channel, { view: i, node: target.nodeOfView(i) })));
      return {
        channels,
        failures: opened.reduce((sum, o) => sum + o.failures, 0),
        errors: opened.flatMap((o, i) => o.errors.map((e) => `org ${ORGS[i].orgId}: ${e}`)).slice(0, 5),
      };
    },

    poll: (pool, channel, options) => views[channel.view].poll(pool, channel, options),
    visitorSend: (pool, channel, id, slot) => views[channel.view].visitorSend(pool, channel, id, slot),

    /** Every org's bench agent answers on its own socket; `onReceived` also learns the node. */
    startEchoAgent({ pool, onReceived, onSendFailed }) {
      for (const [i, view] of views.entries()) {
        view.startEchoAgent({ pool, onReceived: (id, at) => onReceived(id, at, target.nodeOfView(i)), onSendFailed });
      }
    },
  };
  return target;
}
