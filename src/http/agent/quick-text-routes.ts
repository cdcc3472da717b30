/**
 * Quick texts on the agent API (docs/agent-api.md, "Quick texts"; ADR 0047, ADR 0059): what an
 * agent may use, the org's stored ones its admins manage beside the config file's (read-only),
 * and each agent's own.
 */
import type { QuickTextBook } from '../../core/quick-texts.js';
import type { UserDirectory } from '../../core/identity/user-directory.js';
import * as T from '../../protocol/agent-api-types.js';
import type { RouteAdder } from './agent-routes.js';

const id = (req: { params: unknown }) => (req.params as { quickTextId: string }).quickTextId;

export function registerQuickTextRoutes(route: RouteAdder, book: QuickTextBook, users: UserDirectory): void {
  route({ method: 'GET', url: '/agent/v1/quick-texts', summary: 'Quick texts I may use: the config file’s and the org’s stored ones for everyone or one of my skills, then my own (`source` says which)', role: 'agent', response: T.QuickTexts },
    // The user's skills now (the admin API may have changed them), not those the token was issued with.
    (_req, p) => book.usableBy(p.orgId, p.userId, users.get(p.userId)?.skills ?? []));

  const inConfig = 'QUICK_TEXT_IN_CONFIG: the quick text is in the config file (orgs[].quickTexts): change it there';
  route({ method: 'GET', url: '/agent/v1/admin/quick-texts', summary: 'The org’s quick texts: the config file’s (`source: config`, read-only) and stored ones (`source: org`), whatever their skills', role: 'admin', response: T.QuickTexts },
    (_req, p) => book.orgList(p.orgId));
  route({ method: 'POST', url: '/agent/v1/admin/quick-texts', summary: 'Add a quick text for the org (for everyone, or for agents with one of `skills`)', role: 'admin', body: T.CreateOrgQuickTextRequest, response: T.QuickText,
    errors: { 400: 'BODY_INVALID: a blank title, text or skill, or a text longer than settings.maxMessageLength', 409: 'QUICK_TEXT_LIMIT: the org has 500 stored quick texts already' } },
    (req, p) => book.add(p.orgId, null, p.userId, req.body as T.CreateOrgQuickTextRequest));
  route({ method: 'PATCH', url: '/agent/v1/admin/quick-texts/:quickTextId', summary: 'Change a stored quick text of the org (the fields given)', role: 'admin', params: T.QuickTextIdParams, body: T.UpdateOrgQuickTextRequest, response: T.QuickText,
    errors: { 400: 'BODY_INVALID: as for POST', 404: 'No such stored quick text of the organization', 409: inConfig } },
    (req, p) => book.update(p.orgId, null, id(req), req.body as T.UpdateOrgQuickTextRequest));
  route({ method: 'DELETE', url: '/agent/v1/admin/quick-texts/:quickTextId', summary: 'Delete a stored quick text of the org', role: 'admin', params: T.QuickTextIdParams, response: T.Ok,
    errors: { 404: 'No such stored quick text of the organization', 409: inConfig } },
    async (req, p) => {
      await book.remove(p.orgId, null, id(req));
      return { ok: true };
    });

  route({ method: 'GET', url: '/agent/v1/me/quick-texts', summary: 'My own quick texts (seen by nobody else), oldest first', role: 'agent', response: T.QuickTexts },
    (_req, p) => book.ownList(p.orgId, p.userId));
  route({ method: 'POST', url: '/agent/v1/me/quick-texts', summary: 'Add a quick text of my own', role: 'agent', body: T.CreateOwnQuickTextRequest, response: T.QuickText,
    errors: { 400: 'BODY_INVALID: a blank title or text, or a text longer than settings.maxMessageLength', 409: 'QUICK_TEXT_LIMIT: you have 200 quick texts of your own already' } },
    (req, p) => book.add(p.orgId, p.userId, p.userId, req.body as T.CreateOwnQuickTextRequest));
  route({ method: 'PATCH', url: '/agent/v1/me/quick-texts/:quickTextId', summary: 'Change a quick text of my own (the fields given)', role: 'agent', params: T.QuickTextIdParams, body: T.UpdateOwnQuickTextRequest, response: T.QuickText,
    errors: { 400: 'BODY_INVALID: as for POST', 404: 'No quick text of mine by that id (the org’s and the config file’s are not)' } },
    (req, p) => book.update(p.orgId, p.userId, id(req), req.body as T.UpdateOwnQuickTextRequest));
  route({ method: 'DELETE', url: '/agent/v1/me/quick-texts/:quickTextId', summary: 'Delete a quick text of my own', role: 'agent', params: T.QuickTextIdParams, response: T.Ok,
    errors: { 404: 'No quick text of mine by that id' } },
    async (req, p) => {
      await book.remove(p.orgId, p.userId, id(req));
      return { ok: true };
    });
}
