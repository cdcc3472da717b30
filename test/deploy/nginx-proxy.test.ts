/**
 * deploy/nginx/switchboard.conf, run by a real nginx in front of a real Switchboard (docs/deployment.md):
 * a visitor's chat with an agent over TLS (the long poll, the agent's WebSocket), the address agents see,
 * a 5 MiB upload to the uploadServletUrl that server.publicUrl makes, /metrics kept off the proxy, the
 * plain-HTTP redirect, HTTP/2, and the timeouts against the limits the server's config allows.
 */
import { request as httpsRequest } from 'node:https';
import { connect as http2Connect } from 'node:http2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileTransferConfig, SettingsConfig } from '../../src/config/config-schema.js';
import { KEEP_ALIVE_TIMEOUT_MS } from '../../src/http/create-http-server.js';
import { request } from '../protocol/harness.js';
import { Visitor } from '../protocol/visitor.js';
import { BUTTON, DEPLOYMENT, ORG, USERS, acceptedChat, onlineAgent, routingConfig, useAgentServer } from '../agent/agent-fixtures.js';
import { fileBytes, requestedOf, sha256, uploadForm } from '../agent/file-transfer-support.js';
import { freePort, startNginxFront, type NginxFront } from './nginx-front.js';

const ports = { https: await freePort(), http: await freePort() };
const PUBLIC_URL = `https://127.0.0.1:${ports.https}`;
// As docs/deployment.md says to run it behind this config: one proxy, whose entry is the last.
const server = useAgentServer({}, { config: (s) => ({ ...routingConfig(s), server: { publicUrl: PUBLIC_URL, trustProxy: 1 } }) });

let front: NginxFront;
let upstream = '';
// The test's certificate is self-signed; this process talks only to loopback servers of its own.
const tlsCheck = process.env['NODE_TLS_REJECT_UNAUTHORIZED'];

beforeAll(async () => {
  upstream = server.baseUrl;
  front = await startNginxFront(new URL(upstream).host, ports);
  process.env['NODE_TLS_REJECT_UNAUTHORIZED'] = '0';
  // Every fixture (visitors, agents, their WebSockets) now goes through nginx.
  server.baseUrl = front.httpsUrl;
});

afterAll(async () => {
  server.baseUrl = upstream;
  if (tlsCheck === undefined) delete process.env['NODE_TLS_REJECT_UNAUTHORIZED'];
  else process.env['NODE_TLS_REJECT_UNAUTHORIZED'] = tlsCheck;
  await front?.stop();
});

/** A number a config schema field declares (its `maximum`, its `default`). */
function schemaNumber(field: object, key: 'maximum' | 'default'): number {
  const value = (field as Record<string, unknown>)[key];
  if (typeof value !== 'number') throw new Error(`the schema field has no numeric ${key}`);
  return value;
}

