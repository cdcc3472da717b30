/**
 * Users across a restart, on a real SQLite file: the config file wins for a
 * config user whose entry changed since the admin API stored it (a rotated
 * password, a demotion, a removal), the admin API's changes stand while the entry
 * is the same, and disabling a user revokes its API keys for good.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../adapters/memory/fake-clock.js';
import { createSqliteChatStore, type SqliteStore } from '../../adapters/sqlite/sqlite-chat-store.js';
import type { AgentConfig, OrgConfig } from '../../config/config-schema.js';
import { TokenService } from './token-service.js';
import { UserDirectory } from './user-directory.js';

const ORG = '00D0000000000AA';
const open: SqliteStore[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});

function agent(overrides: Partial<AgentConfig> = {}): AgentConfig {
  return { id: '005000000000A01', name: 'Ada', username: 'ada', password: 'plain:first-password', role: 'supervisor', skills: ['billing'], capacity: 3, ...overrides };
}

function orgWith(agents: AgentConfig[]): OrgConfig[] {
  return [{ id: ORG, name: 'Org', deployments: [], buttons: [], agents } as unknown as OrgConfig];
}

/** One start of the server's user side over the data dir: a fresh store and directory. */
async function start(dataDir: string, agents: AgentConfig[]) {
  const store = createSqliteChatStore({ dataDir, synchronous: 'normal' });
  open.push(store);
  await store.migrate();
  const clock = new FakeClock();
  const users = new UserDirectory(store, new TokenService(Buffer.alloc(32, 7), clock), clock);
  const loaded = await users.load(orgWith(agents));
  return { users, loaded, stop: () => store.close().then(() => void open.splice(open.indexOf(store), 1)) };
}

const canLogIn = (users: UserDirectory, username: string, password: string) => users.login(username, password).then(() => true, () => false);

describe('users across a restart', () => {
  it('a password rotated in the config applies after the user logged out once (the old password and its tokens stop working)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-users-'));
    const first = await start(dir, [agent()]);
    const { refreshToken } = await first.users.login('ada', 'first-password');
    await first.users.logout('005000000000A01');
    const kept = await first.users.login('ada', 'first-password');
    await first.stop();

    const second = await start(dir, [agent({ password: 'plain:rotated-password' })]);
    expect(second.loaded.changedByConfig).toEqual(['005000000000A01']);
    expect(await canLogIn(second.users, 'ada', 'rotated-password')).toBe(true);
    expect(await canLogIn(second.users, 'ada', 'first-password')).toBe(false);
    expect(second.users.authenticate(kept.accessToken), 'a token issued under the old password').toBeNull();
    expect(() => second.users.refresh(refreshToken)).toThrow();
  });

  it('a role and skills changed in the config apply over an earlier admin API change; an unchanged entry keeps the API change', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-users-'));
    const first = await start(dir, [agent(), agent({ id: '005000000000A02', username: 'bob', name: 'Bob' })]);
    await first.users.updateUser('005000000000A01', { skills: ['sales'] });
    await first.users.updateUser('005000000000A02', { skills: ['sales'], capacity: 5 });
    await first.stop();

    const second = await start(dir, [agent({ role: 'agent' }), agent({ id: '005000000000A02', username: 'bob', name: 'Bob' })]);
    expect(second.users.get('005000000000A01')).toMatchObject({ role: 'agent', skills: ['billing'] });
    expect(second.users.get('005000000000A02'), 'entry unchanged: the API change stands').toMatchObject({ role: 'supervisor', skills: ['sales'], capacity: 5 });
  });

  it('a config user removed from the file is gone, a user made through the admin API stays, and disabled stays disabled', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-users-'));
    const first = await start(dir, [agent(), agent({ id: '005000000000A02', username: 'bob', name: 'Bob' })]);
    await first.users.updateUser('005000000000A01', { capacity: 1 });
    await first.users.updateUser('005000000000A02', { disabled: true });
    const made = await first.users.createUser(ORG, { name: 'Cy', username: 'cy', password: 'cy-password', role: 'agent', skills: [], capacity: 2 });
    const key = await first.users.createApiKey('005000000000A01', 'ci', 'agent');
    await first.stop();

    const second = await start(dir, [agent({ id: '005000000000A02', username: 'bob', name: 'Bob', capacity: 4 })]);
    expect(second.loaded.removedFromConfig).toEqual(['005000000000A01']);
    expect(second.users.get('005000000000A01')).toBeUndefined();
    expect(await canLogIn(second.users, 'ada', 'first-password')).toBe(false);
    expect(second.users.authenticate(key.key), "the removed user's API key").toBeNull();
    expect(second.users.get(made.id)).toMatchObject({ name: 'Cy', capacity: 2 });
    expect(second.users.get('005000000000A02'), 'changed in the file, still disabled').toMatchObject({ capacity: 4, disabled: true });
  });

  it('disabling a user revokes its API keys for good: enabling it again does not bring them back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-users-'));
    const { users, stop } = await start(dir, [agent()]);
    const key = await users.createApiKey('005000000000A01', 'ci', 'agent');
    expect(users.authenticate(key.key)?.userId).toBe('005000000000A01');
    await users.updateUser('005000000000A01', { disabled: true });
    await users.updateUser('005000000000A01', { disabled: false, password: 'a-new-password' });
    expect(users.authenticate(key.key)).toBeNull();
    expect(users.apiKey(key.id)?.revokedAt).not.toBeNull();
    await stop();
    const again = await start(dir, [agent()]);
    expect(again.users.authenticate(key.key), 'after a restart too').toBeNull();
  });
});
