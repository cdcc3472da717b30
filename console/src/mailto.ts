/**
 * A `mailto:` link for an address a visitor typed (Messages left, ADR 0063). The address is the
 * visitor's own text: put into the link as it is, `fay?cc=boss%40evil.example&body=…@example.com`
 * (a valid address: `?`, `=`, `%` and `&` are letters of a local part) or
 * `fay@example.com?cc=…` would open the agent's mail program with a hidden copy and words
 * the visitor chose. So only a plain address gets a link, and its two parts are percent-encoded
 * (RFC 6068): the link can name one recipient and nothing else.
 */

/**
 * A plain address: the HTML standard's "valid e-mail address" (what `<input type=email>`
 * accepts): no spaces, quotes or comments, a domain of letters, digits and hyphens.
 */
const PLAIN_ADDRESS = /^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)+$/;

/** The `href` that writes to `address`, or null when it is not a plain address (shown as text only). */
export function mailtoHref(address: string): string | null {
  if (!PLAIN_ADDRESS.test(address)) return null;
  const at = address.lastIndexOf('@');
  return `mailto:${encodeURIComponent(address.slice(0, at))}@${encodeURIComponent(address.slice(at + 1))}`;
}