/** One HTTPS request from a chosen loopback source address, the way a visitor's client sends it. */
function fromAddress(localAddress: string, method: string, path: string, headers: Record<string, string>, body?: unknown): Promise<{ status: number; text: string }> {
  return new Promise((resolveRes, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = httpsRequest(`${front.httpsUrl}${path}`, {
      method, localAddress, rejectUnauthorized: false,
      headers: { ...headers, ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(payload)) } : {}) },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolveRes({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

describe('behind nginx (deploy/nginx/switchboard.conf)', () => {
  it('carries a whole chat over TLS: the visitor’s long poll, the agent’s WebSocket, messages both ways', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const { v, chatId } = await acceptedChat(alice, BUTTON.support);
    await v.say('hello through the proxy');
    expect((await alice.nextChatEvent(chatId, 'ChasitorChatMessage')).data['data']).toMatchObject({ text: 'hello through the proxy' });
    await alice.ok('POST', `/agent/v1/chats/${chatId}/messages`, { text: 'and back' });
    expect((await v.waitFor('ChatMessage')).message).toMatchObject({ text: 'and back' });
    // An empty poll is held and answered, not cut or buffered by the proxy.
    const idle = await v.poll();
    expect(idle.status).toBe(204);
    // The answers did come through nginx (it replaces the upstream's Server header with its own).
    const res = await request(front.httpsUrl, 'GET', 'System/SessionId', { headers: { 'X-LIVEAGENT-API-VERSION': '34', 'X-LIVEAGENT-AFFINITY': 'null' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('server') ?? '').toMatch(/^nginx/);
  });

  it('shows agents the visitor’s own address, not the proxy’s and not one the client forged', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const headers = { 'X-LIVEAGENT-API-VERSION': '34', 'X-LIVEAGENT-AFFINITY': 'null', 'X-Forwarded-For': '198.51.100.7' };
    const session = await fromAddress('127.0.0.7', 'GET', '/chat/rest/System/SessionId', headers);
    expect(session.status, session.text).toBe(200);
    const { key, id, affinityToken } = JSON.parse(session.text) as { key: string; id: string; affinityToken: string };
    const visitor = new Visitor(server);
    const body = { ...visitor.initBody(BUTTON.support, { organizationId: ORG, deploymentId: DEPLOYMENT }), sessionId: id };
    const init = await fromAddress('127.0.0.7', 'POST', '/chat/rest/Chasitor/ChasitorInit',
      { ...headers, 'X-LIVEAGENT-AFFINITY': affinityToken, 'X-LIVEAGENT-SESSION-KEY': key, 'X-LIVEAGENT-SEQUENCE': '1' }, body);
    expect(init.status, init.text).toBe(200);
    const chatId = (await alice.nextOffer()).chatId!;
    const details = await alice.ok<{ visitor: { ipAddress: string } }>('GET', `/agent/v1/chats/${chatId}`);
    expect(details.visitor.ipAddress).toBe('127.0.0.7');
    await fromAddress('127.0.0.7', 'POST', '/chat/rest/Chasitor/ChatEnd',
      { ...headers, 'X-LIVEAGENT-AFFINITY': affinityToken, 'X-LIVEAGENT-SESSION-KEY': key, 'X-LIVEAGENT-SEQUENCE': '2' }, { reason: 'client' });
  });

  it('takes a 5 MiB upload at the uploadServletUrl server.publicUrl names (nginx alone stops at 1 MiB)', async () => {
    const alice = await onlineAgent(server, USERS.alice);
    const { v, chatId } = await acceptedChat(alice, BUTTON.support);
    await alice.ok('POST', `/agent/v1/chats/${chatId}/file-requests`);
    const req = await requestedOf(v);
    expect(req.uploadServletUrl).toBe(`${PUBLIC_URL}/chat/file-transfer`);
    const bytes = fileBytes(5 * 1024 * 1024);
    const up = await uploadForm(req.uploadServletUrl, { chatKey: v.key, fileToken: req.fileToken, orgId: ORG }, { bytes, name: 'scan.pdf', type: 'application/pdf' });
    expect(up.status, up.text).toBe(200);
    const ev = await alice.nextChatEvent(chatId, 'ChasitorFileUploaded');
    expect(ev.data['data']).toMatchObject({ size: bytes.length, sha256: sha256(bytes) });
  });

  it('keeps /metrics off the proxy; the node itself still serves it', async () => {
    const viaProxy = await request(front.httpsUrl, 'GET', '/metrics');
    expect(viaProxy.status).toBe(404);
    expect(viaProxy.text).not.toMatch(/switchboard_/);
    const direct = await request(upstream, 'GET', '/metrics');
    expect(direct.status).toBe(200);
    expect(direct.text).toMatch(/^switchboard_held_polls /m);
  });

  it('sends plain HTTP to HTTPS', async () => {
    const res = await request(front.httpUrl, 'GET', 'System/SessionId');
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe('https://127.0.0.1/chat/rest/System/SessionId');
  });

  it('answers HTTP/2 clients as HTTP/1.1 ones', async () => {
    const session = http2Connect(front.httpsUrl, { rejectUnauthorized: false });
    try {
      const answer = await new Promise<{ status: number; text: string }>((resolveRes, reject) => {
        const stream = session.request({ ':method': 'GET', ':path': '/chat/rest/System/SessionId', 'x-liveagent-api-version': '34', 'x-liveagent-affinity': 'null' });
        let status = 0;
        let text = '';
        stream.on('response', (h) => (status = Number(h[':status'])));
        stream.setEncoding('utf8');
        stream.on('data', (c: string) => (text += c));
        stream.on('end', () => resolveRes({ status, text }));
        stream.on('error', reject);
        stream.end();
      });
      expect(answer.status, answer.text).toBe(200);
      expect(JSON.parse(answer.text)).toMatchObject({ key: expect.stringMatching(/!/) as unknown, clientPollTimeout: 40 });
    } finally {
      session.close();
    }
  });

  it('outlasts the longest poll hold and the stream’s ping, closes idle upstream connections first, and takes the largest default upload', () => {
    const seconds = (directive: string): number => {
      const m = new RegExp(`^\\s*${directive}\\s+(\\d+)s;`, 'm').exec(front.conf);
      if (!m) throw new Error(`${directive} not in the config`);
      return Number(m[1]);
    };
    const maxHold = schemaNumber(SettingsConfig.properties.pollHoldSeconds, 'maximum');
    expect(seconds('proxy_read_timeout')).toBeGreaterThan(maxHold + 15);
    expect(seconds('proxy_read_timeout')).toBeGreaterThan(30 + 15); // the agent stream's ping, every 30 s
    expect(seconds('proxy_send_timeout')).toBeGreaterThan(maxHold + 15);
    expect(seconds('keepalive_timeout') * 1000).toBeLessThan(KEEP_ALIVE_TIMEOUT_MS);
    const body = /^\s*client_max_body_size\s+(\d+)m;/m.exec(front.conf);
    expect(Number(body?.[1]) * 1024 * 1024).toBeGreaterThan(schemaNumber(FileTransferConfig.properties.maxBytes, 'default') + 64 * 1024);
  });
});
