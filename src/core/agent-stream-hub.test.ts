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
