/**
 * The PostgreSQL password given apart from the URL (`storage.postgresPassword`,
 * SWITCHBOARD_POSTGRES_PASSWORD, ADR 0040). pg cannot take it beside a
 * connection string: it reads the string's empty password over the `password`
 * option (pg 8's ConnectionParameters), so the option would be dropped without a
 * word and the connection tried with none. The password goes into the URL
 * instead, here, just before a connection is made: the URL in the config, and
 * in every log line made from it, never holds it.
 */

/** Why a password given apart cannot go with this URL, or null when it can. Never quotes the URL. */
export function separatePasswordProblem(url: string): string | null {
  const parsed = parsedPostgresUrl(url);
  if (!parsed) return 'needs storage.postgresUrl to be a postgres:// URL with a host (a socket path or key=value string cannot take it: put the password in the URL instead)';
  if (passwordIn(parsed)) return 'is given, and storage.postgresUrl holds a password too: give the password one way (take it out of the URL, or unset postgresPassword and SWITCHBOARD_POSTGRES_PASSWORD)';
  return null;
}

/**
 * `url` with `password` in its user info, percent-encoded so that pg reads back
 * exactly these characters (`@`, `:`, `/`, `%`, spaces). Throws when the URL
 * cannot take it; the loader refuses such a config first (separatePasswordProblem).
 */
export function withPassword(url: string, password: string | undefined): string {
  if (password === undefined) return url;
  const problem = separatePasswordProblem(url);
  if (problem !== null) throw new Error(`the PostgreSQL password ${problem}`);
  const parsed = parsedPostgresUrl(url)!;
  parsed.password = encodeURIComponent(password);
  return parsed.toString();
}

/** A password in the URL's user info, or in its `password` query parameter (pg reads both). */
function passwordIn(url: URL): boolean {
  return url.password !== '' || (url.searchParams.get('password') ?? '') !== '';
}

/** The URL, when it is one pg reads as a URL and a password can be set on (a host is needed for user info). */
function parsedPostgresUrl(url: string): URL | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') return null;
  return parsed.hostname === '' ? null : parsed;
}
