/**
 * The front ends' files as the server sends them: each with a strong ETag (a hash of its bytes, so a
 * browser's revalidation is a 304 without a body) and, for text, compressed once with brotli and gzip
 * and kept. widget.js is fetched by every visitor of every page that embeds it; sent raw it was ~3×
 * its gzip size, and with no validator every expiry of its 5-minute cache was a full download.
 *
 * An entry is re-read when the file's size or modification time changes (a rebuild while the server
 * runs), so what is served is always what is on disk.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/** Types worth compressing: text. Images and audio are compressed already. */
const COMPRESSIBLE = new Set(['.js', '.css', '.html', '.json', '.svg', '.map']);
/** Under this, a coding's framing costs about what it saves. */
const MIN_COMPRESS_BYTES = 1024;

export type Coding = 'br' | 'gzip';

interface Entry {
  mtimeMs: number;
  size: number;
  etag: string;
  raw: Buffer;
  compressible: boolean;
  /** Made on the first request that wants them, once (concurrent requests share the promise). */
  encoded: Partial<Record<Coding, Promise<Buffer>>>;
}

export interface StaticBody {
  body: Buffer;
  etag: string;
  /** Null: sent as it is. */
  coding: Coding | null;
  /** Whether the answer depends on Accept-Encoding (a cache must key on it). */
  varies: boolean;
}

export class StaticFiles {
  private readonly entries = new Map<string, Entry>();

  /**
   * The file at `path` for a request with this Accept-Encoding: compressed when the client takes a
   * coding and the file is text. Throws what `stat`/`readFile` throw for a missing file or directory.
   */
  async read(path: string, acceptEncoding: string | undefined): Promise<StaticBody> {
    const entry = await this.entry(path);
    const coding = entry.compressible ? preferredCoding(acceptEncoding) : null;
    if (!coding) return { body: entry.raw, etag: entry.etag, coding: null, varies: entry.compressible };
    const encoded = (entry.encoded[coding] ??= encode(entry.raw, coding));
    return { body: await encoded, etag: entry.etag, coding, varies: true };
  }

  private async entry(path: string): Promise<Entry> {
    const st = await stat(path);
    if (!st.isFile()) throw new Error(`not a file: ${path}`);
    const known = this.entries.get(path);
    if (known && known.mtimeMs === st.mtimeMs && known.size === st.size) return known;
    const raw = await readFile(path);
    const entry: Entry = {
      mtimeMs: st.mtimeMs, size: st.size, raw, encoded: {},
      // One ETag for every coding of the file: the representations differ, but a 304 for any of them
      // is right (the client holds the one it was sent), and `Vary: Accept-Encoding` keeps caches apart.
      etag: `"${createHash('sha256').update(raw).digest('base64url').slice(0, 27)}"`,
      compressible: COMPRESSIBLE.has(extname(path)) && raw.length >= MIN_COMPRESS_BYTES,
    };
    this.entries.set(path, entry);
    return entry;
  }
}

function encode(raw: Buffer, coding: Coding): Promise<Buffer> {
  // Quality 9, not brotli's default 11: nearly the same size for these files, a fraction of the CPU
  // on a first request (made once per file and process, off the event loop in the zlib pool).
  if (coding === 'br') return brotli(raw, { params: { [zlib.BROTLI_PARAM_QUALITY]: 9, [zlib.BROTLI_PARAM_SIZE_HINT]: raw.length } });
  return gzipAsync(raw, { level: 9 });
}

/**
 * The coding to answer with for an Accept-Encoding header (RFC 9110 §12.5.3): brotli over gzip when
 * both are acceptable, a higher q-value first, `q=0` refusing, `*` standing for any coding not named.
 * Null: identity.
 */
export function preferredCoding(header: string | undefined): Coding | null {
  if (!header) return null;
  const q: Record<string, number> = {};
  for (const part of header.split(',')) {
    const [name = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    if (!name) continue;
    let weight = 1;
    for (const p of params) {
      const m = /^q=([01](?:\.\d{0,3})?)$/.exec(p);
      if (m) weight = Math.min(1, Number(m[1]));
    }
    q[name === 'x-gzip' ? 'gzip' : name] = weight;
  }
  const weightOf = (c: Coding): number => q[c] ?? q['*'] ?? 0;
  const br = weightOf('br');
  const gz = weightOf('gzip');
  if (br <= 0 && gz <= 0) return null;
  return br >= gz ? 'br' : 'gzip';
}

/** Whether an If-None-Match header names this ETag (weak comparison, RFC 9110 §13.1.2), or is `*`. */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);
}
