/**
 * Request targets as the routes, the gate and the poll fast path read them.
 *
 * Absolute form (`GET http://host:8080/chat/rest/Visitor/Availability?… HTTP/1.1`),
 * as some forward proxies send it (RFC 9112 §3.2.2), is read as its path. The
 * scheme and authority are dropped; the Host header (which such a request
 * carries as well) is what the rest of the server reads for the host.
 *
 * A visitor API path with doubled or trailing slashes (`/chat/rest//System/SessionId`,
 * from a client that joins an endpoint ending in `/` to `/System/SessionId`) is
 * read as its single-slash form (ADR 0029). Only under `/chat/rest/`: the agent
 * API and the front doors keep their exact paths.
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

const VISITOR_BASE = '/chat/rest/';

/**
 * An origin-form target whose path, once its runs of `/` are collapsed, lies under
 * `/chat/rest/`, with those runs collapsed and one trailing `/` dropped (not the
 * base's own). Any other target, and one that needs nothing, is returned as it is
 * (the same string: no allocation for the usual request). The query is left alone.
 */
export function visitorTarget(target: string): string {
  let end = target.indexOf('?');
  if (end < 0) end = target.length;
  const doubled = target.indexOf('//');
  const trailing = end > 1 && target.charCodeAt(end - 1) === SLASH;
  if (!trailing && (doubled < 0 || doubled >= end)) return target;
  let path = target.slice(0, end).replace(/\/{2,}/g, '/');
  if (!path.startsWith(VISITOR_BASE)) return target;
  if (path.length > VISITOR_BASE.length && path.charCodeAt(path.length - 1) === SLASH) path = path.slice(0, -1);
  return path + target.slice(end);
}

/** A request target as fastify routes it: its origin form, with a visitor path's slashes made single. */
export function routedTarget(target: string): string {
  return visitorTarget(originForm(target));
}
