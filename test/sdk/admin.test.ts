/**
 * AgentClient's admin calls against a real server: an admin adds a user, who can
 * log in; changes its skills, capacity and role; a new password or disabling signs
 * it out; the org's only admin cannot demote or disable itself (409 LAST_ADMIN); a
 * taken username is 409 CONFLICT, a short password 400; an API key works as a
 * bearer token until revoked; a visitor with no chats erases to zero; and a
 * supervisor gets 403 from every admin call; the org's webhooks are listed without secrets.
 */
import { describe, expect, it } from 'vitest';
import { AgentClient, SwitchboardHttpError, type ErrorCode, type WebhookStreamStatus } from '../../packages/sdk/src/index.js';
import { demoConfig, useServer } from '../protocol/harness.js';

const ADMIN = { id: '005000000000029', username: 'ada', password: 'ada-secret' };
const SUPERVISOR = { username: 'sam', password: 'sam-secret' };

const server = useServer({}, {
  config: (settings) => {
    const config = demoConfig(settings) as { orgs: { agents: unknown[]; webhooks?: unknown[]; sensitiveDataRules?: unknown[] }[] };
    config.orgs[0]!.sensitiveDataRules = [{ name: 'card', pattern: '\\d{13,19}', appliesTo: 'visitor' }];
    // Nothing ends a chat here: the webhook only has to be listed.
    config.orgs[0]!.webhooks = [{ name: 'crm', url: 'https://hooks:hunter2@crm.example.com/in', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', enabled: false, events: ['chat.ended', 'offline_message.created'] }];
    config.orgs[0]!.agents.push(
      { id: ADMIN.id, name: 'Ada Admin', username: ADMIN.username, password: `plain:${ADMIN.password}`, role: 'admin', skills: [], capacity: 0 },
      { id: '005000000000028', name: 'Sam Supervisor', username: SUPERVISOR.username, password: `plain:${SUPERVISOR.password}`, role: 'supervisor', skills: [], capacity: 3 },
    );
    return config;
  },
});

async function loggedIn(user: { username: string; password: string }): Promise<AgentClient> {
  const c = new AgentClient({ baseUrl: server.baseUrl });
  await c.login(user.username, user.password);
  return c;
}

/** What `run` rejected with: the status and catalogue code of its SwitchboardHttpError. */
async function refusal(run: () => Promise<unknown>): Promise<{ status: number; code: ErrorCode | undefined; body: string }> {
  try {
    await run();
  } catch (err) {
    if (err instanceof SwitchboardHttpError) return { status: err.status, code: err.code, body: err.body };
    throw err;
  }
  throw new Error('expected a refusal, got an answer');
}

describe('AgentClient: admin calls', () => {
  it('adds a user who can log in, changes it, and signs it out with a new password or when disabled', async () => {
    const admin = await loggedIn(ADMIN);
    const kim = await admin.createUser({ name: 'Kim Lee', username: 'kim', password: 'kim-secret', role: 'agent', skills: ['billing'] });
    expect(kim).toMatchObject({ name: 'Kim Lee', username: 'kim', role: 'agent', skills: ['billing'], capacity: 3, disabled: false, source: 'api' });
    const listed = await admin.users();
    expect(listed.map((u) => u.username)).toContain('kim');
    // The admin logging in is an entry of the config file; Kim was made through the API.
    expect(listed.find((u) => u.username === ADMIN.username)?.source).toBe('config');

    const asKim = await loggedIn({ username: 'kim', password: 'kim-secret' });
    expect((await asKim.me()).id).toBe(kim.id);

    const changed = await admin.updateUser(kim.id, { skills: ['billing', 'support'], capacity: 5, role: 'supervisor' });
    expect(changed).toMatchObject({ skills: ['billing', 'support'], capacity: 5, role: 'supervisor', source: 'api' });
    expect((await admin.users()).find((u) => u.id === kim.id)).toMatchObject({ skills: ['billing', 'support'], capacity: 5 });

    // A new password revokes Kim's tokens: her refresh is refused too, so the call ends in 401.
    await admin.updateUser(kim.id, { password: 'kim-new-secret' });
    expect(await refusal(() => asKim.me())).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    const again = await loggedIn({ username: 'kim', password: 'kim-new-secret' });
    await admin.updateUser(kim.id, { disabled: true });
    expect(await refusal(() => again.me())).toMatchObject({ status: 401 });
    expect(await refusal(() => loggedIn({ username: 'kim', password: 'kim-new-secret' }))).toMatchObject({ status: 401 });
    expect((await admin.updateUser(kim.id, { disabled: false })).disabled).toBe(false);
    expect((await (await loggedIn({ username: 'kim', password: 'kim-new-secret' })).me()).id).toBe(kim.id);
  });

  it('refuses to demote or disable the only admin (LAST_ADMIN), a taken username (CONFLICT) and a short password (400)', async () => {
    const admin = await loggedIn(ADMIN);
    const demote = await refusal(() => admin.updateUser(ADMIN.id, { role: 'agent' }));
    expect(demote).toMatchObject({ status: 409, code: 'LAST_ADMIN' });
    expect(await refusal(() => admin.updateUser(ADMIN.id, { disabled: true }))).toMatchObject({ status: 409, code: 'LAST_ADMIN' });
    expect((await admin.me()).role).toBe('admin');

    expect(await refusal(() => admin.createUser({ name: 'Other Sam', username: SUPERVISOR.username, password: 'long-enough', role: 'agent' })))
      .toMatchObject({ status: 409, code: 'CONFLICT' });
    const short = await refusal(() => admin.createUser({ name: 'Shorty', username: 'shorty', password: 'short', role: 'agent' }));
    expect(short).toMatchObject({ status: 400, code: 'BODY_INVALID' });
    expect((await admin.users()).map((u) => u.username)).not.toContain('shorty');

    // With a second admin, the first may step down.
    const bo = await admin.createUser({ name: 'Bo Boss', username: 'bo', password: 'bo-secret-1', role: 'admin' });
    expect((await admin.updateUser(bo.id, { role: 'agent' })).role).toBe('agent');
  });

  it('makes an API key that works as a bearer token until it is revoked', async () => {
    const admin = await loggedIn(ADMIN);
    const user = (await admin.users()).find((u) => u.username === SUPERVISOR.username)!;
    const created = await admin.createApiKey({ userId: user.id, name: 'reporting', role: 'supervisor' });
    expect(created.key).toMatch(/^sbk_/);
    const listed = (await admin.apiKeys()).find((k) => k.id === created.id);
    expect(listed).toMatchObject({ userId: user.id, name: 'reporting', role: 'supervisor', revokedAt: null });
    expect(JSON.stringify(await admin.apiKeys())).not.toContain(created.key);

    const bot = new AgentClient({ baseUrl: server.baseUrl });
    bot.useToken(created.key);
    expect((await bot.me()).id).toBe(user.id);
    await admin.revokeApiKey(created.id);
    expect(await refusal(() => bot.me())).toMatchObject({ status: 401 });
    expect((await admin.apiKeys()).find((k) => k.id === created.id)!.revokedAt).toEqual(expect.any(Number));
    expect(await refusal(() => admin.revokeApiKey('no-such-key'))).toMatchObject({ status: 404, code: 'NOT_FOUND' });
  });

  it('reads the org\'s sensitive data rules as the config file has them, and keeps presence alive by heartbeat', async () => {
    const admin = await loggedIn(ADMIN);
    expect(await admin.sensitiveDataRules()).toEqual([{ name: 'card', pattern: '\\d{13,19}', flags: '', appliesTo: 'visitor' }]);
    await expect(admin.heartbeat()).resolves.toBeUndefined();
    const sam = await loggedIn(SUPERVISOR);
    expect(await refusal(() => sam.sensitiveDataRules())).toMatchObject({ status: 403, code: 'FORBIDDEN' });
  });

  it('erases a visitor the org never chatted with to nothing', async () => {
    const admin = await loggedIn(ADMIN);
    expect(await admin.eraseVisitor('visitor-never-seen')).toEqual({ deletedChats: 0, activeChats: 0, deletedBreadcrumbs: 0, breadcrumbsKept: true, deletedOfflineMessages: 0 });
  });

  it('lists the org\'s webhooks without their secret or a password in their URL (ADR 0065)', async () => {
    const admin = await loggedIn(ADMIN);
    const listed = await admin.webhooks();
    const neverRun: WebhookStreamStatus = { lastDeliveredAt: null, lastDeliveredId: null, failingSince: null, failingId: null, lastError: null, nextAttemptAt: null, backlog: null };
    expect(listed).toEqual([{ name: 'crm', url: 'https://hooks:***@crm.example.com/in', enabled: false, events: ['chat.ended', 'offline_message.created'], lastDeliveredAt: null, lastDeliveredChatId: null, failingSince: null, failingChatId: null, lastError: null, nextAttemptAt: null, backlog: null, offlineMessages: neverRun }]);
    expect(JSON.stringify(listed)).not.toContain('MfKQ9r8G');
  });

  it('replays a disabled webhook from a time (its place is kept for when it is enabled) and refuses to skip on it', async () => {
    const admin = await loggedIn(ADMIN);
    expect(await refusal(() => admin.skipWebhookChat('crm', 'some-chat'))).toMatchObject({ status: 409, code: 'CONFLICT' });
    expect(await refusal(() => admin.skipWebhookOfflineMessage('crm', 'om_x'))).toMatchObject({ status: 409, code: 'CONFLICT' });
    expect(await refusal(() => admin.replayWebhook('crm', Date.now() + 60_000))).toMatchObject({ status: 400 });

    expect(await refusal(() => admin.replayWebhook('no-such-webhook', 0))).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    const since = Date.now() - 3_600_000;
    const replayed = await admin.replayWebhook('crm', since);
    // It has a place now: the chats that ended since are its backlog, still unsent (disabled).
    expect(replayed).toMatchObject({ name: 'crm', enabled: false, backlog: expect.any(Number), lastDeliveredChatId: null, offlineMessages: { backlog: expect.any(Number) } });
    expect((await admin.webhooks())[0]!.backlog).toBe(replayed.backlog);
    // Only back from where it stands now.
    expect(await refusal(() => admin.replayWebhook('crm', since + 1))).toMatchObject({ status: 409, code: 'CONFLICT' });
    expect((await admin.replayWebhook('crm', since - 1)).backlog).toBeGreaterThanOrEqual(replayed.backlog!);
    // One event's replay moves that event's place only; a replay of both is refused while either stands before `since`.
    const offlineOnly = await admin.replayWebhook('crm', since - 7_200_000, 'offline_message.created');
    expect(offlineOnly.offlineMessages?.backlog).toEqual(expect.any(Number));
    expect(await refusal(() => admin.replayWebhook('crm', since - 3_600_000))).toMatchObject({ status: 409, code: 'CONFLICT' });
  });

  it('answers a supervisor 403 on every admin call', async () => {
    const sam = await loggedIn(SUPERVISOR);
    const calls: (() => Promise<unknown>)[] = [
      () => sam.users(),
      () => sam.createUser({ name: 'X', role: 'agent' }),
      () => sam.updateUser(ADMIN.id, { capacity: 1 }),
      () => sam.apiKeys(),
      () => sam.createApiKey({ userId: ADMIN.id, name: 'x', role: 'agent' }),
      () => sam.revokeApiKey('x'),
      () => sam.eraseVisitor('x'),
      () => sam.webhooks(),
      () => sam.skipWebhookChat('crm', 'x'),
      () => sam.replayWebhook('crm', 0),
    ];
    for (const call of calls) expect(await refusal(call)).toMatchObject({ status: 403, code: 'FORBIDDEN' });
  });
});
