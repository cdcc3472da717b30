/**
 * The agent stream's resume buffer (agent-stream-hub.ts) keeps events for an hour
 * at most: a connection resuming from an older event gets `resync`, not a replay.
 * A whole Switchboard over inject() with a fake clock; the hub's own subscribe().
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEMO_IDS } from '../config/demo-deployment.js';
import { boot, stopAll } from './inject-harness.test-support.js';

afterEach(stopAll);

describe('the agent stream buffer', () => {
  it('replays what a connection missed within the hour, and answers resync for an event older than that', async () => {
    const { sb, clock } = await boot();
    const user = DEMO_IDS.botAgentId;
    const first = sb.hub.publish(user, 'test.event', undefined, { n: 1 });
    clock.advance(30 * 60 * 1000);
    sb.hub.publish(user, 'test.event', undefined, { n: 2 });
    const [epoch, offset] = first.id.split(':');
    const before = `${epoch}:${Number(offset) - 1}`;
    const resumed = (lastEventId: string) => {
      const sub = sb.hub.subscribe(user, 'agent', lastEventId, () => undefined, () => undefined);
      sub.close();
      return sub.resume;
    };
    const within = resumed(before);
    expect(within.kind === 'replay' && within.events.filter(({ event: e }) => e.type === 'test.event').map(({ event: e }) => e.data)).toEqual([{ n: 1 }, { n: 2 }]);
    clock.advance(45 * 60 * 1000); // the first event is now 75 minutes old
    sb.hub.publish(user, 'test.event', undefined, { n: 3 });
    const later = resumed(before);
    expect(later.kind).toBe('resync');
    expect(later.kind === 'resync' && later.reason).toBe('too old');
  });
});

describe('the agent stream buffer of a user who went quiet', () => {
  it('is emptied once its events are older than the hour, with no new event or resume to trim it', async () => {
    const { sb, clock } = await boot();
    const user = DEMO_IDS.botAgentId;
    for (let n = 0; n < 3; n++) sb.hub.publish(user, 'test.event', undefined, { n });
    const held = sb.hub.bufferedEvents(user);
    expect(held).toBeGreaterThanOrEqual(3);
    clock.advance(30 * 60 * 1000);
    expect(sb.hub.bufferedEvents(user)).toBe(held);
    // The presence monitor's sweep (every few seconds) trims every buffer.
    clock.advance(31 * 60 * 1000);
    expect(sb.hub.bufferedEvents(user)).toBe(0);
  });
});

describe('the agent stream buffer by size', () => {
  it('keeps at most 8 MB of events, dropping the oldest: a resume from before them gets resync, a later one replays the rest', async () => {
    const { sb } = await boot();
    const user = DEMO_IDS.botAgentId;
    // 200 events of 60 KB: 12 MB, far under the 2000 events the buffer keeps by count.
    const ids = Array.from({ length: 200 }, (_, n) => sb.hub.publish(user, 'test.event', undefined, { n, text: 'x'.repeat(60 * 1024) }).id);
    const [epoch, firstOffset] = ids[0]!.split(':');
    const resumed = (lastEventId: string) => {
      const sub = sb.hub.subscribe(user, 'agent', lastEventId, () => undefined, () => undefined);
      sub.close();
      return sub.resume;
    };
    const fromStart = resumed(`${epoch}:${Number(firstOffset) - 1}`);
    expect(fromStart.kind === 'resync' && fromStart.reason).toBe('too old');

    const recent = resumed(ids[100]!);
    expect(recent.kind).toBe('replay');
    const replayed = recent.kind === 'replay' ? recent.events.filter((e) => e.event.type === 'test.event') : [];
    expect(replayed.map((e) => (e.event.data as { n: number }).n)).toEqual(Array.from({ length: 99 }, (_, i) => 101 + i));
    // What the buffer still holds: the newest events, under 8 MB and close to it.
    let kept = 0;
    for (let i = ids.length - 1; i > 0 && resumed(ids[i - 1]!).kind === 'replay'; i--) kept++;
    const bytes = kept * Buffer.byteLength(replayed[0]!.json);
    expect(bytes).toBeLessThanOrEqual(8 * 1024 * 1024);
    expect(bytes).toBeGreaterThan(7.9 * 1024 * 1024);
  });
});
