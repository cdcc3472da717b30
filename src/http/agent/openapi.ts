/**
 * The OpenAPI 3.1 document of the agent API, generated from the same route
 * specs and TypeBox schemas fastify validates with.
 */
import type { FastifyInstance } from 'fastify';
import type { AgentRouteSpec } from './agent-routes.js';

export function openApiDocument(specs: AgentRouteSpec[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const s of specs) {
    const path = s.url.replace(/:(\w+)/g, '{$1}');
    const params = [...s.url.matchAll(/:(\w+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    (paths[path] ??= {})[s.method.toLowerCase()] = {
      summary: s.summary,
      ...(s.role ? { security: [{ bearer: [] }], 'x-required-role': s.role } : {}),
      ...(params.length ? { parameters: params } : {}),
      ...(s.body ? { requestBody: { required: true, content: { 'application/json': { schema: s.body } } } } : {}),
      responses: {
        200: { description: 'OK', ...(s.response ? { content: { 'application/json': { schema: s.response } } } : {}) },
        400: { description: 'Invalid request (the body names the field path)' },
        ...(s.role ? { 401: { description: 'Missing or invalid credential' }, 403: { description: 'Wrong role or another organization' } } : {}),
      },
    };
  }
  paths['/agent/v1/stream'] = { get: { summary: 'WebSocket stream of offers, chat events, presence and queue changes (resume with ?lastEventId=epoch:offset)', security: [{ bearer: [] }], responses: { 101: { description: 'Switching protocols' } } } };
  paths['/agent/v1/events'] = { get: { summary: 'The same stream as Server-Sent Events (Last-Event-ID resumes)', security: [{ bearer: [] }], responses: { 200: { description: 'text/event-stream' } } } };
  return {
    openapi: '3.1.0',
    info: { title: 'Switchboard agent API', version },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'Access token from /agent/v1/auth/login, or an API key (sbk_…)' } } },
    paths,
  };
}

export function registerOpenApiRoute(app: FastifyInstance, specs: AgentRouteSpec[]): void {
  const doc = JSON.stringify(openApiDocument(specs, '1.0.0'));
  app.get('/agent/v1/openapi.json', (_req, reply) => { void reply.type('application/json').send(doc); });
}
