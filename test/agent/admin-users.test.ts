/**
 * Users made through the admin API: they take chats after a restart like the
 * config's agents, and an id that would be another agent's (the same
 * 15-character form, as Salesforce ids compare) is refused, so one
 * org's admin cannot take over another org's agent and its chats. A user's
 * name and an API key's name are trimmed, and a blank one is refused (400); so are a
 * username and skills. A change of name or role is told on the user's stream (`presence`).
 */
import { describe, expect, it } from 'vitest';
import { request } from '../protocol/harness.js';
import { AgentUser, BUTTON, DEPLOYMENT, ORG, OWNS_PROCESS, USERS, onlineAgent, requestChat, useAgentServer } from './agent-fixtures.js';

const server = useAgentServer();

describe.skipIf(!OWNS_PROCESS)('agent API: users made by an admin', () => {
  it("refuses an id whose 15-character form is another org's agent; that agent keeps its chats", async () => {
    const root = await AgentUser.login(server, USERS.root);
    // Eve (the other org) has a 15-character id; its 18-character twin would be the same agent.
    const twin = await root.call('POST', '/agent/v1/admin/users', { id: `${USERS.eve.id}AAI`, name: 'Mallory', username: 'mallory', password: 'mallory-secret', role: 'agent', skills: ['support'], capacity: 2 });
    expect(twin.status, twin.text).toBe(409);
    const eve = await onlineAgent(server, USERS.eve);
    await requestChat(server, BUTTON.other, { visitorName: 'For Eve' }, 'other');
    expect((await eve.nextOffer()).chatId).toEqual(expect.any(String));
    await eve.leave();
  });

  it('routes chats to a user made through the admin API after a restart', async () => {
    const root = await AgentUser.login(server, USERS.root);
    const rita = await root.ok<{ id: string }>('POST', '/agent/v1/admin/users', {
      name: 'Rita Restart', username: 'rita', password: 'rita-password', role: 'agent', skills: ['billing'], capacity: 1,
    });
    await server.restart();
    const agent = await onlineAgent(server, { id: rita.id, username: 'rita', password: 'rita-password', name: 'Rita Restart' });
    // Visitor/Availability knows her too (it looked in the config file only).
    const availability = await request(server.baseUrl, 'GET', 'Visitor/Availability', { headers: { 'X-LIVEAGENT-API-VERSION': '34' }, query: { org_id: ORG, deployment_id: DEPLOYMENT, 'Availability.ids': rita.id } });
    expect(availability.json).toEqual({ messages: [{ type: 'Availability', message: { results: [{ id: rita.id, isAvailable: true }] } }] });
    await requestChat(server, BUTTON.billing, { visitorName: 'Needs Rita' });
    const offer = await agent.nextOffer();
    await agent.ok('POST', `/agent/v1/chats/${offer.chatId!}/accept`);
    await agent.ok('POST', `/agent/v1/chats/${offer.chatId!}/messages`, { text: 'Rita here.' });
    await agent.leave();
  });

  it("an admin's change to a user keeps the capacity the agent chose for itself unless it changes the capacity, and tells the agent's stream (its name too)", async () => {
    const root = await AgentUser.login(server, USERS.root);
    const ivy = await onlineAgent(server, USERS.ivy, { capacity: 5 });
    const presence = () => ivy.events.filter((e) => e.type === 'presence').map((e) => e.data['capacity']);
    const before = presence().length;
    await root.ok('PATCH', `/agent/v1/admin/users/${USERS.ivy.id}`, { name: 'Ivy Renamed' });
    await ivy.next((e) => e.type === 'presence', 'presence after a rename', before);
    expect(presence().slice(before), 'a rename keeps the capacity the agent chose').toEqual([5]);
    expect(ivy.events.filter((e) => e.type === 'presence').at(-1)?.data['name'], 'and says the new name (a console fills it into quick texts)').toBe('Ivy Renamed');
    await root.ok('PATCH', `/agent/v1/admin/users/${USERS.ivy.id}`, { capacity: 4 });
    await ivy.next((e) => e.type === 'presence' && e.data['capacity'] === 4, 'presence after a capacity change', before);
    const overview = await root.ok<{ agents: { id: string; capacity: number }[] }>('GET', '/agent/v1/supervisor/overview');
    expect(overview.agents.find((a) => a.id === USERS.ivy.id)?.capacity).toBe(4);
    // A role change says the new role (a console shows the views of it without a reload).
    const roles = () => ivy.events.filter((e) => e.type === 'presence').map((e) => e.data['role']);
    expect(roles().at(-1)).toBe('agent');
    await root.ok('PATCH', `/agent/v1/admin/users/${USERS.ivy.id}`, { role: 'supervisor' });
    await ivy.next((e) => e.type === 'presence' && e.data['role'] === 'supervisor', 'presence after a promotion', before);
    await root.ok('PATCH', `/agent/v1/admin/users/${USERS.ivy.id}`, { role: 'agent' });
    await ivy.next((e) => e.type === 'presence' && e.data['role'] === 'agent' && roles().includes('supervisor'), 'presence after a demotion', before);
    await root.ok('PATCH', `/agent/v1/admin/users/${USERS.ivy.id}`, { name: 'Ivy Idle' });
    await ivy.leave();
  });

  it("trims a user's and an API key's name and refuses a blank one with 400 BODY_INVALID saying so; nothing is changed", async () => {
    const root = await AgentUser.login(server, USERS.root);
    const blank = ' \t\u00a0\n ';
    const refusedWith = async (method: string, path: string, body: unknown) => {
      const res = await root.call(method, path, body);
      expect(res.status, `${method} ${path}: ${res.text}`).toBe(400);
      expect(res.text).toBe('Invalid request body: name is blank: give a name with a letter or digit in it');
    };
    await refusedWith('POST', '/agent/v1/admin/users', { name: blank, username: 'blanky', password: 'blank-password', role: 'agent', skills: [], capacity: 1 });
    const users = () => root.ok<{ id: string; name: string; username?: string }[]>('GET', '/agent/v1/admin/users');
    expect((await users()).some((u) => u.username === 'blanky'), 'a refused user is not made').toBe(false);

    const made = await root.ok<{ id: string; name: string }>('POST', '/agent/v1/admin/users', { name: '  Tim Trimmed \n', username: 'tim', password: 'tim-password', role: 'agent', skills: [], capacity: 1 });
    expect(made.name).toBe('Tim Trimmed');
    await refusedWith('PATCH', `/agent/v1/admin/users/${made.id}`, { name: blank, capacity: 2 });
    expect((await users()).find((u) => u.id === made.id), 'nothing of a refused change applies').toMatchObject({ name: 'Tim Trimmed', capacity: 1 });
    await root.ok('PATCH', `/agent/v1/admin/users/${made.id}`, { name: ' Tim Renamed ' });
    expect((await users()).find((u) => u.id === made.id)?.name).toBe('Tim Renamed');

    await refusedWith('POST', '/agent/v1/admin/api-keys', { userId: made.id, name: blank, role: 'agent' });
    const keys = () => root.ok<{ id: string; userId: string; name: string }[]>('GET', '/agent/v1/admin/api-keys');
    expect((await keys()).filter((k) => k.userId === made.id), 'a refused key is not made').toEqual([]);
    const key = await root.ok<{ id: string }>('POST', '/agent/v1/admin/api-keys', { userId: made.id, name: '  nightly export  ', role: 'agent' });
    expect((await keys()).find((k) => k.id === key.id)?.name).toBe('nightly export');
  });

  it('trims usernames and skills and refuses a blank one with 400 BODY_INVALID naming it; nothing is changed', async () => {
    const root = await AgentUser.login(server, USERS.root);
    const refused = async (method: string, path: string, body: unknown, field: string) => {
      const res = await root.call(method, path, body);
      expect(res.status, `${method} ${path}: ${res.text}`).toBe(400);
      expect(res.text).toBe(`Invalid request body: ${field} is blank: give a name with a letter or digit in it`);
    };
    await refused('POST', '/agent/v1/admin/users', { name: 'Una', username: '   ', password: 'una-password', role: 'agent', skills: [], capacity: 1 }, 'username');
    await refused('POST', '/agent/v1/admin/users', { name: 'Una', username: 'una', password: 'una-password', role: 'agent', skills: ['support', ' \t'], capacity: 1 }, 'skills/1');
    const users = () => root.ok<{ id: string; name: string; username?: string; skills: string[] }[]>('GET', '/agent/v1/admin/users');
    expect((await users()).some((u) => u.name === 'Una'), 'a refused user is not made').toBe(false);
    const una = await root.ok<{ id: string; username: string; skills: string[] }>('POST', '/agent/v1/admin/users', { name: 'Una', username: ' una ', password: 'una-password', role: 'agent', skills: [' support '], capacity: 1 });
    expect(una).toMatchObject({ username: 'una', skills: ['support'] });
    expect((await request(server.baseUrl, 'POST', '/agent/v1/auth/login', { body: { username: 'una', password: 'una-password' } })).status, 'logs in with the trimmed username').toBe(200);
    await refused('PATCH', `/agent/v1/admin/users/${una.id}`, { skills: [' '], capacity: 2 }, 'skills/0');
    expect((await users()).find((u) => u.id === una.id)?.skills, 'nothing of a refused change applies').toEqual(['support']);
  });
});
