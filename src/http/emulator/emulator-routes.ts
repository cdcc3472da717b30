/**
 * /emulator/v1 (emulator mode only; without it these routes do not exist and
 * answer 404): reset the server between tests, arm, list and clear faults of
 * the visitor API, and read and advance the server's clock. Admins only, with
 * the agent API's credentials (docs/emulator.md, ADRs 0022 and 0030).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type TSchema } from 'typebox';
import type { ChatEngine } from '../../core/chat-engine.js';
import type { EmulatorReset } from '../../core/emulator-reset.js';
import type { EmulatorTime } from '../../core/emulator-time.js';
import type { UserDirectory } from '../../core/identity/user-directory.js';
import { fail } from '../../protocol/errors.js';
import { ChatIdParams, FileRequestCreated, Ok } from '../../protocol/agent-api-types.js';
import * as T from '../../protocol/emulator-types.js';
import { authenticate } from '../agent/agent-access.js';
import { requestOrigin } from '../request-origin.js';
import type { VisitorFaults } from './visitor-faults.js';

export interface EmulatorRouteDeps {
  users: UserDirectory;
  reset: EmulatorReset;
  faults: VisitorFaults;
  time: EmulatorTime;
  engine: ChatEngine;
}

export function registerEmulatorRoutes(app: FastifyInstance, deps: EmulatorRouteDeps): void {
  const { users, reset, faults, time, engine } = deps;
  // `response` is also fastify's serializer: a field it does not declare is not sent.
  const route = (method: 'GET' | 'POST' | 'DELETE', url: string, schema: { body?: TSchema; params?: TSchema; response: TSchema }, handler: (req: FastifyRequest, orgId: string) => unknown) => {
    const { response, ...input } = schema;
    app.route({
      method, url, schema: { ...input, response: { 200: response } },
      handler: async (req: FastifyRequest, reply: FastifyReply) => {
        void reply.header('Cache-Control', 'no-store');
        const p = authenticate(users, req, 'admin');
        if (input.body) refuseUnknownFields(req.body, input.body);
        return handler(req, p.orgId);
      },
    });
  };

  route('POST', '/emulator/v1/reset', { response: T.ResetOutcome }, (): Promise<T.ResetOutcome> => reset.reset());
  route('GET', '/emulator/v1/faults', { response: Type.Array(T.Fault) }, (): T.Fault[] => faults.list());
  route('POST', '/emulator/v1/faults', { body: T.ArmFaultRequest, response: T.Fault }, (req): T.Fault => faults.arm(req.body as T.ArmFaultRequest));
  route('DELETE', '/emulator/v1/faults', { response: T.FaultsCleared }, (): T.FaultsCleared => ({ cleared: faults.clearAll() }));
  route('DELETE', '/emulator/v1/faults/:faultId', { params: T.FaultIdParams, response: Ok }, (req) => {
    const id = (req.params as { faultId: string }).faultId;
    if (!faults.clearOne(id)) fail('NOT_FOUND', `fault ${id}`);
    return { ok: true };
  });
  // The chat's agent (the demo bot, in CI) asks the visitor for a file exactly as through the
  // agent API's POST …/file-requests, without a human agent to do it (docs/emulator.md).
  route('POST', '/emulator/v1/chats/:chatId/file-requests', { params: ChatIdParams, response: FileRequestCreated }, async (req, orgId) => {
    const chatId = (req.params as { chatId: string }).chatId;
    const s = engine.sessions.get(chatId);
    if (!s?.record.request || s.record.request.orgId !== orgId) fail('NOT_FOUND', `chat ${chatId}`);
    if (s.record.chatState !== 'established' || !s.record.agentId) fail('CONFLICT', 'the chat has no agent now');
    const created = engine.files.request(s.record.agentId, chatId, requestOrigin(req));
    await engine.queue.commit();
    return created;
  });
  route('GET', '/emulator/v1/clock', { response: T.ClockReading }, (): T.ClockReading => time.reading());
  route('POST', '/emulator/v1/clock', { body: T.AdvanceClockRequest, response: T.ClockReading }, (req): Promise<T.ClockReading> => time.advance((req.body as T.AdvanceClockRequest).advanceSeconds));
}

/**
 * A field the request does not have is a 400 naming it, not ignored: in a test's fixture it is a
 * typo, and an ignored `sesionId` would arm a fault for every session instead of one.
 */
function refuseUnknownFields(body: unknown, schema: TSchema): void {
  const known = Object.keys((schema as { properties?: Record<string, unknown> }).properties ?? {});
  if (typeof body !== 'object' || body === null) return;
  for (const key of Object.keys(body)) {
    if (!known.includes(key)) fail('BODY_INVALID', `${key.slice(0, 64)}: not a field of this request (${known.join(', ')})`);
  }
}
