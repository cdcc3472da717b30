/**
 * Wire types of the emulator API (/emulator/v1, emulator mode only: docs/emulator.md).
 * Fastify validates requests with them and the SDK imports the static types.
 */
import Type, { type Static } from 'typebox';

/** What a fault does to a request: answer a catalogue error, cut the connection, or the 503 of a lost node. */
export const FaultKind = Type.Union([Type.Literal('status'), Type.Literal('drop'), Type.Literal('affinity')]);
export type FaultKind = Static<typeof FaultKind>;

export const ArmFaultRequest = Type.Object({
  kind: FaultKind,
  /** `Prefix/Noun` or the noun alone (`System/Messages`, `Messages`; any case), or `*` for every noun. */
  noun: Type.String({ minLength: 1, maxLength: 64 }),
  /** Only requests with this method (SessionId has GET and DELETE); any when left out. */
  method: Type.Optional(Type.Union([Type.Literal('GET'), Type.Literal('POST'), Type.Literal('DELETE')])),
  /** `status`: the status to answer, with the catalogue's body for it (see docs/emulator.md). */
  status: Type.Optional(Type.Integer({ minimum: 100, maximum: 599 })),
  /** `status`: or the catalogue code to answer (docs/errors.md), instead of a status. */
  code: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  /** How many matching requests fail (default 1). */
  count: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
  /** Only requests of this visitor session (the `id` SessionId answered); any when left out. */
  sessionId: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })),
});
export type ArmFaultRequest = Static<typeof ArmFaultRequest>;

export const Fault = Type.Object({
  id: Type.String(),
  kind: FaultKind,
  /** `Prefix/Noun` as the guide spells it, or `*`. */
  noun: Type.String(),
  method: Type.Optional(Type.String()),
  sessionId: Type.Optional(Type.String()),
  /** What is answered (none for `drop`). */
  status: Type.Optional(Type.Integer()),
  body: Type.Optional(Type.String()),
  count: Type.Integer(),
  /** Requests still to fail; 0 once spent (a spent fault stays listed until cleared or reset). */
  remaining: Type.Integer(),
  fired: Type.Integer(),
});
export type Fault = Static<typeof Fault>;

export const FaultIdParams = Type.Object({ faultId: Type.String({ minLength: 1, maxLength: 32 }) });
export const FaultsCleared = Type.Object({ cleared: Type.Integer() });
export type FaultsCleared = Static<typeof FaultsCleared>;

/** What a reset dropped: visitor sessions, and the chats among them still waiting, offered or established. */
export const ResetOutcome = Type.Object({ sessions: Type.Integer(), chats: Type.Integer() });
export type ResetOutcome = Static<typeof ResetOutcome>;
