/**
 * CORS for browser clients calling cross-origin with credentials: reflect the
 * exact Origin and list every requested header by name (`*` is not honoured with
 * credentials), always including the Live Agent headers.
 *
 * Which origins: by default any (wire-compat.md: the widget of a Live Agent
 * deployment runs on the customer's sites, and clients expect the Origin
 * reflected). `server.allowedOrigins` narrows it: then a browser request from any
 * other origin is refused with 403 before it does anything. Refusing, rather than
 * only leaving the CORS headers off, matters because a simple cross-site POST
 * (text/plain, no preflight) would still be carried out — a breadcrumb planted
 * under the visitor cookie, say. Clients that send no Origin (mobile SDKs, servers)
 * are not affected; the server's own pages (same host) always are allowed.
 */
import type { FastifyInstance } from 'fastify';
import { SwitchboardError } from '../protocol/errors.js';

const ALWAYS_ALLOWED = ['X-LIVEAGENT-API-VERSION', 'X-LIVEAGENT-AFFINITY', 'X-LIVEAGENT-SESSION-KEY', 'X-LIVEAGENT-SEQUENCE', 'Content-Type', 'Authorization', 'Last-Event-ID'];

/** Whether a browser request from `origin` to this server (its Host header) may be served. */
export type OriginPolicy = (origin: string, host: string | undefined) => boolean;

/** Any origin: the Live Agent default. */
export const ANY_ORIGIN: OriginPolicy = () => true;

/**
 * The policy for `server.allowedOrigins`: entries are origins (`https://www.example.com`,
 * a port when not the scheme's default) or `https://*.example.com` for its subdomains.
 * An empty list allows any origin.
 */
export function originPolicy(allowed: readonly string[]): OriginPolicy {
  if (allowed.length === 0) return ANY_ORIGIN;
  const exact = new Set<string>();
  const suffixes: { scheme: string; suffix: string }[] = [];
  for (const entry of allowed) {
    const e = entry.trim().toLowerCase().replace(/\/+$/, '');
    const wild = /^([a-z][a-z0-9+.-]*):\/\/\*(\.[^/]+)$/.exec(e);
    if (wild) suffixes.push({ scheme: wild[1]!, suffix: wild[2]! });
    else exact.add(e);
  }
  return (origin, host) => {
    const o = origin.toLowerCase();
    if (exact.has(o)) return true;
    const sep = o.indexOf('://');
    if (sep < 0) return false; // "null" (sandboxed frames, file://) and anything unparseable
    const scheme = o.slice(0, sep);
    const authority = o.slice(sep + 3);
    if (host !== undefined && authority === host.toLowerCase()) return true; // the server's own pages
    return suffixes.some((s) => s.scheme === scheme && authority.endsWith(s.suffix));
  };
}

/** The refusal of a request from an origin the policy does not allow. */
export function originRefused(origin: string): SwitchboardError {
  return new SwitchboardError('FORBIDDEN', `origin ${origin.slice(0, 100)} is not in server.allowedOrigins`);
}

/** The headers every cross-origin answer carries (fastify's hook below, and the poll fast path). */
export function addCorsHeaders(origin: string | undefined, reply: { header(name: string, value: string): unknown }): void {
  if (!origin) return;
  reply.header('Access-Control-Allow-Origin', origin);
  reply.header('Access-Control-Allow-Credentials', 'true');
  reply.header('Vary', 'Origin');
}

/**
 * The CORS headers for an answer made before the CORS hook could run (a request
 * fastify could not route, or node could not parse): the same headers, only
 * for an origin the policy serves. A refused origin gets none (and no 403: such
 * a request did nothing, and its error is answer enough).
 */
export function addCorsHeadersWhenAllowed(origin: string | undefined, host: string | undefined, allows: OriginPolicy, reply: { header(name: string, value: string): unknown }): void {
  if (origin && allows(origin, host)) addCorsHeaders(origin, reply);
}

/**
 * The headers of the answer to a preflight (OPTIONS with an Origin), which is
 * `204` with these and addCorsHeaders' (here, and in the hot standby's
 * responder, ADR 0048, so that a browser reaches its 503 rather than failing
 * at the preflight). A preflight that asks for Private Network Access (Chrome, when a
 * public site's page calls a server on a private address: Switchboard on an intranet
 * serving a widget on the company's public site) is allowed it: the visitor API is
 * meant to be called from other sites, and `server.allowedOrigins` already narrows who
 * gets this far.
 */
export function addPreflightHeaders(requestedHeaders: string | string[] | undefined, reply: { header(name: string, value: string): unknown }, privateNetwork?: string | string[]): void {
  const requested = String(requestedHeaders ?? '')
    .split(',').map((h) => h.trim()).filter(Boolean);
  const names = [...ALWAYS_ALLOWED];
  for (const h of requested) if (!names.some((n) => n.toLowerCase() === h.toLowerCase())) names.push(h);
  reply.header('Access-Control-Allow-Methods', 'GET, POST, PUT, PATCH, DELETE, OPTIONS');
  reply.header('Access-Control-Allow-Headers', names.join(', '));
  reply.header('Access-Control-Max-Age', '600');
  if (String(privateNetwork ?? '').trim().toLowerCase() === 'true') reply.header('Access-Control-Allow-Private-Network', 'true');
}

export function registerCors(app: FastifyInstance, allows: OriginPolicy = ANY_ORIGIN): void {
  app.addHook('onRequest', (req, reply, done) => {
    const origin = req.headers.origin;
    if (origin && !allows(origin, req.headers.host)) {
      done(originRefused(origin));
      return;
    }
    addCorsHeaders(origin, reply);
    if (req.method === 'OPTIONS' && origin) {
      addPreflightHeaders(req.headers['access-control-request-headers'], reply, req.headers['access-control-request-private-network']);
      void reply.code(204).send();
      return;
    }
    done();
  });
}
