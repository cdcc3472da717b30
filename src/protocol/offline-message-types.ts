/**
 * Offline messages ("leave a message" when no one can chat; ADR 0063): the widget's
 * request and answers on /widget/v1, and the agent API's wire types. One schema per
 * wire type, reused by the routes, the SDK and the docs. Re-exported by agent-api-types.ts.
 */
import { Type, type Static } from 'typebox';

/** The longest message a visitor may leave (as settings.maxMessageLength's default). */
export const MAX_OFFLINE_MESSAGE_LENGTH = 4000;
export const MAX_OFFLINE_NAME_LENGTH = 100;
export const MAX_OFFLINE_SUBJECT_LENGTH = 200;
/** RFC 5321's limit on a forward path. */
export const MAX_OFFLINE_EMAIL_LENGTH = 254;

/**
 * An address as people write them: a local part of RFC 5322's atext and dots (letters of any
 * script too), one `@`, and a domain of letters, digits and hyphens in two labels or more.
 * Deliverability is the agent's to find out; what this keeps out is what an address never has
 * and a reply link or a ticket system would read as something else: `?cc=…&body=…` after the
 * domain, `<b>`, `javascript:…(…)`, quotes, commas, spaces.
 */
// Spaces around the address (a paste, a client that does not trim as a browser's email field does)
// are allowed and trimmed when stored; inside it they are not.
const EMAIL_SHAPE = "^\\s*[\\p{L}\\p{N}!#$%&'*+/=?^_`{|}~.-]+@[\\p{L}\\p{N}-]+(\\.[\\p{L}\\p{N}-]+)+\\s*$";
const Id = Type.String({ minLength: 1, maxLength: 64 });

/** POST /widget/v1/offline-messages. A field not here is dropped (fastify's removeAdditional): a newer widget's extra is no error. */
export const OfflineMessageRequest = Type.Object({
  orgId: Id,
  deploymentId: Id,
  buttonId: Id,
  name: Type.String({ minLength: 1, maxLength: MAX_OFFLINE_NAME_LENGTH, pattern: '\\S' }),
  email: Type.String({ minLength: 3, maxLength: MAX_OFFLINE_EMAIL_LENGTH, pattern: EMAIL_SHAPE }),
  subject: Type.Optional(Type.String({ maxLength: MAX_OFFLINE_SUBJECT_LENGTH })),
  message: Type.String({ minLength: 1, maxLength: MAX_OFFLINE_MESSAGE_LENGTH, pattern: '\\S' }),
  language: Type.Optional(Type.String({ maxLength: 35, description: 'The widget\'s language (a BCP 47 tag)' })),
}, { additionalProperties: false });
export type OfflineMessageRequest = Static<typeof OfflineMessageRequest>;

/** 201 to POST /widget/v1/offline-messages: the message is stored. */
export const OfflineMessageCreated = Type.Object({ id: Type.String() });

/** GET /widget/v1/config: what the widget needs to know of its button beyond Live Agent's Settings. */
export const WidgetConfigQuery = Type.Object({ orgId: Id, deploymentId: Id, buttonId: Id });
export const WidgetConfig = Type.Object({
  offlineMessages: Type.Boolean({ description: 'The button takes offline messages from this visitor (buttons[].offlineMessages, and the address is not blocked)' }),
  maxMessageLength: Type.Integer({ minimum: 1, description: 'settings.maxMessageLength: the longest chat message the server takes, in characters (the widget caps its message box there)' }),
});
export type WidgetConfig = Static<typeof WidgetConfig>;

export const OfflineMessageStatus = Type.Union([Type.Literal('new'), Type.Literal('handled')]);
export type OfflineMessageStatus = Static<typeof OfflineMessageStatus>;

/** A message as the agent API lists it. */
export const OfflineMessage = Type.Object({
  id: Type.String(),
  buttonId: Type.String(),
  deploymentId: Type.String(),
  name: Type.String(),
  email: Type.String(),
  subject: Type.String({ description: '`` when the visitor gave none' }),
  message: Type.String({ description: 'With the org\'s sensitive data rules applied' }),
  language: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.Number({ description: 'Epoch ms' }),
  status: OfflineMessageStatus,
  handledBy: Type.Union([Type.String(), Type.Null()], { description: 'The user who marked it handled; null while new' }),
  handledAt: Type.Union([Type.Number(), Type.Null()]),
});
export type OfflineMessage = Static<typeof OfflineMessage>;

/** GET /agent/v1/offline-messages: one page, newest first. */
export const OfflineMessagePage = Type.Object({
  messages: Type.Array(OfflineMessage),
  next: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `before` for the next (older) page; null: none' }),
});
export type OfflineMessagePage = Static<typeof OfflineMessagePage>;

export const OfflineMessageListQuery = Type.Object({
  status: Type.Optional(OfflineMessageStatus),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  before: Type.Optional(Type.String({ maxLength: 100, pattern: '^\\d+\\.[A-Za-z0-9_-]+$', description: 'The previous page\'s `next`' })),
}, { additionalProperties: false });
export type OfflineMessageListQuery = Static<typeof OfflineMessageListQuery>;

export const OfflineMessageIdParams = Type.Object({ messageId: Id });

/** PATCH /agent/v1/offline-messages/:messageId. */
export const MarkOfflineMessageRequest = Type.Object({ status: OfflineMessageStatus }, { additionalProperties: false });
export type MarkOfflineMessageRequest = Static<typeof MarkOfflineMessageRequest>;

/** The `offlineMessage.created` stream event's data (supervisors and admins of the org). */
export const OfflineMessageCreatedEvent = Type.Object({ message: OfflineMessage });
export type OfflineMessageCreatedEvent = Static<typeof OfflineMessageCreatedEvent>;
