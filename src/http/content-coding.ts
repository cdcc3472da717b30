/**
 * Request bodies under a content coding (RFC 9110 §8.4): `Content-Encoding: gzip`, `deflate` or
 * `br`. Some HTTP stacks compress what they send (OkHttp and .NET handlers that gzip uploads,
 * proxies in front of a bot): read as text such a body is binary noise, and the client could never
 * chat. It is decoded before any parser reads it. The decoded size counts against maxBodyBytes, so a
 * small body that inflates to gigabytes (a zip bomb) is refused as too large while it is decoded.
 */
import { brotliDecompressSync, gunzipSync, inflateRawSync, inflateSync, type ZlibOptions } from 'node:zlib';
import { SwitchboardError } from '../protocol/errors.js';

/** The codings decoded, as a 415 lists them in `Accept-Encoding` (RFC 9110 §12.5.3). */
export const DECODED_CODINGS = 'gzip, deflate, br';

type Decoder = (body: Buffer, opts: ZlibOptions) => Buffer;

/** `deflate` is the zlib format (RFC 9110 §8.4.1.2), but some clients send raw deflate data under that name. */
const inflateEither: Decoder = (body, opts) => ((body[0]! & 0x0f) === 8 && ((body[0]! << 8) | body[1]!) % 31 === 0 ? inflateSync(body, opts) : inflateRawSync(body, opts));

const DECODERS: Record<string, Decoder> = {
  gzip: gunzipSync,
  'x-gzip': gunzipSync,
  deflate: inflateEither,
  br: (body, opts) => brotliDecompressSync(body, opts),
};

/** More codings than this in one header is no real client (each one is another full decode). */
const MAX_CODINGS = 3;

/**
 * The body with its content codings undone, last applied first. No header, `identity` or an empty
 * body: the body as it came. Throws BODY_ENCODING_UNSUPPORTED (415) for a coding not in
 * DECODED_CODINGS, BODY_ENCODING_INVALID (400) for data that is not in the coding named, and
 * BODY_TOO_LARGE when the decoded body is over `maxBytes`.
 */
export function decodeContentCoding(body: Buffer, header: string | string[] | undefined, maxBytes: number): Buffer {
  if (header === undefined || body.length === 0) return body;
  const codings = (Array.isArray(header) ? header.join(',') : header).split(',').map((c) => c.trim().toLowerCase()).filter((c) => c !== '' && c !== 'identity');
  if (codings.length === 0) return body;
  if (codings.length > MAX_CODINGS) throw new SwitchboardError('BODY_ENCODING_UNSUPPORTED', `${codings.length} codings (at most ${MAX_CODINGS})`);
  for (const coding of codings) {
    if (!Object.hasOwn(DECODERS, coding)) throw new SwitchboardError('BODY_ENCODING_UNSUPPORTED', coding.slice(0, 40));
  }
  let decoded = body;
  for (const coding of codings.reverse()) {
    try {
      decoded = DECODERS[coding]!(decoded, { maxOutputLength: maxBytes });
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw new SwitchboardError('BODY_TOO_LARGE', `limit ${maxBytes} bytes`);
      // zlib's own text, which never quotes the data (no binary reaches the answer).
      throw new SwitchboardError('BODY_ENCODING_INVALID', `not ${coding} data (${String((err as Error).message).slice(0, 80)})`);
    }
  }
  return decoded;
}
