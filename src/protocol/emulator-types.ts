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

/** The longest advance one request may ask for; a longer span is several requests. */
export const MAX_ADVANCE_SECONDS = 86_400;

/** POST /emulator/v1/clock: move the server's clock forward (timers due on the way run at once, in order). */
export const AdvanceClockRequest = Type.Object({
  /** Seconds to move forward, more than 0 and at most a day (fractions allowed; applied in whole milliseconds). */
  advanceSeconds: Type.Number({ exclusiveMinimum: 0, maximum: MAX_ADVANCE_SECONDS }),
});
export type AdvanceClockRequest = Static<typeof AdvanceClockRequest>;

/** The server's clock: what every timestamp it writes and every timer it runs goes by. */
export const ClockReading = Type.Object({
  /** Milliseconds since the Unix epoch. */
  now: Type.Integer(),
  /** The same moment, ISO 8601 in UTC. */
  iso: Type.String(),
  /** How far ahead of real time the clock is (0 until the first advance, and after a reset). */
  offsetSeconds: Type.Number(),
});
export type ClockReading = Static<typeof ClockReading>;
