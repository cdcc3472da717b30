/**
 * Authentication and authorization for the agent API: every route declares the
 * role it needs; this resolves the bearer credential (header, or `access_token`
 * query for EventSource/WebSocket which cannot set headers) and checks it. The
 * stream routes also take a single-use `ticket` (stream-tickets.ts, ADR 0028).
 * An agent only reaches chats routed to them; supervisors reach their org's.
 */
import type { FastifyRequest } from 'fastify';
import type { ChatEngine } from '../../core/chat-engine.js';
import type { ChatSession } from '../../core/chat-session.js';
import type { StreamTickets } from '../../core/identity/stream-tickets.js';
import { roleAtLeast, type Principal, type Role, type UserDirectory } from '../../core/identity/user-directory.js';
import { fail } from '../../protocol/errors.js';

export function credentialOf(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice('Bearer '.length).trim();
  const q = (request.query as Record<string, unknown> | undefined)?.access_token;
  return typeof q === 'string' ? q : undefined;
}

export function authenticate(users: UserDirectory, request: FastifyRequest, needed: Role): Principal {
  const credential = credentialOf(request);
  if (!credential) fail('UNAUTHENTICATED', 'send Authorization: Bearer <token>');
  const principal = users.authenticate(credential);
  if (!principal) fail('UNAUTHENTICATED', 'token invalid or expired');
  if (!roleAtLeast(principal.role, needed)) fail('FORBIDDEN', `needs role ${needed}`);
  return principal;
}

/**
 * Who opens a stream, and the credential its commands are checked against (the
 * socket re-checks it for every command, so a revoked one stops working there too).
 * With `?ticket=`, the ticket is spent and stands for the credential it was issued
 * for; a ticket used before, unknown or expired is the same 401 as a bad token, with
 * its own reason. A credential sent along with a ticket (a header) must be the same
 * user's. Without a ticket, the bearer credential as on every route.
 */
export function streamPrincipal(users: UserDirectory, tickets: StreamTickets, request: FastifyRequest, needed: Role): { principal: Principal; credential: string } {
  const ticket = (request.query as Record<string, unknown> | undefined)?.ticket;
  if (typeof ticket !== 'string') {
    const principal = authenticate(users, request, needed);
    return { principal, credential: credentialOf(request)! };
  }
  const { userId, credential } = tickets.redeem(ticket);
  // Revoked between the ticket and its use (a logout, a revoked key): the stream's own words for it.
  const principal = users.authenticate(credential) ?? fail('UNAUTHENTICATED', 'credentials revoked');
  const alongside = credentialOf(request);
  if (alongside !== undefined) {
    const also = users.authenticate(alongside) ?? fail('UNAUTHENTICATED', 'token invalid or expired');
    if (also.userId !== userId) fail('UNAUTHENTICATED', 'ticket issued to another user');
  }
  if (!roleAtLeast(principal.role, needed)) fail('FORBIDDEN', `needs role ${needed}`);
  return { principal, credential };
}

/**
 * The live chat a principal may act on; 404 for an unknown id, 403 for one it never
 * held (or another org's), 409 for one of the org's that closed lately (the visitor
 * left: the loser of that race hears the same "no longer active" as after an agent's
 * end), and 409 CHAT_NO_LONGER_YOURS for one it held and that was taken from it
 * (transferred, reassigned, taken over, requeued): a client can tell "drop this
 * chat" from "you may not", which 403 alone could not.
 */
export function chatFor(engine: ChatEngine, p: Principal, chatId: string, opts: { supervisorMayRead: boolean }): ChatSession {
  const s = engine.sessions.get(chatId);
  if (!s && engine.orgOfSession(chatId) === p.orgId) fail('CONFLICT', 'chat has ended');
  if (!s || !s.record.request) fail('NOT_FOUND', `chat ${chatId}`);
  if (s.record.request.orgId !== p.orgId) fail('FORBIDDEN', 'chat belongs to another organization');
  if (s.record.agentId === p.userId) return s;
  // A conference participant reaches the chat too; what only its holder may do, the engine refuses (HOLDER_ONLY).
  if (s.record.chatState === 'established' && s.record.participants?.includes(p.userId)) return s;
  if (opts.supervisorMayRead && roleAtLeast(p.role, 'supervisor')) return s;
  if (s.record.holders?.includes(p.userId)) {
    if (s.record.chatState === 'ended') fail('CONFLICT', 'chat has ended');
    fail('CHAT_NO_LONGER_YOURS', whereNow(s.record.chatState));
  }
  return fail('FORBIDDEN', 'chat is not routed to you');
}

/** Where a chat taken from its agent is now, in words (nothing about the visitor or who holds it). */
function whereNow(state: ChatSession['record']['chatState']): string {
  if (state === 'established') return 'another agent holds it now';
  if (state === 'offered') return 'it is offered to another agent';
  return 'it waits for another agent';
}

/**
 * For offers: another org's chat is 403; otherwise the engine answers (409 when
 * the offer is not, or no longer, this agent's — it may have moved on).
 */
export function sameOrg(engine: ChatEngine, p: Principal, chatId: string): void {
  const org = engine.sessions.get(chatId)?.record.request?.orgId;
  if (org !== undefined && org !== p.orgId) fail('FORBIDDEN', 'chat belongs to another organization');
}
