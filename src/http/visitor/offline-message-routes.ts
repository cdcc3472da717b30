/**
 * The widget's own API, /widget/v1 (docs/visitor-api.md, "Offline messages"; ADR 0063):
 * what the widget needs beyond Live Agent's nouns, kept out of /chat/rest so that no Live
 * Agent answer carries a field Salesforce never sent.
 *
 * - GET /widget/v1/config: whether the button takes offline messages from this visitor, and
 *   the longest chat message the server takes (settings.maxMessageLength).
 * - POST /widget/v1/offline-messages: leave one; 201 `{id}` once it is durable.
 *
 * Bodies are read as the visitor wire reads them (client-json.ts, ADR 0033): raw control
 * characters inside strings are taken, NUL becomes U+FFFD. Then the TypeBox schema checks them.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { OfflineMessageBox } from '../../core/offline-messages.js';
import { parseClientJson } from '../../protocol/client-json.js';
import { SwitchboardError } from '../../protocol/errors.js';
import { MAX_JSON_DEPTH, nestedDeeperThan } from '../../protocol/json-depth.js';
import { OfflineMessageCreated, OfflineMessageRequest, WidgetConfig, WidgetConfigQuery } from '../../protocol/offline-message-types.js';

export const WIDGET_CONFIG_PATH = '/widget/v1/config';
export const OFFLINE_MESSAGES_PATH = '/widget/v1/offline-messages';

/** The body as the visitor wire reads it (the app hands /widget/ bodies over as text). */
function readBody(req: FastifyRequest, _reply: unknown, done: (err?: Error) => void): void {
  let text = typeof req.body === 'string' ? req.body : '';
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') return done(new SwitchboardError('BODY_INVALID', 'no body: send the message as a JSON object'));
  let parsed: unknown;
  try {
    parsed = parseClientJson(text);
  } catch (err) {
    return done(new SwitchboardError('BODY_MALFORMED_JSON', (err as Error).message.slice(0, 120)));
  }
  if (nestedDeeperThan(parsed)) return done(new SwitchboardError('BODY_INVALID', `JSON nested deeper than ${MAX_JSON_DEPTH} levels`));
  req.body = parsed;
  done();
}

/** `maxMessageLength`: settings.maxMessageLength as it is now (ChatMessage refuses longer text with MESSAGE_TOO_LONG). */
export function registerOfflineMessageRoutes(app: FastifyInstance, box: OfflineMessageBox, maxMessageLength: () => number): void {
  app.get(WIDGET_CONFIG_PATH, { schema: { querystring: WidgetConfigQuery, response: { 200: WidgetConfig } } }, (req, reply) => {
    // Per visitor (a blocked address hears false): no shared cache may keep it.
    void reply.header('Cache-Control', 'no-store');
    const q = req.query as { orgId: string; deploymentId: string; buttonId: string };
    return { offlineMessages: box.accepts(q.orgId, q.deploymentId, q.buttonId, req.ip), maxMessageLength: maxMessageLength() };
  });
  // attachValidation: a body the schema refuses is counted (the metric's `refused`), then answered as any other's.
  app.post(OFFLINE_MESSAGES_PATH, { schema: { body: OfflineMessageRequest, response: { 201: OfflineMessageCreated } }, preValidation: readBody, attachValidation: true }, async (req, reply) => {
    void reply.header('Cache-Control', 'no-store');
    if (req.validationError) {
      box.refusedInvalid();
      throw new SwitchboardError('BODY_INVALID', req.validationError.message.slice(0, 200));
    }
    const stored = await box.leave(req.body as OfflineMessageRequest, req.ip);
    return reply.code(201).send({ id: stored.id });
  });
}
