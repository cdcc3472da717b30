/**
 * Visitor blocks on the agent API (ADR 0055): one schema per wire type, reused by the
 * routes, the SDK and docs/agent-api.md. Re-exported by agent-api-types.ts.
 */
import { Type, type Static } from 'typebox';

/** The longest reason a block keeps. */
export const MAX_BLOCK_REASON_LENGTH = 500;

/** A block as the admin API lists it and as the routes that make one answer. */
export const VisitorBlock = Type.Object({
  id: Type.String({ description: 'Stored blocks: a random id; config blocks: `config-<n>`, their place in orgs[].blockedAddresses (1-based)' }),
  ipRange: Type.String({ description: 'One address or a CIDR range, in canonical form (`203.0.113.7`, `10.0.0.0/8`, `2001:db8::/32`); an IPv4-mapped IPv6 one is its IPv4 form' }),
  reason: Type.String({ description: 'Why, as its author wrote it (`` when none); never shown to the visitor' }),
  createdBy: Type.String({ description: 'The user who made it, or `config`' }),
  createdAt: Type.Union([Type.Number(), Type.Null()], { description: 'Epoch ms; null for a config block' }),
  expiresAt: Type.Union([Type.Number(), Type.Null()], { description: 'Epoch ms when it stops applying; null: never' }),
  chatId: Type.Union([Type.String(), Type.Null()], { description: 'The chat it was made from (Block visitor); null when made otherwise' }),
  source: Type.Union([Type.Literal('stored'), Type.Literal('config')], { description: '`config`: from the config file, read-only here' }),
});
export type VisitorBlock = Static<typeof VisitorBlock>;
export const VisitorBlocks = Type.Array(VisitorBlock);

/** POST /agent/v1/admin/blocks. */
export const CreateVisitorBlockRequest = Type.Object({
  ipRange: Type.String({ minLength: 1, maxLength: 64, description: 'One address or a CIDR range, IPv4 or IPv6; no bits set past the prefix' }),
  reason: Type.Optional(Type.String({ maxLength: MAX_BLOCK_REASON_LENGTH })),
  expiresAt: Type.Optional(Type.Integer({ description: 'Epoch ms, in the future; absent: never expires' })),
});
export type CreateVisitorBlockRequest = Static<typeof CreateVisitorBlockRequest>;

/** POST /agent/v1/chats/:chatId/block. */
export const BlockVisitorRequest = Type.Object({
  reason: Type.Optional(Type.String({ maxLength: MAX_BLOCK_REASON_LENGTH })),
});
export type BlockVisitorRequest = Static<typeof BlockVisitorRequest>;

export const VisitorBlockIdParams = Type.Object({ blockId: Type.String({ minLength: 1, maxLength: 64 }) });
