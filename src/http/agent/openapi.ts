/**
 * The OpenAPI 3.1 document of the agent API, generated from the same route
 * specs and TypeBox schemas fastify validates with.
 */
import type { FastifyInstance } from 'fastify';
import type { AgentRouteSpec } from './agent-routes.js';

/** Error answers are the catalogue's plain text (docs/errors.md): `<message>: <detail>`. */
const errorBody = (description: string) => ({ description, content: { 'text/plain': { schema: { type: 'string' } } } });

/** Query parameters some routes read (they are not in the route specs' schemas). */
const QUERY: Record<string, object[]> = {
  '/agent/v1/chats/{chatId}/transcript': [{ name: 'format', in: 'query', required: false, schema: { enum: ['json', 'jsonl'] }, description: '`jsonl`: JSON Lines, a chat line then one line per event' }],
};
const STREAM_QUERY = [
  { name: 'access_token', in: 'query', required: false, schema: { type: 'string' }, description: 'The bearer credential, for clients that cannot set headers (browsers\' WebSocket and EventSource)' },
  { name: 'lastEventId', in: 'query', required: false, schema: { type: 'string' }, description: 'Resume after this event id (`epoch:offset`); the SSE variant also reads the Last-Event-ID header' },
];

export function openApiDocument(specs: AgentRouteSpec[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const s of specs) {
    const path = s.url.replace(/:(\w+)/g, '{$1}');
    const params = [...[...s.url.matchAll(/:(\w+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } })), ...(QUERY[path] ?? [])];
    const changes = s.method !== 'GET';
    (paths[path] ??= {})[s.method.toLowerCase()] = {
      summary: s.summary,
      ...(s.role ? { security: [{ bearer: [] }], 'x-required-role': s.role } : {}),
      ...(params.length ? { parameters: params } : {}),
      ...(s.body ? { requestBody: { required: true, content: { 'application/json': { schema: s.body } } } } : {}),
      responses: {
        200: { description: 'OK', ...(s.response ? { content: { 'application/json': { schema: s.response } } } : {}) },
        400: errorBody('Invalid request (the body names the field path)'),
        ...(s.role ? { 401: errorBody('Missing or invalid credential'), 403: errorBody('Wrong role, another organization, or not your chat') } : {}),
        ...(path.includes('{') ? { 404: errorBody('No such chat, user, key or visitor') } : {}),
        ...(changes && s.role ? { 409: errorBody('Valid, but not in this state (an offer no longer open, a chat you no longer hold or that ended, nobody to transfer to, a taken username)') } : {}),
        ...(s.body ? { 413: errorBody('Body too large') } : {}),
        ...(s.url === '/agent/v1/auth/login' ? { 401: errorBody('Wrong username or password'), 429: errorBody('Too many failed logins from this address (Retry-After)') } : {}),
      },
    };
  }
  paths['/agent/v1/stream'] = { get: { summary: 'WebSocket stream of offers, chat events, presence and queue changes (resume with ?lastEventId=epoch:offset); command frames run chat actions', security: [{ bearer: [] }], 'x-required-role': 'agent', parameters: STREAM_QUERY, responses: { 101: { description: 'Switching protocols' }, 401: errorBody('Missing or invalid credential (as an error frame, then close 4401)') } } };
  paths['/agent/v1/events'] = { get: { summary: 'The same stream as Server-Sent Events (Last-Event-ID resumes)', security: [{ bearer: [] }], 'x-required-role': 'agent', parameters: STREAM_QUERY, responses: { 200: { description: 'text/event-stream' }, 401: errorBody('Missing or invalid credential') } } };
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
