/**
 * AgentClient's offline message methods against a real server (ADR 0063): a visitor leaves a
 * message through the widget's endpoint; a supervisor lists it, typed as the server's schema
 * says, marks it handled and deletes it; an agent is refused.
 */
import { describe, expect, it } from 'vitest';
import { AgentClient, SwitchboardHttpError, type OfflineMessage } from '../../packages/sdk/src/index.js';
import { demoConfig, useServer } from '../protocol/harness.js';

const ORG = '00D000000000001';
const DEPLOYMENT = '572000000000001';
const BUTTON = '573000000000002';

const server = useServer({}, {
  config: (settings) => {
    const config = demoConfig(settings) as { orgs: { deployments: { buttons: { id: string; offlineMessages?: boolean }[] }[]; agents: unknown[] }[] };
    config.orgs[0]!.deployments[0]!.buttons.find((b) => b.id === BUTTON)!.offlineMessages = true;
    config.orgs[0]!.agents.push(
      { id: '005000000000041', name: 'Sue Supervisor', username: 'sue', password: 'plain:sue-secret', role: 'supervisor', skills: ['support'], capacity: 3 },
      { id: '005000000000042', name: 'Al Agent', username: 'al', password: 'plain:al-secret', skills: ['support'], capacity: 3 },
    );
    return config;
  },
});

async function loggedIn(username: string): Promise<AgentClient> {
  const c = new AgentClient({ baseUrl: server.baseUrl });
  await c.login(username, `${username}-secret`);
  return c;
}

async function leave(subject: string): Promise<string> {
  const res = await fetch(`${server.baseUrl}/widget/v1/offline-messages`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ orgId: ORG, deploymentId: DEPLOYMENT, buttonId: BUTTON, name: 'Kim', email: 'kim@example.com', subject, message: 'Call me, please' }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

describe('AgentClient: offline messages', () => {
  it('lists, marks handled and deletes the messages visitors left; pages newest first', async () => {
    const first = await leave('first');
    const second = await leave('second');
    const sue = await loggedIn('sue');
    const page = await sue.listOfflineMessages({ limit: 1 });
    expect(page.messages.map((m) => m.id)).toEqual([second]);
    const older = await sue.listOfflineMessages({ limit: 1, before: page.next! });
    expect([older.messages.map((m) => m.id), older.next]).toEqual([[first], null]);
    const handled: OfflineMessage = await sue.markOfflineMessage(first, 'handled');
    expect(handled).toMatchObject({ id: first, status: 'handled', handledBy: '005000000000041', name: 'Kim', email: 'kim@example.com', subject: 'first', message: 'Call me, please' });
    expect((await sue.listOfflineMessages({ status: 'new' })).messages.map((m) => m.id)).toEqual([second]);
    await sue.deleteOfflineMessage(first);
    await expect(sue.deleteOfflineMessage(first)).rejects.toMatchObject({ status: 404 });
    await sue.logout();
  });

  it('refuses an agent (403)', async () => {
    const al = await loggedIn('al');
    const err = await al.listOfflineMessages().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SwitchboardHttpError);
    expect((err as SwitchboardHttpError).status).toBe(403);
    await al.logout();
  });
});
