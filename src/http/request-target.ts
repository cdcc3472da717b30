/**
 * Request targets in absolute form (`GET http://host:8080/chat/rest/Visitor/Availability?… HTTP/1.1`),
 * as some forward proxies send them (RFC 9112 §3.2.2), read as their path: the
 * routes, the gate and the poll fast path all read a path. The scheme and
 * authority are dropped; the Host header (which such a request carries as well)
 * is what the rest of the server reads for the host.
 */

const SLASH = 47;

/** The origin form (`/path?query`) of a request target; a target in origin form (or `*`) is returned as it is. */
export function originForm(target: string): string {
  if (target.charCodeAt(0) === SLASH) return target;
  const scheme = /^https?:\/\//i.exec(target);
  if (!scheme) return target;
  const rest = target.slice(scheme[0].length);
  const pathAt = rest.search(/[/?]/);
  if (pathAt < 0) return '/';
  return rest.charCodeAt(pathAt) === SLASH ? rest.slice(pathAt) : `/${rest.slice(pathAt)}`;
}
