/**
 * AgentClient.quickTexts() against a real server: an agent gets its org's quick texts
 * for everyone and for its skills, typed as the server's schema says; an agent with
 * none of the skills gets only those for everyone; signed out, the call is refused.
 */
import { describe, expect, it } from 'vitest';
import { AgentClient, SwitchboardHttpError, type QuickText } from '../../packages/sdk/src/index.js';
import { demoConfig, useServer } from '../protocol/harness.js';

const server = useServer({}, {
  config: (settings) => {
    const config = demoConfig(settings) as { orgs: { agents: unknown[]; quickTexts?: unknown[] }[] };
    config.orgs[0]!.agents.push(
      { id: '005000000000031', name: 'Pat Support', username: 'pat', password: 'plain:pat-secret', skills: ['support'], capacity: 3 },
      { id: '005000000000032', name: 'Lou Sales', username: 'lou', password: 'plain:lou-secret', skills: ['sales'], capacity: 3 },
      { id: '005000000000033', name: 'Ida Admin', username: 'ida', password: 'plain:ida-secret', role: 'admin', skills: [], capacity: 0 },
    );
    config.orgs[0]!.quickTexts = [
      { id: 'hello', title: 'Hello', text: 'Hello {{visitor.name}}, I am {{agent.name}}.' },
      { id: 'order', title: 'Order number', text: 'Your order number, please?', skills: ['support'] },
    ];
    return config;
  },
});

async function loggedIn(username: string): Promise<AgentClient> {
  const c = new AgentClient({ baseUrl: server.baseUrl });
  await c.login(username, `${username}-secret`);
  return c;
}

describe('AgentClient: quick texts', () => {
  it('lists the quick texts for everyone and for the agent\'s skills', async () => {
    const pat = await loggedIn('pat');
    const texts: QuickText[] = await pat.quickTexts();
    expect(texts).toEqual([
      { id: 'hello', title: 'Hello', text: 'Hello {{visitor.name}}, I am {{agent.name}}.', skills: [], source: 'config' },
      { id: 'order', title: 'Order number', text: 'Your order number, please?', skills: ['support'], source: 'config' },
    ]);
    await pat.logout();
  });

  it('manages my own quick texts and, as an admin, the org\'s (ADR 0059)', async () => {
    const pat = await loggedIn('pat');
    const admin = await loggedIn('ida');
    const mine = await pat.createMyQuickText({ title: 'Mine', text: 'Cheers' });
    expect(mine).toMatchObject({ title: 'Mine', text: 'Cheers', skills: [], source: 'personal' });
    expect(await pat.updateMyQuickText(mine.id, { title: 'Sign-off' })).toEqual({ ...mine, title: 'Sign-off' });
    const org = await admin.createOrgQuickText({ title: 'Hours', text: 'We are open 9 to 5.', skills: ['support'] });
    expect((await admin.orgQuickTexts()).map((q) => [q.id, q.source])).toEqual([['hello', 'config'], ['order', 'config'], [org.id, 'org']]);
    expect((await pat.quickTexts()).map((q) => q.source)).toEqual(['config', 'config', 'org', 'personal']);
    expect(await admin.updateOrgQuickText(org.id, { skills: [] })).toMatchObject({ skills: [] });
    const inConfig = await admin.deleteOrgQuickText('hello').then(() => null, (e: unknown) => e);
    expect(inConfig).toBeInstanceOf(SwitchboardHttpError);
    expect((inConfig as SwitchboardHttpError).status).toBe(409);
    await admin.deleteOrgQuickText(org.id);
    await pat.deleteMyQuickText(mine.id);
    expect(await pat.myQuickTexts()).toEqual([]);
    expect((await pat.quickTexts()).map((q) => q.id)).toEqual(['hello', 'order']);
    await pat.logout();
    await admin.logout();
  });

  it('gives an agent without the skill only those for everyone, and refuses a signed-out client', async () => {
    const lou = await loggedIn('lou');
    expect((await lou.quickTexts()).map((q) => q.id)).toEqual(['hello']);
    await lou.logout();
    const err = await lou.quickTexts().then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(SwitchboardHttpError);
  });
});
