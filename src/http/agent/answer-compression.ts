/**
 * Compression of the agent API's answers (ADR 0057): @fastify/compress, registered with `global: false`
 * so that only the routes that ask for it (`compress: AGENT_COMPRESSION` on every /agent/v1 route but the
 * two streams) compress. The visitor API never does: Live Agent clients do not expect a coded answer, its
 * routes are registered before the plugin (so they get none of its hooks) and its held poll is answered in
 * front of fastify (poll-fast-path.ts, ADR 0014).
 */
import compress from '@fastify/compress';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { constants as zlib } from 'node:zlib';

/**
 * Brotli's quality for agent answers. 4 sends a 1000-event transcript page at about the size quality 9
 * does for a fraction of its CPU (bench/diagnostics/compression-quality.mjs, its output in
 * bench/results/2026-12-03-session21-runs/compression/).
 */
export const AGENT_BROTLI_QUALITY = 4;

/** Under this many bytes an answer goes as it is: a coding's framing costs about what it saves. */
export const COMPRESS_MIN_BYTES = 1024;

type RouteCompression = Exclude<NonNullable<RouteOptions['compress']>, false>;

/**
 * A route's options. The plugin takes a route's options instead of its global ones, not on top of them,
 * so every field is set here.
 */
export const AGENT_COMPRESSION: RouteCompression = {
  // Brotli when the client takes it as readily as gzip (the plugin weighs q-values; `identity;q=0` with
  // neither acceptable sends the answer as it is, which RFC 9110 §12.5.3 allows).
  encodings: ['br', 'gzip'],
  threshold: COMPRESS_MIN_BYTES,
  brotliOptions: { params: { [zlib.BROTLI_PARAM_QUALITY]: AGENT_BROTLI_QUALITY, [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT } },
  // Level 1: 7.1× smaller for a quarter of level 6's CPU, which is only 10 % smaller (the same benchmark).
  zlibOptions: { level: 1 },
  // Our JSON and JSON Lines; the plugin also compresses what mime-db calls compressible (the error
  // catalogue's text/plain, always under the threshold), never an image or octet-stream file download.
  customTypes: /^application\/(?:json|x-ndjson)(?:;|$)/,
};

/**
 * A streamed answer (the JSON Lines export): each chunk written (a page of up to 1000 events) is flushed
 * out of the compressor, so the client gets every page as it is read from the store, and no more than a
 * page waits in the compressor however long the chat.
 */
export const STREAMED_AGENT_COMPRESSION: RouteCompression = {
  ...AGENT_COMPRESSION,
  brotliOptions: { ...AGENT_COMPRESSION.brotliOptions, flush: zlib.BROTLI_OPERATION_FLUSH },
  zlibOptions: { ...AGENT_COMPRESSION.zlibOptions, flush: zlib.Z_SYNC_FLUSH },
};

/**
 * Loads the plugin. Only routes registered after it, with a `compress` option, are compressed: call it
 * after the visitor routes and before the agent routes (main.ts).
 */
export async function registerAnswerCompression(app: FastifyInstance): Promise<void> {
  await app.register(compress, { ...AGENT_COMPRESSION, global: false });
}

/**
 * The coding an Accept-Encoding asks for, of ours, per RFC 9110 §12.5.3: a coding's own q-value, or
 * `*`'s for one not named, 0 refusing it; br before gzip at the same weight; null for neither.
 */
export function chosenCoding(header: string | undefined): 'br' | 'gzip' | null {
  if (!header) return null;
  const named = new Map<string, number>();
  let star: number | undefined;
  for (const part of header.split(',')) {
    const [name = '', ...params] = part.split(';');
    const coding = name.trim().toLowerCase();
    if (!coding) continue;
    const q = params.map((p) => /^\s*q\s*=\s*([0-9.]+)\s*$/i.exec(p)?.[1]).find((v) => v !== undefined);
    const weight = q === undefined ? 1 : Number(q);
    const w = Number.isFinite(weight) ? weight : 0;
    if (coding === '*') star = w;
    else named.set(coding === 'x-gzip' ? 'gzip' : coding, w);
  }
  const weightOf = (c: string) => named.get(c) ?? star ?? 0;
  const br = weightOf('br');
  const gzip = weightOf('gzip');
  if (br > 0 && br >= gzip) return 'br';
  return gzip > 0 ? 'gzip' : null;
}

/**
 * Puts the coding chosen by {@link chosenCoding} in the request's Accept-Encoding, for the plugin
 * to apply: it let `*` override a coding's own `q=0` (`gzip;q=0, *` got gzip).
 */
export function settleAcceptEncoding(request: FastifyRequest): void {
  const header = request.headers['accept-encoding'];
  if (header === undefined) return;
  request.headers['accept-encoding'] = chosenCoding(Array.isArray(header) ? header.join(',') : header) ?? 'identity';
}

/**
 * `Vary: accept-encoding` on an answer of a compressing route, also one sent as it is (too small, or the
 * client takes no coding): which representation a request gets depends on the header. Added to a Vary
 * already there (CORS's `Origin`); the plugin, seeing it, adds no second one.
 */
export function varyOnAcceptEncoding(reply: FastifyReply): void {
  const vary = reply.getHeader('Vary');
  if (vary === undefined) void reply.header('Vary', 'accept-encoding');
  else if (!/accept-encoding/i.test(String(vary))) void reply.header('Vary', `${String(vary)}, accept-encoding`);
}
