/** What went wrong, in words an agent can act on (the HTTP details are for the log). */
export function loginError(err: unknown): string {
  const status = (err as { status?: unknown } | null)?.status;
  if (status === 401) return 'Wrong username or password.';
  if (status === 429) return 'Too many failed attempts from here. Wait a minute and try again.';
  if (status === 421) {
    // A cluster's node that does not serve this person's organization (ADR 0066) says where it is served.
    const where = /served by shard (\S+)(?: at (\S+))?/.exec(String((err as { body?: unknown }).body ?? ''));
    if (where?.[2]) return `Your organization is served at ${where[2]}. Log in there.`;
    return `Your organization is served by another part of this cluster${where ? ` (shard ${where[1]!})` : ''}. Ask your administrator for its address.`;
  }
  if (typeof status === 'number' && status >= 500) return 'The server had a problem. Try again in a moment.';
  if (typeof status === 'number') return `Login failed (${status}).`;
  console.warn('[console] login failed', err);
  return 'Cannot reach the server. Check your connection and try again.';
}

/** The server refused the username and password (not the server or the network failing): the fields are wrong. */
export function refusedCredentials(err: unknown): boolean {
  return (err as { status?: unknown } | null)?.status === 401;
}
