/**
 * deploy/nginx/switchboard-cluster.conf, run by a real nginx in front of a real cluster (ADR 0066,
 * docs/deployment.md "Cluster mode"): shard a's node, shard b's node and one spare ('*', standby) on
 * one PostgreSQL database, each reached by its shard's host name over TLS (SNI and Host as a
 * browser sends them). A chat with the demo bot on each shard, the 421 for another shard's org,
 * then kill -9 of shard a's node: behind the same host name the spare takes over and the chat goes
 * on, every echo once and in order, while shard b never noticed.
 */
import { request as httpRequest } from 'node:http';
import { connect as tlsConnect } from 'node:tls';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scratchDatabase } from '../../src/adapters/postgres/scratch-database.test-support.js';
import { SECOND_ORG, twoShardConfig } from '../../src/config/cluster-config.test-support.js';
import { OWNS_PROCESS, TestServer, needsProcess, sleep, type Res } from '../protocol/harness.js';
import { expectStandingBy, untilReady } from '../protocol/standby-support.js';
import { BOT_BUTTON, DEPLOYMENT_ID, ORG_ID, Visitor } from '../protocol/visitor.js';
import { HostClient } from './host-client.js';
import { NGINX_CLUSTER_CONF, NGINX_CONF, freePort, runNginx, type RunningNginx } from './nginx-front.js';

const HOST_A = 'la-a.example.com';
const HOST_B = 'la-b.example.com';
/** What the cluster file adds to switchboard.conf's `location /` (the spare; see its comments). */
const FAILOVER_DIRECTIVES = ['proxy_next_upstream error timeout;', 'proxy_connect_timeout 2s;'];

