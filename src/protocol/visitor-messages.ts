/**
 * The messages a visitor receives from System/Messages, one TypeBox schema per
 * wire type. The SDK and docs reuse these, so a field cannot drift between them.
 * Fields beyond the v34 guide are the ones real clients read (wire-compat.md).
 */
import Type, { type Static } from 'typebox';

export const GeoLocation = Type.Object({
  countryCode: Type.String(),
  countryName: Type.String(),
  region: Type.Optional(Type.String()),
  city: Type.Optional(Type.String()),
  organization: Type.Optional(Type.String()),
  latitude: Type.Optional(Type.Number()),
  longitude: Type.Optional(Type.Number()),
});

export const CustomDetail = Type.Object({
  label: Type.String(),
  value: Type.String(),
  transcriptFields: Type.Array(Type.String()),
  displayToAgent: Type.Boolean(),
}, { additionalProperties: true });
export type CustomDetail = Static<typeof CustomDetail>;

export const ChasitorIdleTimeout = Type.Object({
  isEnabled: Type.Boolean(),
  warningTime: Type.Integer(),
  timeout: Type.Integer(),
});

export const ChatRequestSuccess = Type.Object({
  queuePosition: Type.Integer(),
  estimatedWaitTime: Type.Integer(),
  connectionTimeout: Type.Integer(),
  visitorId: Type.String(),
  customDetails: Type.Array(CustomDetail),
  geoLocation: Type.Optional(GeoLocation),
  url: Type.String(),
  oref: Type.String(),
  postChatUrl: Type.String(),
  sensitiveDataRules: Type.Array(Type.Unknown()),
  transcriptSaveEnabled: Type.Boolean(),
});

export const ChatRequestFailReason = Type.Union([Type.Literal('Unavailable'), Type.Literal('NoPost'), Type.Literal('InternalFailure')]);
export const ChatRequestFail = Type.Object({ reason: ChatRequestFailReason, postChatUrl: Type.String() });

export const ChatEstablished = Type.Object({
  name: Type.String(),
  userId: Type.String(),
  items: Type.Array(Type.Unknown()),
  sneakPeekEnabled: Type.Boolean(),
  chasitorIdleTimeout: ChasitorIdleTimeout,
});

export const ChatMessage = Type.Object({
  text: Type.String(),
  name: Type.String(),
  agentId: Type.String(),
  schedule: Type.Object({ responseDelayMilliseconds: Type.Integer() }),
});

export const AgentTyping = Type.Object({ name: Type.String(), agentId: Type.String() });
export const AgentNotTyping = AgentTyping;
export const AgentDisconnect = Type.Object({});
export const QueueUpdate = Type.Object({ position: Type.Integer(), estimatedWaitTime: Type.Integer() });
export const ChatEnded = Type.Object({ reason: Type.String(), attachedRecords: Type.Array(Type.Unknown()) });
export const ChatTransferred = Type.Object({
  name: Type.String(),
  userId: Type.String(),
  sneakPeekEnabled: Type.Boolean(),
  chasitorIdleTimeout: ChasitorIdleTimeout,
});
export const CustomEvent = Type.Object({ type: Type.String(), data: Type.String() });
/**
 * Another agent joined the chat's conference, or left it (later API versions; docs/adr/0051).
 * `name` is that agent's display name, the one its ChatMessage and AgentTyping carry.
 */
export const AgentJoinedConference = Type.Object({ name: Type.String() });
export const AgentLeftConference = Type.Object({ name: Type.String() });

/**
 * An agent asks the visitor for a file, or withdraws the request (docs/visitor-api.md,
 * "File transfer"). Only these two subtypes ever go on the wire: wire-compat.md lists
 * them and strict clients parse that enum. The client uploads to `uploadServletUrl`
 * with its session key and `fileToken` (POST /chat/file-transfer).
 */
export const FileTransferRequested = Type.Object({
  type: Type.Literal('Requested'),
  fileToken: Type.String({ description: 'Opaque, single use: names this request in the upload' }),
  uploadServletUrl: Type.String({ description: 'Absolute URL to POST the file to' }),
});
export const FileTransferCanceled = Type.Object({ type: Type.Literal('Canceled'), fileToken: Type.String() });
export const FileTransfer = Type.Union([FileTransferRequested, FileTransferCanceled]);
export type FileTransfer = Static<typeof FileTransfer>;

export const TranscriptEntry = Type.Object({
  type: Type.Union([Type.Literal('Agent'), Type.Literal('Chasitor'), Type.Literal('OperatorTransferred')]),
  name: Type.String(),
  content: Type.String(),
  timestamp: Type.Number(),
  sequence: Type.Number(),
});
export type TranscriptEntry = Static<typeof TranscriptEntry>;

export const ChasitorSessionData = Type.Object({
  queuePosition: Type.Integer(),
  geoLocation: Type.Optional(GeoLocation),
  url: Type.String(),
  oref: Type.String(),
  postChatUrl: Type.String(),
  sneakPeekEnabled: Type.Boolean(),
  chatMessages: Type.Array(TranscriptEntry),
});

/** Every message type Switchboard sends to visitors, by wire name. */
export const VisitorMessageSchemas = {
  ChatRequestSuccess,
  ChatRequestFail,
  ChatEstablished,
  ChatMessage,
  AgentTyping,
  AgentNotTyping,
  AgentDisconnect,
  QueueUpdate,
  ChatEnded,
  ChatTransferred,
  CustomEvent,
  AgentJoinedConference,
  AgentLeftConference,
  FileTransfer,
  ChasitorSessionData,
} as const;
export type VisitorMessageType = keyof typeof VisitorMessageSchemas;

/**
 * Types that change the chat's state: several clients read only messages[0],
 * so these always open a payload (wire-compat.md, System/Messages).
 */
export const STATE_CHANGING_TYPES: ReadonlySet<string> = new Set([
  'ChatRequestSuccess', 'ChatRequestFail', 'ChatEstablished', 'ChatTransferred', 'ChatEnded', 'ChasitorSessionData',
]);

export interface WireMessage {
  type: string;
  message: Record<string, unknown>;
}

export const MessagesResponse = Type.Object({
  messages: Type.Array(Type.Object({ type: Type.String(), message: Type.Record(Type.String(), Type.Unknown()) })),
  sequence: Type.Integer(),
  offset: Type.Integer(),
});
export type MessagesResponse = Static<typeof MessagesResponse>;

export const SessionIdResponse = Type.Object({
  key: Type.String(),
  id: Type.String(),
  clientPollTimeout: Type.Integer(),
  affinityToken: Type.String(),
});
export type SessionIdResponse = Static<typeof SessionIdResponse>;

export const ResyncSessionResponse = Type.Object({ isValid: Type.Boolean(), key: Type.String(), affinityToken: Type.String() });
export const ReconnectSessionMessage = Type.Object({ resetSequence: Type.Boolean(), affinityToken: Type.String() });
export const AvailabilityResult = Type.Object({
  id: Type.String(),
  isAvailable: Type.Optional(Type.Boolean()),
  estimatedWaitTime: Type.Optional(Type.Integer()),
});
export const AvailabilityMessage = Type.Object({ results: Type.Array(AvailabilityResult) });
