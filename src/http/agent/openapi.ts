/**
 * The OpenAPI 3.1 document of the agent API, generated from the same route
 * specs and TypeBox schemas fastify validates with.
 */
import type { FastifyInstance } from 'fastify';
import { Type, type TSchema } from 'typebox';
import { StreamEvent } from '../../protocol/agent-api-types.js';
import type { AgentRouteSpec } from './agent-routes.js';
import { AGENT_COMPRESSION, settleAcceptEncoding, varyOnAcceptEncoding } from './answer-compression.js';

/** Error answers are the catalogue's plain text (docs/errors.md): `<message>: <detail>`. */
const errorBody = (description: string) => ({ description, content: { 'text/plain': { schema: { type: 'string' } } } });

const STREAM_QUERY = [
  { name: 'ticket', in: 'query', required: false, schema: { type: 'string' }, description: 'A single-use ticket from POST /agent/v1/stream-ticket (good for 30 s), for clients that cannot set headers (browsers\' WebSocket and EventSource). A used, unknown or expired ticket is refused like a bad credential' },
  { name: 'access_token', in: 'query', required: false, schema: { type: 'string' }, description: 'The bearer credential itself, for clients that cannot set headers. Still accepted; prefer `ticket`: a URL ends up in logs and browser consoles' },
  { name: 'lastEventId', in: 'query', required: false, schema: { type: 'string' }, description: 'Resume after this event id (`epoch:offset`); the SSE variant also reads the Last-Event-ID header' },
];

/** What each error status means where a route does not say more (AgentRouteSpec.errors). */
const ERROR_MEANING: Record<number, string> = {
  400: 'Invalid request: malformed JSON, or a body that fails the schema (the text names the field path)',
  401: 'Missing or invalid credential',
  403: 'Wrong role, another organization, or not your chat',
  404: 'No such chat, user, key or visitor',
  409: 'Valid, but not in this state (an offer no longer open, a chat you no longer hold or that ended, nobody to transfer to, a taken username)',
  413: 'Body too large (fastify reads the body of every POST, PUT, PATCH and DELETE, so also where none is expected)',
};

/**
 * The error statuses a route answers: those that follow from its role, path
 * parameters and method, then the ones its handler adds (spec.errors). The
 * document is the reference where the docs disagree, so a status a route can
 * answer must be here (test/agent/openapi.test.ts provokes them).
 */
function errorResponses(s: AgentRouteSpec, path: string): Record<number, object> {
  const readsBody = s.method !== 'GET';
  const derived = [400, ...(s.role ? [401, 403] : []), ...(path.includes('{') ? [404] : []), ...(readsBody && s.role ? [409] : []), ...(readsBody ? [413] : [])];
  const statuses: Record<number, string> = { ...Object.fromEntries(derived.map((status) => [status, ERROR_MEANING[status]!])), ...s.errors };
  return Object.fromEntries(Object.entries(statuses).map(([status, meaning]) => [status, errorBody(meaning)]));
}

/** The query parameters of a route, from the TypeBox object schema fastify validates them with. */
function queryParameters(schema: TSchema | undefined): object[] {
  if (!schema) return [];
  const { properties = {}, required = [] } = schema as { properties?: Record<string, { description?: string }>; required?: string[] };
  return Object.entries(properties).map(([name, property]) => ({
    name, in: 'query', required: required.includes(name), schema: property, ...(property.description ? { description: property.description } : {}),
  }));
}

export function openApiDocument(specs: AgentRouteSpec[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const s of specs) {
    const path = s.url.replace(/:(\w+)/g, '{$1}');
    const params = [...[...s.url.matchAll(/:(\w+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } })), ...queryParameters(s.querystring)];
    (paths[path] ??= {})[s.method.toLowerCase()] = {
      summary: s.summary,
      ...(s.role ? { security: [{ bearer: [] }], 'x-required-role': s.role } : {}),
      ...(params.length ? { parameters: params } : {}),
      ...(s.body ? { requestBody: { required: true, content: { 'application/json': { schema: s.body } } } } : {}),
      responses: {
        200: {
          description: s.jsonLines ? 'OK. As application/x-ndjson: one JSON value of that schema per line' : 'OK',
          content: { 'application/json': { schema: s.response }, ...(s.jsonLines ? { 'application/x-ndjson': { schema: s.jsonLines } } : {}) },
        },
        ...errorResponses(s, path),
      },
    };
  }
  // The socket is always accepted (101); a bad credential is an `error` frame and a close
  // code, never an HTTP status. OpenAPI has no place for close codes: an extension holds them.
  paths['/agent/v1/stream'] = {
    get: {
      summary: 'WebSocket stream of offers, chat events, presence and queue changes (resume with ?lastEventId=epoch:offset); command frames run chat actions',
      security: [{ bearer: [] }], 'x-required-role': 'agent', parameters: STREAM_QUERY,
      responses: {
        101: { description: 'Switching protocols. A missing, invalid or later revoked credential, or a used, unknown or expired ticket, gets an `error` frame `{status: 401, message}`, then close code 4401' },
        426: errorBody('A plain HTTP request without the WebSocket upgrade (use /agent/v1/events for Server-Sent Events)'),
      },
      'x-close-codes': {
        4401: 'Missing or invalid credential, a used, unknown or expired ticket, or credentials revoked (after an error frame)',
        4429: 'The user already has 20 stream connections open (after an error frame)',
        1009: 'A frame over 64 KB',
      },
    },
  };
  paths['/agent/v1/events'] = { get: { summary: 'The same stream as Server-Sent Events (Last-Event-ID resumes)', security: [{ bearer: [] }], 'x-required-role': 'agent', parameters: STREAM_QUERY, responses: { 200: { description: 'Server-Sent Events: each event\'s `data:` line is one JSON value of this schema, its `id:` line the same `id`, its `event:` line the `type`', content: { 'text/event-stream': { schema: StreamEvent } } }, 401: errorBody('Missing or invalid credential, or a used, unknown or expired ticket'), 429: errorBody('The user already has 20 stream connections open') } } };
  return {
    openapi: '3.1.0',
    info: { title: 'Switchboard agent API', version },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'Access token from /agent/v1/auth/login, or an API key (sbk_…)' } } },
    paths,
  };
}

/** The document's top level, for the route's own response schema (it is sent serialized once, so nothing is filtered). */
const OpenApiDocument = Type.Object({
  openapi: Type.Literal('3.1.0'), info: Type.Object({ title: Type.String(), version: Type.String() }),
  components: Type.Record(Type.String(), Type.Unknown()), paths: Type.Record(Type.String(), Type.Unknown()),
});

export function registerOpenApiRoute(app: FastifyInstance, specs: AgentRouteSpec[]): void {
  const doc = JSON.stringify(openApiDocument(specs, '1.0.0'));
  app.get('/agent/v1/openapi.json', { schema: { response: { 200: OpenApiDocument } }, compress: AGENT_COMPRESSION }, (req, reply) => {
    varyOnAcceptEncoding(reply);
    settleAcceptEncoding(req);
    void reply.type('application/json').send(doc);
  });
}
