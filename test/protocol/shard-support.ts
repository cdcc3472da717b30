/**
 * Helpers of the cluster suite (ADR 0066, static org shards on one PostgreSQL
 * database): a config of two orgs, each a copy of the demo org under ids of its
 * own, split into shards `a` and `b`; a chat started on any of those orgs; and
 * what the shared database holds (events per org, meta rows).
 */
import { expect } from 'vitest';
import type { ScratchDatabase } from '../../src/adapters/postgres/scratch-database.test-support.js';
import { DEMO_GREETING, type Res, type TestServer, type TestSettings } from './harness.js';
import { API_VERSION, type Visitor } from './visitor.js';

/** The ids of one org of the test config: every one differs from the other org's. */
export interface ShardOrg {
  orgId: string;
  deploymentId: string;
  /** Served by the org's echo bot. */
  botButtonId: string;
  botAgentId: string;
  /** A person of the org who logs in to the agent API. */
  userId: string;
  username: string;
  password: string;
}

/** Shard `a`: the demo org's ids. */
export const ORG_A: ShardOrg = {
  orgId: '00D000000000001', deploymentId: '572000000000001', botButtonId: '573000000000001', botAgentId: '005000000000001',
  userId: '005000000000002', username: 'agent-a', password: 'agent-a-pass',
};

/** Shard `b`: a copy of the demo org under other ids. */
export const ORG_B: ShardOrg = {
  orgId: '00D000000000002', deploymentId: '572000000000002', botButtonId: '573000000000021', botAgentId: '005000000000021',
  userId: '005000000000022', username: 'agent-b', password: 'agent-b-pass',
};

/** Where shard b's clients reach it, as the 421 names it (never dialled: a name only). */
export const SHARD_B_URL = 'http://shard-b.example.test:8082';

function orgConfig(org: ShardOrg): object {
  return {
    id: org.orgId,
    deployments: [{ id: org.deploymentId, buttons: [{ id: org.botButtonId, type: 'Standard', skills: ['demo-bot'] }] }],
    agents: [
      { id: org.botAgentId, name: 'Demo Bot', skills: ['demo-bot'], capacity: 0, bot: 'echo', greeting: DEMO_GREETING },
      { id: org.userId, name: `Agent ${org.username}`, username: org.username, password: `plain:${org.password}`, role: 'agent', skills: ['support'], capacity: 3 },
    ],
  };
}

/**
 * The one config file of every node: both orgs, shard `a` (org A, no url) and shard `b`
 * (org B, {@link SHARD_B_URL}); the file names shard `a`, a node of b says so by
 * SWITCHBOARD_CLUSTER_SHARD. `storage` extra fields (lockWaitSeconds) come from `storage`.
 */
export function shardedConfig(database: ScratchDatabase, storage: Record<string, unknown> = {}): (settings: TestSettings) => object {
  return (settings) => ({
    ...unshardedConfig(database, storage)(settings),
    cluster: {
      shard: 'a',
      shards: [
        { id: 'a', orgs: [ORG_A.orgId] },
        { id: 'b', orgs: [ORG_B.orgId], url: SHARD_B_URL },
      ],
    },
  });
}

/** The same orgs and database with no `cluster` section: a node of the whole store (ADR 0017). */
export function unshardedConfig(database: ScratchDatabase, storage: Record<string, unknown> = {}): (settings: TestSettings) => object {
  return (settings) => ({
    settings: { pollHoldSeconds: 1, clientPollTimeoutSeconds: 40, ...settings },
    storage: { kind: 'postgres', postgresUrl: database.url, ...storage },
    orgs: [orgConfig(ORG_A), orgConfig(ORG_B)],
  });
}

/** The body of the 421 a node answers for `orgId` of shard `shard` (catalogue MISDIRECTED_REQUEST). */
export function misdirected(orgId: string, shard: string, url?: string): string {
  return `Misdirected Request: organization ${orgId} is served by shard ${shard}${url === undefined ? '' : ` at ${url}`}`;
}

/** The ChasitorInit body of a chat with `org`'s echo bot. */
export function initBodyFor(v: Visitor, org: ShardOrg): Record<string, unknown> {
  return v.initBody(org.botButtonId, { organizationId: org.orgId, deploymentId: org.deploymentId });
}

/** Waits until `v` has ChatEstablished and the greeting after it. */
export async function untilEstablished(v: Visitor): Promise<void> {
  await v.pollUntil((all) => {
    const at = all.findIndex((m) => m.type === 'ChatEstablished');
    return at >= 0 && all.slice(at + 1).some((m) => m.type === 'ChatMessage');
  }, 'ChatEstablished and the greeting');
}

/** SessionId, ChasitorInit for `org`'s bot button, then ChatEstablished and the greeting (Visitor.start for any org). */
export async function startChat(v: Visitor, org: ShardOrg): Promise<void> {
  await v.createSession();
  const res = await v.init(initBodyFor(v, org));
  expect(res.status, `ChasitorInit for ${org.orgId}: ${res.text}`).toBe(200);
  await untilEstablished(v);
}

/** GET Visitor/<noun> with a query string, as a widget asks before any session. */
export function visitorGet(server: TestServer, noun: 'Availability' | 'Settings', query: string): Promise<Res> {
  return server.req('GET', `Visitor/${noun}`, { headers: { 'X-LIVEAGENT-API-VERSION': API_VERSION }, query });
}

/** POST /agent/v1/auth/login. */
export function login(server: TestServer, username: string, password: string): Promise<Res> {
  return server.req('POST', '/agent/v1/auth/login', { body: { username, password } });
}

export interface StoredEvent {
  org_id: string | null;
  session_id: string;
  offset: number;
  /** The visitor sequence of a visitor-visible event, else null. */
  vseq: number | null;
  type: string;
  data: string;
}

/** Every event of the database with its session's org, per session in offset order (what every node wrote). */
export function storedEvents(database: ScratchDatabase): Promise<StoredEvent[]> {
  return database.query<StoredEvent>('select s.org_id, e.session_id, e."offset", e.vseq, e.type, e.data from events e left join sessions s on s.id = e.session_id order by e.session_id, e."offset"');
}

/** The texts of the events of `type` in `events`, in order. */
export function textsOf(events: readonly StoredEvent[], type: string): string[] {
  return events.filter((e) => e.type === type).map((e) => String((JSON.parse(e.data) as { text?: unknown }).text));
}

/** The meta rows of the database whose key starts with `prefix`, as a record. */
export async function metaRows(database: ScratchDatabase, prefix: string): Promise<Record<string, string>> {
  const rows = await database.query<{ key: string; value: string }>('select key, value from meta where key like $1 order by key', [`${prefix}%`]);
  return Object.fromEntries(rows.map((r) => [r.key, r.value]));
}
