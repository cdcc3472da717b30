/**
 * The agent's presence as this browser's other console tabs know it. The agent API
 * gives no read of one's own presence (`GET /me` has none, and the stream sends
 * `presence` only when it changes), so a tab logged in while the agent is online
 * in another one would show Offline, and going "Offline" there would be a surprise.
 * A starting tab asks on a BroadcastChannel; a tab of the same user that knows the
 * presence answers. Other browsers and devices are not reached: there the tab shows
 * what the server says next (any change arrives as a `presence` event).
 */
import type { Presence } from './wire-types.ts';

export interface PresenceShare {
  presence: Presence;
  capacity: number;
}

type Message = { kind: 'ask'; userId: string } | ({ kind: 'tell'; userId: string } & PresenceShare);

const CHANNEL = 'switchboard-console-presence';

/**
 * Joins the channel: asks at once, answers other tabs of `userId` with `known()`
 * (undefined: this tab does not know either, and stays silent). Returns the leave function.
 */
export function sharePresence(userId: string, known: () => PresenceShare | undefined, learn: (state: PresenceShare) => void): () => void {
  if (typeof BroadcastChannel === 'undefined') return () => undefined;
  const channel = new BroadcastChannel(CHANNEL);
  channel.onmessage = (ev: MessageEvent<Message>) => {
    const m = ev.data;
    if (!m || m.userId !== userId) return;
    if (m.kind === 'ask') {
      const state = known();
      if (state) channel.postMessage({ kind: 'tell', userId, presence: state.presence, capacity: state.capacity } satisfies Message);
    } else if (m.kind === 'tell' && typeof m.presence === 'string' && typeof m.capacity === 'number') {
      learn({ presence: m.presence, capacity: m.capacity });
    }
  };
  channel.postMessage({ kind: 'ask', userId } satisfies Message);
  return () => channel.close();
}
