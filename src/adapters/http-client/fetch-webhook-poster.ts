/** The WebhookPoster over node's fetch (undici): no dependency beyond node. */
import type { WebhookPoster } from '../../ports/webhook-poster.js';

export const fetchWebhookPoster: WebhookPoster = {
  async post(url, headers, body, signal) {
    const answer = await fetch(url, { method: 'POST', headers, body, signal, redirect: 'manual' });
    // Only the status counts; the body is dropped unread, so the connection is freed at once.
    await answer.body?.cancel().catch(() => undefined);
    return answer.status;
  },
};