/** The directives of every `location / { … }` block of a config, one string each, comments and proxy_pass left out. */
function proxyLocations(conf: string): string[][] {
  const blocks = [...conf.matchAll(/^\s*location \/ \{\n([\s\S]*?)^\s*\}/gm)];
  return blocks.map((m) => m[1]!.split('\n').map((l) => l.replace(/#.*/, '').trim()).filter((l) => l !== '' && !l.startsWith('proxy_pass ')));
}

/** An answer a client sends its request again on, and when it came. */
interface Refusal {
  readonly at: number;
  readonly status: number;
  readonly text: string;
}

const STANDBY = 'This node is a standby: the active node serves';

/**
 * Sends the request again, as clients do (the SDK's VisitorClient; a POST with the same
 * X-LIVEAGENT-SEQUENCE, which the node answers once), on a standby's 503 (it applied nothing;
 * after its Retry-After) and on nginx's 502 (no node answered: the moment the spare switches from
 * its standby listener to the server proper). Notes each.
 */
async function retrying(send: () => Promise<Res>, refusals: Refusal[], limitMs = 20_000): Promise<Res> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const res = await send();
    const retryAfter = res.headers.get('retry-after');
    const standby = res.status === 503 && retryAfter !== null;
    if (!standby && res.status !== 502) return res;
    refusals.push({ at: performance.now(), status: res.status, text: res.status === 502 ? '502' : res.text });
    if (Date.now() > deadline) throw new Error(`still refused after ${limitMs} ms: ${res.status} ${res.text}`);
    await sleep(standby ? Number(retryAfter) * 1000 : 100);
  }
}

/** The visitor's message, sent again on a refusal with the same X-LIVEAGENT-SEQUENCE. */
async function say(v: Visitor, text: string, refusals: Refusal[]): Promise<void> {
  const sequence = v.sentSequence + 1;
  const res = await retrying(() => v.post('Chasitor/ChatMessage', { text }, { sequence }), refusals);
  expect(res.status, `ChatMessage ${text}: ${res.text}`).toBe(200);
}

/** Polls (through refusals) until the visitor has `count` echoes; any other answer than 200/204 fails. */
async function echoes(v: Visitor, count: number, refusals: Refusal[], limitMs = 20_000): Promise<string[]> {
  const deadline = Date.now() + limitMs;
  while (v.echoes().length < count) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${count} echoes; got ${JSON.stringify(v.echoes())}`);
    const res = await retrying(() => v.poll(), refusals, Math.max(1, deadline - Date.now()));
    if (res.status !== 200 && res.status !== 204) throw new Error(`Messages answered ${res.status} ${JSON.stringify(res.text)}`);
  }
  return v.echoes();
}

/** Plain HTTP to nginx's port 80 server for `host`: the status and Location. */
function plainHttp(port: number, host: string, path: string): Promise<{ status: number; location: string | undefined }> {
  return new Promise((resolveRes, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers: { Host: host } }, (res) => {
      res.resume();
      res.on('end', () => resolveRes({ status: res.statusCode ?? 0, location: res.headers.location }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The TLS handshake for `servername`: the protocol ALPN agreed and the names the certificate is for (checked against `ca`). */
function handshake(port: number, servername: string, ca: string[]): Promise<{ alpn: string | false; altNames: string }> {
  return new Promise((resolveTls, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, servername, ca, ALPNProtocols: ['h2', 'http/1.1'] }, () => {
      const result = { alpn: socket.alpnProtocol ?? false, altNames: socket.getPeerCertificate().subjectaltname ?? '' };
      socket.end();
      resolveTls(result);
    });
    socket.on('error', reject);
  });
}

const ports = { https: await freePort(), http: await freePort() };
const urls = { a: `https://${HOST_A}:${ports.https}`, b: `https://${HOST_B}:${ports.https}` };

describe.skipIf(!OWNS_PROCESS)(needsProcess('behind nginx (deploy/nginx/switchboard-cluster.conf): two shards and a spare'), () => {
  const db = scratchDatabase('sb_nginx_cluster');
  const node = (shard: 'a' | 'b' | '*', env: Record<string, string> = {}): TestServer => new TestServer({}, {
    env: { SWITCHBOARD_CLUSTER_SHARD: shard, ...env },
    config: (settings) => ({ ...twoShardConfig(db.url, 'a', urls), server: { trustProxy: 1 }, settings: { clientPollTimeoutSeconds: 40, ...settings } }),
  });
  const a = node('a');
  const b = node('b');
  const spare = node('*', { SWITCHBOARD_STANDBY: 'true' });
  let nginx: RunningNginx;
  let laA: HostClient;
  let laB: HostClient;
  let ca: string[];
  // One visitor per shard, chatting from the first test on; the failover carries them on.
  let va: Visitor;
  let vb: Visitor;

  beforeAll(async () => {
    await db.create();
    await a.start();
    await b.start();
    await spare.start();
    const host = (s: TestServer): string => new URL(s.baseUrl).host;
    nginx = await runNginx({
      confFile: NGINX_CLUSTER_CONF,
      certs: { a: [`DNS:${HOST_A}`], b: [`DNS:${HOST_B}`] },
      rewrites: (certs) => [
        { from: 'server 10.0.0.11:8080 ', to: `server ${host(a)} ` },
        { from: 'server 10.0.0.12:8080 ', to: `server ${host(b)} ` },
        { from: 'server 10.0.0.19:8080 ', to: `server ${host(spare)} `, times: 2 },
        { from: 'listen 80;', to: `listen 127.0.0.1:${ports.http};` },
        { from: 'listen [::]:80;', to: '' },
        { from: 'listen 80 default_server;', to: `listen 127.0.0.1:${ports.http} default_server;` },
        { from: 'listen [::]:80 default_server;', to: '' },
        { from: 'listen 443 ssl http2 default_server;', to: `listen 127.0.0.1:${ports.https} ssl http2 default_server;` },
        { from: 'listen [::]:443 ssl http2 default_server;', to: '' },
        { from: 'listen 443 ssl http2;', to: `listen 127.0.0.1:${ports.https} ssl http2;`, times: 2 },
        { from: 'listen [::]:443 ssl http2;', to: '', times: 2 },
        { from: `/etc/letsencrypt/live/${HOST_A}/fullchain.pem`, to: certs['a']!.certFile },
        { from: `/etc/letsencrypt/live/${HOST_A}/privkey.pem`, to: certs['a']!.keyFile },
        { from: `/etc/letsencrypt/live/${HOST_B}/fullchain.pem`, to: certs['b']!.certFile },
        { from: `/etc/letsencrypt/live/${HOST_B}/privkey.pem`, to: certs['b']!.keyFile },
      ],
      ports: [ports.https, ports.http],
    });
    ca = [nginx.certs['a']!.pem, nginx.certs['b']!.pem];
    laA = new HostClient(HOST_A, ports.https, ca, a.pollHoldMs);
    laB = new HostClient(HOST_B, ports.https, ca, b.pollHoldMs);
  }, 90_000);

  afterAll(async () => {
    laA?.close();
    laB?.close();
    await nginx?.stop();
    await a.dispose();
    await b.dispose();
    await spare.dispose();
    await db.drop();
  });

  it('proxies as switchboard.conf does: the same location settings per shard, each shard’s certificate by SNI, HTTP/2, /metrics kept off, plain HTTP redirected', async () => {
    const single = proxyLocations(readFileSync(NGINX_CONF, 'utf8'));
    expect(single).toHaveLength(1);
    const shards = proxyLocations(nginx.conf);
    expect(shards).toHaveLength(2);
    for (const location of shards) {
      expect(location.filter((d) => !FAILOVER_DIRECTIVES.includes(d))).toEqual(single[0]);
      expect(location).toEqual(expect.arrayContaining(FAILOVER_DIRECTIVES));
    }
    for (const directive of ['client_max_body_size 11m;', 'keepalive 64;', 'keepalive_timeout 60s;']) {
      expect(readFileSync(NGINX_CONF, 'utf8')).toContain(directive);
      expect(nginx.conf.split(directive).length - 1, directive).toBe(2);
    }

    for (const [hostname, client] of [[HOST_A, laA], [HOST_B, laB]] as const) {
      const tls = await handshake(ports.https, hostname, ca);
      expect(tls).toEqual({ alpn: 'h2', altNames: `DNS:${hostname}` });
      const metrics = await client.req('GET', '/metrics');
      expect(metrics.status).toBe(404);
      expect(metrics.text).not.toMatch(/switchboard_/);
      expect(await plainHttp(ports.http, hostname, '/chat/rest/System/SessionId')).toEqual({ status: 301, location: `https://${hostname}/chat/rest/System/SessionId` });
    }
    // A name that is no shard's is not shard a's: no certificate, no answer.
    const stranger = 'elsewhere.example.net';
    await expect(handshake(ports.https, stranger, ca), 'TLS for an unknown name').rejects.toThrow(/alert|unrecognized name|handshake|ECONNRESET/i);
    await expect(plainHttp(ports.http, stranger, '/chat/rest/System/SessionId'), 'plain HTTP for an unknown name').rejects.toThrow(/socket hang up|ECONNRESET/);
  });

  it('carries a chat with the demo bot on each shard by its host name, answers 421 naming the shard for another shard’s org, and passes a node’s own 503 on', async () => {
    va = new Visitor(laA.asServer);
    await va.start(BOT_BUTTON);
    await va.say('a-1');
    expect(await va.awaitEchoes(['a-1'])).toEqual(['a-1']);

    vb = new Visitor(laB.asServer);
    await vb.createSession();
    const init = await vb.init(vb.initBody(SECOND_ORG.botButtonId, { organizationId: SECOND_ORG.organizationId, deploymentId: SECOND_ORG.deploymentId }));
    expect(init.status, init.text).toBe(200);
    await vb.pollUntil((all) => all.some((m) => m.type === 'ChatEstablished') && all.some((m) => m.type === 'ChatMessage'), 'ChatEstablished and the greeting');
    await vb.say('b-1');
    expect(await vb.awaitEchoes(['b-1'])).toEqual(['b-1']);

    // Org 2's widget pointed at shard a's host: node a sends it to shard b, by name and url.
    const lost = new Visitor(laA.asServer);
    await lost.createSession();
    const misdirected = await lost.init(lost.initBody(SECOND_ORG.botButtonId, { organizationId: SECOND_ORG.organizationId, deploymentId: SECOND_ORG.deploymentId }));
    expect(misdirected.status, misdirected.text).toBe(421);
    expect(misdirected.text).toContain(`is served by shard b at ${urls.b}`);
    const availability = await laA.req('GET', 'Visitor/Availability', {
      headers: { 'X-LIVEAGENT-API-VERSION': '34' },
      query: { org_id: SECOND_ORG.organizationId, deployment_id: SECOND_ORG.deploymentId, 'Availability.ids': SECOND_ORG.botButtonId },
    });
    expect(availability.status, availability.text).toBe(421);
    expect(availability.text).toContain(`is served by shard b at ${urls.b}`);
    // The answers came through nginx (it replaces the node's Server header with its own).
    expect(availability.headers.get('server') ?? '').toMatch(/^nginx/);

    // A serving node's 503 reaches the client as it is: it is the visitor's cue to resync, and
    // nginx must not try it again on the spare (whose 503 standby, or 421, would answer instead).
    const stale = await lost.poll({ headers: { 'X-LIVEAGENT-AFFINITY': 'deadbeef' } });
    expect(stale.status, stale.text).toBe(503);
    expect(stale.text).toBe('Invalid Affinity Token');
  });

  it('kill -9 of shard a’s node: through la-a the spare takes over and the chat goes on, every echo once and in order; la-b kept working', async () => {
    expect(va, 'the chats of the test before').toBeDefined();
    await expectStandingBy(spare);
    const refusals: Refusal[] = [];
    const bRefusals: Refusal[] = [];
    // A poll held by node a when it dies: nginx sends it on to the spare (a GET, not answered yet),
    // which answers it, or refuses it as a standby; nginx's own 502 would mean it was not sent on.
    const held = va.poll();
    await sleep(100);
    await a.kill9();
    const killed = performance.now();
    const ready = untilReady(spare, 15_000).then(() => performance.now());
    // Meanwhile a widget's Availability every 20 ms through la-a, until a second after the spare
    // serves: it meets the spare's moment of switching, and shows whether nginx then skips the spare.
    const availability: Refusal[] = [];
    let readySeen = Number.POSITIVE_INFINITY;
    void ready.then((t) => (readySeen = t));
    const probing = (async () => {
      while (performance.now() < readySeen + 1_000 && performance.now() - killed < 15_000) {
        const res = await laA.req('GET', 'Visitor/Availability', { headers: { 'X-LIVEAGENT-API-VERSION': '34' }, query: { org_id: ORG_ID, deployment_id: DEPLOYMENT_ID, 'Availability.ids': BOT_BUTTON } });
        availability.push({ at: performance.now(), status: res.status, text: res.status === 502 ? '502' : res.text });
        await sleep(20);
      }
    })();
    const first = await held;
    expect(first.status === 200 || first.status === 204 || (first.status === 503 && first.text === STANDBY), `the held poll: ${first.status} ${first.text}`).toBe(true);

    // Shard b, while shard a changes hands.
    await say(vb, 'b-2', bRefusals);
    expect(await echoes(vb, 2, bRefusals)).toEqual(['b-1', 'b-2']);

    await say(va, 'a-2', refusals);
    expect(await echoes(va, 2, refusals)).toEqual(['a-1', 'a-2']);
    const readyAt = await ready;
    expect(spare.logTail).toContain('cluster mode: serving shard a');
    await say(va, 'a-3', refusals);
    expect(await echoes(va, 3, refusals)).toEqual(['a-1', 'a-2', 'a-3']);
    await va.expectNoMore();
    // The only refusals on the way were the spare's before it served: its 503 standby, and 502 in the
    // moment it switched over. None once it served, never another shard's 421.
    for (const r of refusals) {
      expect([STANDBY, '502']).toContain(r.text);
      expect(r.at - killed, `${r.status} ${Math.round(r.at - killed)} ms after the kill, the spare ready after ${Math.round(readyAt - killed)} ms`).toBeLessThan(readyAt - killed + 250);
    }

    await probing;
    const served = availability.filter((r) => r.status === 200);
    expect(served.length, 'Availability answered once the spare serves').toBeGreaterThan(0);
    for (const r of availability.filter((x) => x.status !== 200)) {
      expect([STANDBY, '502']).toContain(r.text);
      expect(r.at - killed, `Availability ${r.status} ${Math.round(r.at - killed)} ms after the kill, the spare ready after ${Math.round(readyAt - killed)} ms`).toBeLessThan(readyAt - killed + 250);
    }

    await say(vb, 'b-3', bRefusals);
    expect(await echoes(vb, 3, bRefusals)).toEqual(['b-1', 'b-2', 'b-3']);
    expect(bRefusals).toEqual([]);
  }, 60_000);

  it('fail-back: node a started again waits for the lock without listening (la-a stays on the spare), and serves shard a once the spare stops; nginx answers 502 for at most fail_timeout between', async () => {
    expect(va, 'the chats of the tests before').toBeDefined();
    const refusals: Refusal[] = [];
    const address = a.baseUrl;
    // Not a standby: one would listen at once and answer 503 standby from the address nginx prefers.
    const back = a.start();
    await sleep(1_000);
    await say(va, 'a-4', refusals);
    expect(await echoes(va, 4, refusals)).toEqual(['a-1', 'a-2', 'a-3', 'a-4']);

    await spare.stop();
    await back;
    const up = performance.now();
    expect(a.baseUrl, 'node a back at the address nginx has').toBe(address);
    expect(a.logTail).toContain('cluster mode: serving shard a');
    // A planned switch: the message is sent again on nginx's 502 ("no live upstreams") until node a
    // is tried again, at most fail_timeout (2 s) after nginx last found it refusing.
    const sequence = va.sentSequence + 1;
    let res: Res;
    for (;;) {
      res = await va.post('Chasitor/ChatMessage', { text: 'a-5' }, { sequence });
      if (res.status !== 502 || performance.now() - up > 5_000) break;
      await sleep(100);
    }
    const gapMs = performance.now() - up;
    expect(res.status, res.text).toBe(200);
    expect(gapMs, '502s after node a listened').toBeLessThan(3_000);
    expect(await echoes(va, 5, refusals)).toEqual(['a-1', 'a-2', 'a-3', 'a-4', 'a-5']);
    await va.expectNoMore();
    expect(refusals, 'la-a served by the spare while node a waited').toEqual([]);
  }, 60_000);
});
