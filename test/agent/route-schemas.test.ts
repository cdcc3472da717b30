/**
 * Every route of the agent API (and the emulator's admin routes) declares the
 * schema of its success answer: the OpenAPI document shows it, the SDK's types
 * come from it, and fastify serializes with it. The routes are the ones the
 * server registers (an onRoute hook), not a list kept here, so a new route
 * without a schema fails this test, and so does a route of the agent API that
 * the OpenAPI document leaves out (one registered beside `route()`). Visitor
 * routes speak the Live Agent wire format (docs/visitor-api.md) and the
 * WebSocket answers 101: neither is here.
 */
import pino from 'pino';
import type { RouteOptions } from 'fastify';
import { describe, expect, it } from 'vitest';
import { MemoryChatStore } from '../../src/adapters/memory/memory-chat-store.js';
import { demoOrg } from '../../src/config/demo-deployment.js';
import { validateConfig } from '../../src/config/load-config.js';
import { createSwitchboard } from '../../src/main.js';

/** The APIs this audit covers; health, metrics, static files and the visitor API are other formats. */
const AUDITED = /^\/(agent|emulator)\/v1\//;

interface Registered { method: string; url: string; schema: RouteOptions['schema']; websocket: boolean }

async function registeredRoutes(): Promise<{ routes: Registered[]; documented: string[] }> {
  const routes: Registered[] = [];
  const config = validateConfig({ storage: { kind: 'memory' }, server: { host: '127.0.0.1', port: 0, emulator: true }, orgs: [structuredClone(demoOrg)] }, 'test');
  const sb = await createSwitchboard(config, {
    store: new MemoryChatStore(), logger: pino({ level: 'silent' }),
    onRoute: (r) => {
      for (const method of [r.method].flat()) {
        // HEAD routes are fastify's own copies of the GET routes.
        if (method !== 'HEAD') routes.push({ method, url: r.url, schema: r.schema, websocket: Boolean((r as { wsHandler?: unknown }).wsHandler ?? (r as { websocket?: boolean }).websocket) });
      }
    },
  });
  await sb.app.ready();
  const doc = (await sb.app.inject({ method: 'GET', url: '/agent/v1/openapi.json' })).json<{ paths: Record<string, Record<string, unknown>> }>();
  await sb.stop();
  const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`));
  return { routes, documented };
}

/** The 2xx statuses a route's schema answers with, and whether each has a schema (directly or per content type). */
function successSchemas(schema: RouteOptions['schema']): Record<string, boolean> {
  const response = (schema?.response ?? {}) as Record<string, { content?: Record<string, { schema?: unknown }>; type?: unknown } | undefined>;
  return Object.fromEntries(Object.entries(response).filter(([status]) => /^2(\d\d|xx)$/.test(status)).map(([status, s]) => {
    const content = s?.content;
    return [status, content ? Object.values(content).every((c) => c.schema !== undefined) : s !== undefined && Object.keys(s).length > 0];
  }));
}

describe('route schemas: every route of the agent and emulator APIs declares its success answer', () => {
  it('finds the routes the server registers, and each has a schema for a 2xx answer', async () => {
    const routes = (await registeredRoutes()).routes.filter((r) => AUDITED.test(r.url));
    // Not vacuous: the hook saw the API (admin, supervisor, agent, emulator and stream routes).
    for (const known of ['GET /agent/v1/admin/api-keys', 'GET /agent/v1/supervisor/overview', 'POST /agent/v1/chats/:chatId/messages', 'POST /emulator/v1/reset', 'GET /agent/v1/events', 'GET /agent/v1/stream']) {
      expect(routes.map((r) => `${r.method} ${r.url}`)).toContain(known);
    }
    const missing = routes.filter((r) => !r.websocket).filter((r) => {
      const statuses = successSchemas(r.schema);
      return !Object.keys(statuses).length || Object.values(statuses).includes(false);
    }).map((r) => `${r.method} ${r.url}`);
    expect(missing).toEqual([]);
  });

  it('declares a params schema, naming each path parameter, for every route with one', async () => {
    const routes = (await registeredRoutes()).routes.filter((r) => AUDITED.test(r.url) && r.url.includes('/:'));
    expect(routes.length).toBeGreaterThan(5);
    const undeclared = routes.flatMap((r) => {
      const declared = Object.keys(((r.schema?.params ?? {}) as { properties?: Record<string, unknown> }).properties ?? {});
      return [...r.url.matchAll(/:(\w+)/g)].map((m) => m[1]!).filter((name) => !declared.includes(name)).map((name) => `${r.method} ${r.url} (${name})`);
    });
    expect(undeclared).toEqual([]);
  });

  it('documents every route of the agent API the server registers in the OpenAPI document (the document itself aside)', async () => {
    const { routes, documented } = await registeredRoutes();
    const agentRoutes = routes.filter((r) => r.url.startsWith('/agent/v1/') && r.url !== '/agent/v1/openapi.json').map((r) => `${r.method} ${r.url}`);
    expect(agentRoutes.length).toBeGreaterThan(30);
    expect(agentRoutes.filter((r) => !documented.includes(r))).toEqual([]);
  });
});
