/**
 * Visitor blocks on the agent API (docs/agent-api.md, "Blocking visitors"; ADR 0055):
 * an agent blocks the visitor of the chat it holds (a supervisor, of any chat of its
 * org), and admins list, add and remove the org's blocks.
 */
import type { ChatEngine } from '../../core/chat-engine.js';
import { endBlockedChat } from '../../core/block-visitor.js';
import { roleAtLeast } from '../../core/identity/user-directory.js';
import { fail } from '../../protocol/errors.js';
import { isLoopbackAddress } from '../../protocol/ip-range.js';
import * as T from '../../protocol/agent-api-types.js';
import { chatFor } from './agent-access.js';
import type { RouteAdder } from './agent-routes.js';

export function registerBlockRoutes(route: RouteAdder, engine: ChatEngine): void {
  const params = <P>(req: { params: unknown }) => req.params as P;
  route({ method: 'POST', url: '/agent/v1/chats/:chatId/block', summary: 'Block the chat visitor’s address for my org and end the chat (holder, or a supervisor of the org)', role: 'agent',
    params: T.ChatIdParams, body: T.BlockVisitorRequest, response: T.VisitorBlock,
    errors: { 403: 'HOLDER_ONLY: a conference participant cannot block', 409: 'The chat is not yours to block (an agent must hold it), or its visitor is on a loopback address (this machine: block that through POST /agent/v1/admin/blocks if it is meant)' } },
    async (req, p) => {
      const { chatId } = params<{ chatId: string }>(req);
      const s = chatFor(engine, p, chatId, { supervisorMayRead: true });
      if (!roleAtLeast(p.role, 'supervisor')) engine.conferences.requireHolder(p.userId, chatId, 'block the visitor');
      const address = s.record.request?.ipAddress ?? '';
      if (!address) fail('CONFLICT', 'the chat has no visitor address');
      if (isLoopbackAddress(address)) fail('CONFLICT', `the visitor's address ${address} is this machine's (loopback): block it with POST /agent/v1/admin/blocks if that is meant`);
      const block = await engine.blocks.add(p.orgId, { ipRange: address, reason: (req.body as T.BlockVisitorRequest).reason, createdBy: p.userId, chatId });
      // Looked up again: the chat may have ended, or its session closed, while the block was written.
      const now = engine.sessions.get(chatId);
      if (now) endBlockedChat(engine, now, p.userId);
      await engine.queue.commit();
      return block;
    });
  route({ method: 'GET', url: '/agent/v1/admin/blocks', summary: 'Blocked visitor addresses of the org that apply now: the config file’s (`source: config`) and stored ones', role: 'admin', response: T.VisitorBlocks },
    (_req, p) => engine.blocks.list(p.orgId));
  route({ method: 'POST', url: '/agent/v1/admin/blocks', summary: 'Block an address or CIDR range (IPv4 or IPv6) for the org', role: 'admin', body: T.CreateVisitorBlockRequest, response: T.VisitorBlock,
    errors: { 400: 'IP_RANGE_INVALID: not an address or CIDR range, or bits set past its prefix (the text says which); BODY_INVALID: `expiresAt` not in the future' } },
    async (req, p) => {
      const b = req.body as T.CreateVisitorBlockRequest;
      return engine.blocks.add(p.orgId, { ipRange: b.ipRange, reason: b.reason, expiresAt: b.expiresAt, createdBy: p.userId });
    });
  route({ method: 'DELETE', url: '/agent/v1/admin/blocks/:blockId', summary: 'Unblock: delete a stored block of the org', role: 'admin', params: T.VisitorBlockIdParams, response: T.Ok,
    errors: { 404: 'No such block in this organization', 409: 'BLOCK_IN_CONFIG: the block is in the config file (orgs[].blockedAddresses): remove it there' } },
    async (req, p) => {
      await engine.blocks.remove(p.orgId, params<{ blockId: string }>(req).blockId);
      return { ok: true };
    });
}
