/**
 * Users across a restart, on a real SQLite file: the config file wins for a
 * config user whose entry changed since the admin API stored it (a rotated
 * password, a demotion, a removal, `disabled` too), also for one the API never
 * stored, and signs it out; the admin API's changes stand while the entry is the
 * same; disabling a user revokes its API keys for good; and the last enabled
 * admin of an org cannot be demoted or disabled through the API. Each user says
 * where it is defined (the config file or the admin API), restart or not.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../adapters/memory/fake-clock.js';
import { createSqliteChatStore, type SqliteStore } from '../../adapters/sqlite/sqlite-chat-store.js';
import type { AgentConfig, OrgConfig } from '../../config/config-schema.js';
import { SwitchboardError } from '../../protocol/errors.js';
import { TokenService } from './token-service.js';
import { UserDirectory, toPublic } from './user-directory.js';

const ORG = '00D0000000000AA';
const OTHER_ORG = '00D0000000000BB';
const open: SqliteStore[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close();
});

function agent(overrides: Partial<AgentConfig> = {}): AgentConfig {
  return { id: '005000000000A01', name: 'Ada', username: 'ada', password: 'plain:first-password', role: 'supervisor', skills: ['billing'], capacity: 3, ...overrides };
}

function orgWith(agents: AgentConfig[], others: AgentConfig[] = []): OrgConfig[] {
  return [
    { id: ORG, name: 'Org', deployments: [], buttons: [], agents } as unknown as OrgConfig,
    { id: OTHER_ORG, name: 'Other', deployments: [], buttons: [], agents: others } as unknown as OrgConfig,
  ];
}

/** One start of the server's user side over the data dir: a fresh store and directory. */
async function start(dataDir: string, agents: AgentConfig[], others: AgentConfig[] = []) {
  const store = createSqliteChatStore({ dataDir, synchronous: 'normal' });
  open.push(store);
  await store.migrate();
  const clock = new FakeClock();
  const users = new UserDirectory(store, new TokenService(Buffer.alloc(32, 7), clock), clock);
  const loaded = await users.load(orgWith(agents, others));
  return { users, loaded, clock, stop: () => store.close().then(() => void open.splice(open.indexOf(store), 1)) };
}

const canLogIn = (users: UserDirectory, username: string, password: string) => users.login(username, password).then(() => true, () => false);

