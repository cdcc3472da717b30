/** The WebhookPoster over node's fetch (undici): no dependency beyond node. */
import type { WebhookPoster } from '../../ports/webhook-poster.js';

export const fetchWebhookPoster: WebhookPoster = {
  async post(url, headers, body, signal) {
    const { target, authorization } = withoutCredentials(url);
    const answer = await fetch(target, { method: 'POST', headers: authorization ? { ...headers, authorization } : headers, body, signal, redirect: 'manual' });
    // Only the status counts; the body is dropped unread, so the connection is freed at once.
    await answer.body?.cancel().catch(() => undefined);
    return answer.status;
  },
};

/**
 * A receiver behind HTTP basic authentication is configured as `https://user:password@host/…`
 * (the config allows it, the admin API shows `***` for the password), but fetch refuses a URL
 * with credentials in it: they go in an `Authorization: Basic` header instead, as a browser or
 * curl sends them (percent-escapes decoded, so a password may hold `@` or `:` as `%40`, `%3A`).
 */
export function withoutCredentials(url: string): { target: string; authorization: string | null } {
  const u = new URL(url);
  if (!u.username && !u.password) return { target: url, authorization: null };
  const credentials = `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`;
  u.username = '';
  u.password = '';
  return { target: u.toString(), authorization: `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}` };
}
