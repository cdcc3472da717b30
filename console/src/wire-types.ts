/**
 * The agent API's wire types as the console uses them, derived from the
 * server's TypeBox schemas (src/protocol/agent-api-types.ts) so they cannot drift.
 */
import type { Static } from 'typebox';
import type * as T from '../../src/protocol/agent-api-types.ts';

export type PublicUser = T.PublicUser;
export type ChatEventWire = T.ChatEventWire;
export type ChatSummary = T.ChatSummary;
export type ChatDetails = Static<typeof T.ChatDetails>;
export type Transcript = Static<typeof T.Transcript>;
export type Presence = Static<typeof T.Presence>;
export type PresenceState = Static<typeof T.PresenceState>;
export type TransferTarget = T.TransferRequest;

/** `data` of an `offer` stream event (src/core/agent-stream-hub.ts). */
export interface OfferData {
  chatId: string;
  buttonId: string | null;
  queue: string | null;
  visitorName?: string;
  transfer: boolean;
  prechatDetails?: unknown[];
  expiresAt: number;
}

/** `data` of an `offer.withdrawn` stream event. */
export interface OfferWithdrawnData {
  chatId: string;
  reason?: string;
}

/** The snapshot a `resync` carries. */
export interface ResyncSnapshot {
  presence: Presence;
  capacity: number;
  load: number;
  chats: { chatId: string; state: string; agentId: string | null; buttonId: string | null; visitorName: string; lastOffset: number }[];
}

/** GET /agent/v1/supervisor/overview. */
export interface Overview {
  queues: { queue: string; waiting: { chatId: string; visitorName: string; state: string; waitingMs: number }[] }[];
  agents: { id: string; name: string; presence: Presence; capacity: number; load: number; connections: number }[];
  chats: ChatSummary[];
}