describe('users across a restart', () => {
  it('tells config users from users made through the admin API, after changes and restarts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-users-'));
    const first = await start(dir, [agent()]);
    const made = await first.users.createUser(ORG, { name: 'Bo', username: 'bo', password: 'bo-password', role: 'agent', skills: [], capacity: 1 });
    await first.users.updateUser('005000000000A01', { name: 'Ada Renamed' });
    const sourceIn = (users: UserDirectory) => Object.fromEntries(users.list(ORG).map((u) => [u.id, u.source]));
    expect(sourceIn(first.users)).toEqual({ '005000000000A01': 'config', [made.id]: 'api' });
    await first.stop();

    const second = await start(dir, [agent()]);
    expect(sourceIn(second.users), 'the same file: the API change stands').toEqual({ '005000000000A01': 'config', [made.id]: 'api' });
    expect(toPublic(second.users.get('005000000000A01')!)).toMatchObject({ name: 'Ada Renamed', source: 'config' });
    await second.stop();

    const third = await start(dir, [agent({ capacity: 5 })]);
    expect(sourceIn(third.users), 'a changed entry: the file wins, still the file\'s').toEqual({ '005000000000A01': 'config', [made.id]: 'api' });
    expect((await third.users.login('bo', 'bo-password')).user.source).toBe('api');
  });

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

  it('a config user removed from the file is gone, a user made through the admin API stays, and a changed entry enables a disabled user', async () => {
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
    expect(second.users.get('005000000000A02'), 'changed in the file: the file wins, disabled too').toMatchObject({ capacity: 4, disabled: false });
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

  it('revoking a revoked API key changes nothing: it keeps the time of its first revocation, also after a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-users-'));
    const { users, clock, stop } = await start(dir, [agent()]);
    const key = await users.createApiKey('005000000000A01', 'ci', 'agent');
    clock.advance(1000);
    await users.revokeApiKey(key.id);
    const first = users.apiKey(key.id)?.revokedAt;
    expect(first).toBe(clock.now());
    clock.advance(60_000);
    await users.revokeApiKey(key.id);
    expect(users.apiKey(key.id)?.revokedAt).toBe(first);
    await stop();
    const again = await start(dir, [agent()]);
    expect(again.users.apiKey(key.id)?.revokedAt, 'as stored').toBe(first);
  });

  it('a password or role changed in the config revokes the tokens of a user the admin API never stored', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-users-'));
    const first = await start(dir, [agent(), agent({ id: '005000000000A02', username: 'bob', name: 'Bob' }), agent({ id: '005000000000A03', username: 'cy', name: 'Cy' })]);
    const ada = await first.users.login('ada', 'first-password');
    const bob = await first.users.login('bob', 'first-password');
    const cy = await first.users.login('cy', 'first-password');
    await first.stop();

    const second = await start(dir, [
      agent({ password: 'plain:rotated-password' }),
      agent({ id: '005000000000A02', username: 'bob', name: 'Bob', role: 'agent' }),
      agent({ id: '005000000000A03', username: 'cy', name: 'Cy', skills: ['sales'] }),
    ]);
    expect(second.loaded.changedByConfig.sort()).toEqual(['005000000000A01', '005000000000A02', '005000000000A03']);
    expect(second.users.authenticate(ada.accessToken), 'issued under the old password').toBeNull();
    expect(() => second.users.refresh(ada.refreshToken)).toThrow();
    expect(second.users.authenticate(bob.accessToken), 'issued under the old role').toBeNull();
    expect(() => second.users.refresh(bob.refreshToken)).toThrow();
    expect(second.users.authenticate(cy.accessToken)?.userId, 'only the skills changed: still signed in').toBe('005000000000A03');
    const kept = await second.users.login('ada', 'rotated-password');
    await second.stop();

    // The next start with the same file changes nothing, and revokes nothing again.
    const third = await start(dir, [agent({ password: 'plain:rotated-password' })]);
    expect(third.loaded.changedByConfig).toEqual([]);
    expect(third.users.authenticate(kept.accessToken)?.userId).toBe('005000000000A01');
    expect(third.users.refresh(kept.refreshToken).user.id).toBe('005000000000A01');
  });

  it('tokens issued before config users had stored records stop working once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-users-'));
    const { users } = await start(dir, [agent()]);
    // What an earlier version issued to a config user it never stored: version 0.
    const old = users.tokens.issue('005000000000A01', 'access', 0).token;
    expect(users.authenticate(old)).toBeNull();
    const fresh = await users.login('ada', 'first-password');
    expect(users.authenticate(fresh.accessToken)?.userId).toBe('005000000000A01');
  });

  it('a config user removed and added back keeps none of its old tokens, API keys or disabled state', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-users-'));
    const bob = agent({ id: '005000000000A02', username: 'bob', name: 'Bob' });
    const first = await start(dir, [agent(), bob]);
    const ada = await first.users.login('ada', 'first-password');
    const key = await first.users.createApiKey('005000000000A01', 'ci', 'agent');
    await first.users.updateUser('005000000000A02', { disabled: true });
    await first.stop();

    const second = await start(dir, []);
    expect(second.loaded.removedFromConfig.sort()).toEqual(['005000000000A01', '005000000000A02']);
    await second.stop();
    const third = await start(dir, []);
    expect(third.loaded.removedFromConfig, 'named once, at the start that found them gone').toEqual([]);
    await third.stop();

    const back = await start(dir, [agent(), bob]);
    expect(back.users.authenticate(ada.accessToken)).toBeNull();
    expect(() => back.users.refresh(ada.refreshToken)).toThrow();
    expect(back.users.authenticate(key.key)).toBeNull();
    expect(back.users.apiKey(key.id)?.revokedAt).not.toBeNull();
    expect(back.users.get('005000000000A02')).toMatchObject({ disabled: false });
    expect(await canLogIn(back.users, 'bob', 'first-password')).toBe(true);
  });

  it('makes one user of two made at once with the same username or id: the other is refused (409), and what was refused is free again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-users-'));
    const { users } = await start(dir, [agent()]);
    const input = (name: string, username: string, id?: string) => ({ id, name, username, password: `${username}-password`, role: 'agent' as const, skills: [], capacity: 1 });
    const outcome = (p: Promise<unknown>) => p.then(() => 'made', (e: unknown) => (e instanceof SwitchboardError ? e.code : String(e)));
    // Both pass the checks that read before either is written (a password hash in between).
    const sameName = await Promise.all([outcome(users.createUser(ORG, input('Cy One', 'cy'))), outcome(users.createUser(OTHER_ORG, input('Cy Two', 'cy')))]);
    expect(sameName.sort()).toEqual(['CONFLICT', 'made']);
    expect(users.all().filter((u) => u.username === 'cy')).toHaveLength(1);
    const sameId = await Promise.all([
      outcome(users.createUser(ORG, input('Di One', 'di-1', '005000000000D01'))),
      outcome(users.createUser(OTHER_ORG, input('Di Two', 'di-2', '005000000000D01'))),
    ]);
    expect(sameId.sort()).toEqual(['CONFLICT', 'made']);
    // The loser's username was given back: it can be made now.
    const loser = users.get('005000000000D01') ? 'di-2' : 'di-1';
    expect(users.all().some((u) => u.username === loser)).toBe(false);
    expect((await users.createUser(ORG, input('Di Again', loser))).username).toBe(loser);
  });

  it("refuses to make a user through the admin API with a removed config user's id, in any org, also starts later: the id would inherit its tokens and keys", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-users-'));
    const first = await start(dir, [agent()]);
    const ada = await first.users.login('ada', 'first-password');
    await first.users.createApiKey('005000000000A01', 'ci', 'agent');
    await first.stop();

    const input = { name: 'Not Ada', username: 'not-ada', password: 'not-ada-password', role: 'admin' as const, skills: [], capacity: 1 };
    for (const round of ['the start that found the entry gone', 'a later start']) {
      const later = await start(dir, []);
      for (const org of [ORG, OTHER_ORG]) {
        // The 18-character form of the id too: the routing side takes the two for one agent.
        for (const id of ['005000000000A01', '005000000000A01AAE']) {
          const refused = await later.users.createUser(org, { ...input, id }).then(() => null, (e: unknown) => e);
          expect(refused, `${round}, ${org}, ${id}`).toBeInstanceOf(SwitchboardError);
          expect((refused as SwitchboardError).code).toBe('CONFLICT');
        }
      }
      expect(later.users.get('005000000000A01')).toBeUndefined();
      expect(later.users.listApiKeys(OTHER_ORG), "the removed user's keys are nobody's to list").toEqual([]);
      expect(() => later.users.refresh(ada.refreshToken)).toThrow();
      await later.stop();
    }
  });

  it('a user disabled through the API stays disabled while its entry is unchanged, and is enabled by a change to it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-users-'));
    const first = await start(dir, [agent({ role: 'admin' }), agent({ id: '005000000000A02', username: 'bob', name: 'Bob', role: 'admin' })]);
    await first.users.updateUser('005000000000A01', { disabled: true });
    await first.stop();

    const same = await start(dir, [agent({ role: 'admin' }), agent({ id: '005000000000A02', username: 'bob', name: 'Bob', role: 'admin' })]);
    expect(await canLogIn(same.users, 'ada', 'first-password')).toBe(false);
    await same.stop();

    const recovered = await start(dir, [agent({ role: 'admin', password: 'plain:recovery-password' }), agent({ id: '005000000000A02', username: 'bob', name: 'Bob', role: 'admin' })]);
    expect(recovered.users.get('005000000000A01')).toMatchObject({ role: 'admin', disabled: false });
    expect(await canLogIn(recovered.users, 'ada', 'recovery-password')).toBe(true);
  });

  it('refuses to demote or disable the last enabled admin of an org; another org\'s admin or a disabled one does not count', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-users-'));
    const { users } = await start(dir, [agent({ role: 'admin' }), agent({ id: '005000000000A02', username: 'bob', name: 'Bob', role: 'admin' })],
      [agent({ id: '005000000000B01', username: 'eve', name: 'Eve', role: 'admin' })]);
    await users.updateUser('005000000000A02', { disabled: true });
    for (const patch of [{ role: 'agent' as const }, { role: 'supervisor' as const }, { disabled: true }]) {
      const refused = await users.updateUser('005000000000A01', { ...patch, name: 'Changed' }).then(() => null, (e: unknown) => e);
      expect(refused, JSON.stringify(patch)).toBeInstanceOf(SwitchboardError);
      expect((refused as SwitchboardError).code).toBe('LAST_ADMIN');
    }
    expect(users.get('005000000000A01'), 'nothing of a refused change applies').toMatchObject({ name: 'Ada', role: 'admin', disabled: false });
    await users.updateUser('005000000000A01', { role: 'admin', disabled: false, name: 'Ada Admin' });

    // With another enabled admin in the org, either may go, but not both.
    await users.updateUser('005000000000A02', { disabled: false });
    await users.updateUser('005000000000A02', { role: 'agent' });
    await expect(users.updateUser('005000000000A01', { disabled: true })).rejects.toMatchObject({ code: 'LAST_ADMIN' });
    // The only admin of the other org is its own last one.
    await expect(users.updateUser('005000000000B01', { role: 'agent' })).rejects.toMatchObject({ code: 'LAST_ADMIN' });
  });

  it('counts only admins who can sign in: a password with a username, or an unrevoked API key of the admin role', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-users-'));
    // Bob is a config admin with a password but no username: POST /auth/login cannot find him.
    const { users } = await start(dir, [agent({ role: 'admin' }), agent({ id: '005000000000A02', username: undefined, name: 'Bob', role: 'admin' })]);
    const cy = await users.createUser(ORG, { name: 'Cy', username: 'cy', role: 'admin', skills: [], capacity: 1 });
    const refusal = () => users.updateUser('005000000000A01', { role: 'agent' }).then(() => null, (e: unknown) => e as SwitchboardError);
    const refused = await refusal();
    expect(refused?.code).toBe('LAST_ADMIN');
    expect(refused?.detail).toBe(`005000000000A01: no other enabled admin of its org can sign in (005000000000A02 has no username and no unrevoked admin API key; ${cy.id} has no password and no unrevoked admin API key); give one a password and username or an admin API key, or make another user admin first`);
    await expect(users.updateUser('005000000000A01', { disabled: true })).rejects.toMatchObject({ code: 'LAST_ADMIN' });

    // A key that cannot act as an admin does not make Cy one anybody can use; a revoked admin key neither.
    await users.createApiKey(cy.id, 'agent work', 'agent');
    const adminKey = await users.createApiKey(cy.id, 'admin work', 'admin');
    await users.revokeApiKey(adminKey.id);
    expect((await refusal())?.code).toBe('LAST_ADMIN');

    // Cy with an admin key, or with a password (her keys went with the disabling), is an admin who can sign in.
    await users.createApiKey(cy.id, 'admin work', 'admin');
    await users.updateUser('005000000000A01', { role: 'agent' });
    await users.updateUser('005000000000A01', { role: 'admin' });
    await users.updateUser(cy.id, { disabled: true });
    await users.updateUser(cy.id, { disabled: false, password: 'cy-password' });
    await users.updateUser('005000000000A01', { disabled: true });
    await expect(users.updateUser(cy.id, { role: 'agent' })).rejects.toMatchObject({ code: 'LAST_ADMIN' });
  });

  it("refuses to revoke the last admin API key of an org's only admin nobody can sign in as otherwise; another key or a password lets it go", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-users-'));
    // Ada, the only admin, has no username: her admin API key is the only way in.
    const { users } = await start(dir, [agent({ role: 'admin', username: undefined })]);
    const first = await users.createApiKey('005000000000A01', 'first', 'admin');
    const agentKey = await users.createApiKey('005000000000A01', 'agent work', 'agent');
    await users.revokeApiKey(agentKey.id); // a key that cannot act as an admin goes freely
    const refused = await users.revokeApiKey(first.id).then(() => null, (e: unknown) => e as SwitchboardError);
    expect(refused?.code).toBe('LAST_ADMIN');
    expect(refused?.detail).toBe(`API key ${first.id} is the last way to sign in as an admin of 005000000000A01's org; make another admin API key or give 005000000000A01 a password first, then revoke this one`);
    expect(users.apiKey(first.id)?.revokedAt, 'a refused revocation leaves the key working').toBeNull();
    expect(users.authenticate(first.key)?.role).toBe('admin');

    // With a second admin key, either may go, but not both.
    const second = await users.createApiKey('005000000000A01', 'second', 'admin');
    await users.revokeApiKey(first.id);
    await expect(users.revokeApiKey(second.id)).rejects.toMatchObject({ code: 'LAST_ADMIN' });
    // Another admin who can sign in (with a password) lets the last key go.
    await users.createUser(ORG, { name: 'Cy', username: 'cy', password: 'cy-password', role: 'admin', skills: [], capacity: 1 });
    await users.revokeApiKey(second.id);
    expect(users.authenticate(second.key)).toBeNull();
  });

  it('trims usernames and skills and refuses blank ones (400, nothing of the change applies)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-users-'));
    const { users } = await start(dir, [agent({ role: 'admin' })]);
    const refusal = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e as SwitchboardError);
    const blankName = await refusal(users.createUser(ORG, { name: 'Kim', username: ' \t ', password: 'kim-password', role: 'agent', skills: [], capacity: 1 }));
    expect(blankName).toMatchObject({ code: 'BODY_INVALID', detail: 'username is blank: give a name with a letter or digit in it' });
    const blankSkill = await refusal(users.createUser(ORG, { name: 'Kim', username: 'kim', role: 'agent', skills: ['billing', '   '], capacity: 1 }));
    expect(blankSkill).toMatchObject({ code: 'BODY_INVALID', detail: 'skills/1 is blank: give a name with a letter or digit in it' });
    expect(users.list(ORG).map((u) => u.name), 'a refused user is not made').toEqual(['Ada']);

    const kim = await users.createUser(ORG, { name: 'Kim', username: '  kim ', password: 'kim-password', role: 'agent', skills: [' billing', 'sales '], capacity: 1 });
    expect(toPublic(kim)).toMatchObject({ username: 'kim', skills: ['billing', 'sales'] });
    expect(await canLogIn(users, 'kim', 'kim-password')).toBe(true);
    await expect(users.createUser(ORG, { name: 'Kim 2', username: 'kim\n', role: 'agent', skills: [], capacity: 1 })).rejects.toMatchObject({ code: 'CONFLICT' });

    expect(await refusal(users.updateUser(kim.id, { name: 'Kim Renamed', skills: ['support', ''] }))).toMatchObject({ code: 'BODY_INVALID', detail: 'skills/1 is blank: give a name with a letter or digit in it' });
    expect(users.get(kim.id), 'nothing of a refused change applies').toMatchObject({ name: 'Kim', skills: ['billing', 'sales'] });
    expect((await users.updateUser(kim.id, { skills: ['  support  '] })).skills).toEqual(['support']);
  });

  it('trims the username given at login, as usernames are trimmed when made; one stored padded before that still logs in', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-users-'));
    const { users } = await start(dir, [agent()]);
    for (const given of ['ada', ' ada', 'ada\t', '\n ada  ']) expect(await canLogIn(users, given, 'first-password'), JSON.stringify(given)).toBe(true);
    expect(await canLogIn(users, '   ', 'first-password')).toBe(false);
    const lee = await users.createUser(ORG, { name: 'Lee', username: 'lee', password: 'lee-password', role: 'agent', skills: [], capacity: 1 });
    // As made by the admin API before it trimmed usernames.
    users.get(lee.id)!.username = ' lee ';
    for (const given of ['lee', ' lee ']) expect(await canLogIn(users, given, 'lee-password'), JSON.stringify(given)).toBe(true);
  });
});
