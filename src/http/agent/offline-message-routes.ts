/**
 * Offline messages on the agent API (docs/agent-api.md, "Offline messages"; ADR 0063): the
 * org's supervisors and admins list what visitors left, mark it handled (or new again) and
 * delete it. Agents do not see them: a message is the team's to hand out.
 */
import type { OfflineMessageBox } from '../../core/offline-messages.js';
import * as T from '../../protocol/agent-api-types.js';
import type { RouteAdder } from './agent-routes.js';

const id = (req: { params: unknown }) => (req.params as { messageId: string }).messageId;

export function registerOfflineMessageAgentRoutes(route: RouteAdder, box: OfflineMessageBox): void {
  route({ method: 'GET', url: '/agent/v1/offline-messages', summary: 'Messages visitors left while no one could chat, newest first, a page at a time (`status` filters)', role: 'supervisor',
    querystring: T.OfflineMessageListQuery, response: T.OfflineMessagePage },
    (req, p) => box.list(p.orgId, req.query as T.OfflineMessageListQuery));
  route({ method: 'PATCH', url: '/agent/v1/offline-messages/:messageId', summary: 'Mark a message handled (records who and when) or new again', role: 'supervisor',
    params: T.OfflineMessageIdParams, body: T.MarkOfflineMessageRequest, response: T.OfflineMessage,
    errors: { 404: 'No such offline message in this organization' } },
    (req, p) => box.mark(p.orgId, id(req), (req.body as T.MarkOfflineMessageRequest).status, p.userId));
  route({ method: 'DELETE', url: '/agent/v1/offline-messages/:messageId', summary: 'Delete a message', role: 'supervisor', params: T.OfflineMessageIdParams, response: T.Ok,
    errors: { 404: 'No such offline message in this organization' } },
    async (req, p) => {
      await box.remove(p.orgId, id(req));
      return { ok: true };
    });
}
