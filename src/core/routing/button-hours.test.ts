/**
 * Business hours in the engine (ADR 0062), with a fake clock: which button a ChasitorInit
 * enters by (a closed override is skipped, a closed own button gives way to an open override,
 * a request for one named agent through a closed button fails), and the clock moving a button
 * between open and closed.
 */
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../adapters/memory/fake-clock.js';
import { MemoryChatStore } from '../../adapters/memory/memory-chat-store.js';
import { DEMO_IDS, demoOrg } from '../../config/demo-deployment.js';
import { validateConfig } from '../../config/load-config.js';
import { createSwitchboard, type Switchboard } from '../../main.js';
import { newVisitor, post, take } from '../inject-harness.test-support.js';

/** A second button the demo bot serves, kept by `office` (09:00–17:00 UTC, Monday to Friday). */
const OFFICE_BUTTON = '573000000000009';
/** Friday 4 December 2026, 16:59 UTC: the office's last open minute that day. */
const FRIDAY_1659 = Date.parse('2026-12-04T16:59:00Z');

const running: Switchboard[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

async function boot(): Promise<{ sb: Switchboard; clock: FakeClock }> {
  const org = structuredClone(demoOrg) as Record<string, unknown> & { deployments: { buttons: object[] }[] };
  const day = [{ start: '09:00', end: '17:00' }];
  org.businessHours = [{ name: 'office', timeZone: 'UTC', weekly: { mon: day, tue: day, wed: day, thu: day, fri: day } }];
  org.deployments[0]!.buttons.push({ id: OFFICE_BUTTON, type: 'Standard', skills: ['demo-bot'], businessHours: 'office' });
  const config = validateConfig({ storage: { kind: 'memory' }, orgs: [org] }, 'test');
  const clock = new FakeClock(FRIDAY_1659);
  const sb = await createSwitchboard(config, { clock, store: new MemoryChatStore(), logger: pino({ level: 'silent' }) });
  running.push(sb);
  return { sb, clock };
}

/** A ChasitorInit on `buttonId` (with `extra` fields); the first message the visitor gets and the chat's record. */
async function request(sb: Switchboard, buttonId: string, extra: Record<string, unknown> = {}) {
  const v = await newVisitor(sb);
  const res = await post(sb, v, 'Chasitor/ChasitorInit', { organizationId: DEMO_IDS.organizationId, deploymentId: DEMO_IDS.deploymentId, buttonId, sessionId: v.id, ...extra }, 1);
  expect(res.statusCode, res.body).toBe(200);
  const first = (await take(sb, v)).messages[0]!;
  const record = (await sb.store.getSession(v.id))!;
  return { type: first.type, reason: first.message.reason, routedButtonId: record.routedButtonId, endReason: record.endReason };
}

describe('business hours in the engine', () => {
  it('opens and closes a button as the clock passes the schedule', async () => {
    const { sb, clock } = await boot();
    const office = sb.engine.catalog.button(OFFICE_BUTTON)!.config;
    expect(sb.engine.router.isAvailable(office)).toBe(true);
    expect(await request(sb, OFFICE_BUTTON)).toMatchObject({ type: 'ChatRequestSuccess', routedButtonId: OFFICE_BUTTON });
    clock.advance(60_000);
    expect(sb.engine.hours.openNow(office)).toBe(false);
    expect(sb.engine.router.isAvailable(office)).toBe(false);
    expect(await request(sb, OFFICE_BUTTON)).toMatchObject({ type: 'ChatRequestFail', reason: 'Unavailable', endReason: 'OutsideBusinessHours' });
    // Monday 09:00: open again.
    clock.advance(Date.parse('2026-12-07T09:00:00Z') - clock.now());
    expect(sb.engine.router.isAvailable(office)).toBe(true);
  });

  it('skips a closed override for the own button, and a closed own button for an open override', async () => {
    const { sb, clock } = await boot();
    clock.advance(60_000);
    expect(await request(sb, DEMO_IDS.botButtonId, { buttonOverrides: [OFFICE_BUTTON] })).toMatchObject({ type: 'ChatRequestSuccess', routedButtonId: DEMO_IDS.botButtonId });
    expect(await request(sb, OFFICE_BUTTON, { buttonOverrides: [DEMO_IDS.botButtonId] })).toMatchObject({ type: 'ChatRequestSuccess', routedButtonId: DEMO_IDS.botButtonId });
    // Nobody online on the human button: a plain Unavailable, not the hours' reason.
    expect(await request(sb, DEMO_IDS.humanButtonId)).toMatchObject({ type: 'ChatRequestFail', endReason: 'Unavailable' });
  });

  it('fails a request for one named agent through a closed button, unless it may fall back to an open one', async () => {
    const { sb, clock } = await boot();
    clock.advance(60_000);
    const named = { agentId: DEMO_IDS.botAgentId };
    expect(await request(sb, OFFICE_BUTTON, named)).toMatchObject({ type: 'ChatRequestFail', endReason: 'OutsideBusinessHours' });
    expect(await request(sb, OFFICE_BUTTON, { ...named, doFallback: true, buttonOverrides: [DEMO_IDS.botButtonId] })).toMatchObject({ type: 'ChatRequestSuccess', routedButtonId: DEMO_IDS.botButtonId });
  });
});
