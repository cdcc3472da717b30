/**
 * /emulator/v1 (emulator mode only; without it these routes do not exist and
 * answer 404): reset the server between tests, arm, list and clear faults of
 * the visitor API, and read and advance the server's clock. Admins only, with
 * the agent API's credentials (docs/emulator.md, ADRs 0022 and 0030).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TSchema } from 'typebox';
import type { EmulatorReset } from '../../core/emulator-reset.js';
import type { EmulatorTime } from '../../core/emulator-time.js';
import type { UserDirectory } from '../../core/identity/user-directory.js';
import { fail } from '../../protocol/errors.js';
import * as T from '../../protocol/emulator-types.js';
import { authenticate } from '../agent/agent-access.js';
import type { VisitorFaults } from './visitor-faults.js';

export interface EmulatorRouteDeps {
  users: UserDirectory;
  reset: EmulatorReset;
  faults: VisitorFaults;
  time: EmulatorTime;
}

export function registerEmulatorRoutes(app: FastifyInstance, deps: EmulatorRouteDeps): void {
  const { users, reset, faults, time } = deps;
  const route = (method: 'GET' | 'POST' | 'DELETE', url: string, schema: { body?: TSchema; params?: TSchema }, handler: (req: FastifyRequest) => unknown) => {
    app.route({
      method, url, schema,
      handler: async (req: FastifyRequest, reply: FastifyReply) => {
        void reply.header('Cache-Control', 'no-store');
        authenticate(users, req, 'admin');
        return handler(req);
      },
    });
  };

  route('POST', '/emulator/v1/reset', {}, (): Promise<T.ResetOutcome> => reset.reset());
  route('GET', '/emulator/v1/faults', {}, (): T.Fault[] => faults.list());
  route('POST', '/emulator/v1/faults', { body: T.ArmFaultRequest }, (req): T.Fault => faults.arm(req.body as T.ArmFaultRequest));
  route('DELETE', '/emulator/v1/faults', {}, (): T.FaultsCleared => ({ cleared: faults.clearAll() }));
  route('DELETE', '/emulator/v1/faults/:faultId', { params: T.FaultIdParams }, (req) => {
    const id = (req.params as { faultId: string }).faultId;
    if (!faults.clearOne(id)) fail('NOT_FOUND', `fault ${id}`);
    return { ok: true };
  });
  route('GET', '/emulator/v1/clock', {}, (): T.ClockReading => time.reading());
  route('POST', '/emulator/v1/clock', { body: T.AdvanceClockRequest }, (req): Promise<T.ClockReading> => time.advance((req.body as T.AdvanceClockRequest).advanceSeconds));
}
