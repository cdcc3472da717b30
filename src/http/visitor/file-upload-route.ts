/**
 * POST /chat/file-transfer: where a visitor's client uploads the file an agent asked
 * for (FileTransfer Requested's uploadServletUrl; docs/visitor-api.md). Outside
 * /chat/rest on purpose: no X-LIVEAGENT-* headers, so a plain HTML form can post
 * here. Credentials come from the query or the form's fields. The body is read as
 * a stream and nothing past fileTransfer.maxBytes is kept: over it the rest is read
 * and dropped, up to DRAIN_BYTES more, so the client hears the 413; a body longer
 * still (or declared so) is not read on, and the connection closes after the 413.
 * An upload refused because fileTransfer.maxBytesInFlight is full (503) is drained the
 * same way: what it kept is given back at once, the rest is read and dropped
 * (docs/adr/0049-file-transfer.md).
 */
import type { IncomingMessage } from 'node:http';
import { Busboy, type BusboyHeaders, type BusboyInstance } from '@fastify/busboy';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ChatEngine } from '../../core/chat-engine.js';
import { UPLOAD_PATH, type IncomingFile } from '../../core/file-transfers.js';
import { clientKey, isLoopback, type RateLimiter } from '../../core/rate-limiter.js';
import type { ChatStore } from '../../ports/chat-store.js';
import { fail, SwitchboardError } from '../../protocol/errors.js';
import type { UploadBudget, UploadHold } from './upload-budget.js';

/** What a multipart body may carry beside the file (fields, part headers) before it counts as too large. */
const FORM_OVERHEAD_BYTES = 64 * 1024;

/**
 * Bytes past the limit read and dropped so that the client, still sending, reads the 413
 * (a client cut off mid-send sees a broken connection, not the answer). Beyond them the
 * server stops reading and closes the connection.
 */
const DRAIN_BYTES = 1024 * 1024;

/** Whether the request's body was read to its end (the connection can be kept). */
interface BodyState {
  complete: boolean;
  /** Read up to its drain already (or declared longer than that): the rest is not read, the connection closes. */
  cutOff: boolean;
}

/** Retry-After for an upload refused while others hold the memory budget: long enough for a few of them to finish. */
const BUSY_RETRY_AFTER_SECONDS = 5;

const tooLarge = (maxBytes: number) => new SwitchboardError('FILE_TOO_LARGE', `limit ${maxBytes} bytes`);
const busy = (budget: UploadBudget) => new SwitchboardError('UPLOADS_BUSY', `over fileTransfer.maxBytesInFlight (${budget.maxBytes} bytes)`, BUSY_RETRY_AFTER_SECONDS);

/** An upload's share of the memory budget: the bytes it keeps are taken from it as they arrive. */
interface Keeper {
  budget: UploadBudget;
  hold: UploadHold;
}

export interface FileUploadDeps {
  engine: ChatEngine;
  store: ChatStore;
  /** Uploads per address (settings.fileUploadsPerMinutePerAddress); none: not limited. Loopback is never limited. */
  limiter?: RateLimiter | undefined;
  /** The bytes all uploads may hold at once (fileTransfer.maxBytesInFlight). */
  budget: UploadBudget;
}

/** The upload's parameters, from the query and then the form (a form field fills what the query left out). */
interface Params {
  chatKey?: string;
  fileToken?: string;
  orgId?: string;
  filename?: string;
}

export function registerFileUploadRoute(app: FastifyInstance, deps: FileUploadDeps): void {
  const { engine } = deps;
  void app.register(async (scope) => {
    // The body is this route's to read, as a stream (the app's parsers buffer up to maxBodyBytes).
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_req, _payload, done) => done(null, undefined));
    scope.post(UPLOAD_PATH, async (req, reply) => {
      void reply.header('Cache-Control', 'no-store');
      const body: BodyState = { complete: false, cutOff: false };
      const keeper: Keeper = { budget: deps.budget, hold: { bytes: 0 } };
      try {
        if (deps.limiter && !isLoopback(req.ip)) {
          const waitMs = deps.limiter.take(clientKey(req.ip));
          if (waitMs) throw new SwitchboardError('RATE_LIMITED', 'file uploads from this address', Math.ceil(waitMs / 1000));
        }
        if (!engine.files.config.enabled) fail('FILE_TRANSFER_DISABLED');
        const coding = String(req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
        if (coding !== '' && coding !== 'identity') fail('BODY_ENCODING_UNSUPPORTED', `${coding.slice(0, 40)} (send the file as it is)`);
        const params = paramsOf(req.query);
        // Credentials given in the query are checked before the body is read: a stranger's
        // upload costs no bytes read.
        if (params.chatKey !== undefined && params.fileToken !== undefined) await sessionFor(deps, params);
        const maxBytes = engine.files.config.maxBytes;
        // A body declared longer than the server would ever read is refused before it is read.
        if (Number(req.headers['content-length'] ?? 0) > maxBytes + FORM_OVERHEAD_BYTES + DRAIN_BYTES) {
          body.cutOff = true;
          fail('FILE_TOO_LARGE', `limit ${maxBytes} bytes`);
        }
        const file = isMultipart(req.headers['content-type']) ? await readMultipart(req.raw, maxBytes, params, body, keeper) : await readRaw(req.raw, req.headers['content-type'], maxBytes, params, body, keeper);
        if (params.chatKey === undefined) fail('FILE_TOKEN_INVALID', 'no chatKey (the session key) in the query or the form');
        if (params.fileToken === undefined) fail('FILE_TOKEN_INVALID', 'no fileToken in the query or the form');
        if (!file || file.bytes.byteLength === 0) fail('FILE_MISSING', file ? 'the file is empty' : 'no part named file and none with a filename');
        const found = await sessionFor(deps, params);
        return found.kind === 'open' ? await engine.files.upload(found.session, params.fileToken, file) : await engine.files.retryOfClosed(found.id, params.fileToken, file);
      } catch (err) {
        // An answer before the whole body was read (a refusal by the query's credentials, the
        // rate limit, a malformed form): the rest is read and dropped first, up to DRAIN_BYTES,
        // so a client still sending reads the answer rather than a reset connection; past
        // that the rest is not read and the connection closes.
        // What it kept goes back first: a slow client's drain must not hold the budget.
        deps.budget.release(keeper.hold);
        if (!body.complete && !body.cutOff) body.complete = await drainRest(req.raw, DRAIN_BYTES);
        if (!body.complete) closeAfter(reply);
        throw err;
      } finally {
        // The bytes are written (or the upload failed): they no longer count.
        deps.budget.release(keeper.hold);
      }
    });
  });
}

/** Reads and drops what is left of a body, at most `limit` bytes: true once it ended, false when there was more (or the client went away). */
function drainRest(raw: IncomingMessage, limit: number): Promise<boolean> {
  if (raw.complete) return Promise.resolve(true);
  if (raw.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => {
    let read = 0;
    const finish = (ended: boolean) => {
      raw.off('data', onData);
      raw.off('end', onEnd);
      raw.off('error', onGone);
      raw.off('close', onGone);
      if (!ended) raw.pause();
      resolve(ended);
    };
    const onData = (chunk: Buffer) => {
      read += chunk.byteLength;
      if (read > limit) finish(false);
    };
    const onEnd = () => finish(true);
    const onGone = () => finish(raw.complete);
    raw.on('data', onData);
    raw.on('end', onEnd);
    raw.on('error', onGone);
    raw.on('close', onGone);
    raw.resume();
  });
}

function closeAfter(reply: FastifyReply): void {
  void reply.header('Connection', 'close');
}

function paramsOf(query: unknown): Params {
  const q = (query ?? {}) as Record<string, unknown>;
  const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const out: Params = {};
  const chatKey = text(q.chatKey) ?? text(q.key);
  if (chatKey !== undefined) out.chatKey = chatKey;
  for (const name of ['fileToken', 'orgId', 'filename'] as const) {
    const v = text(q[name]);
    if (v !== undefined) out[name] = v;
  }
  return out;
}

/** A form field fills a parameter the query did not give (`key` stands for `chatKey`). */
function takeField(params: Params, name: string, value: string): void {
  if (value === '') return;
  const key = name === 'key' ? 'chatKey' : name;
  if ((key === 'chatKey' || key === 'fileToken' || key === 'orgId' || key === 'filename') && params[key] === undefined) params[key] = value;
}

type FoundSession = { kind: 'open'; session: NonNullable<ReturnType<ChatEngine['findByKey']>> } | { kind: 'closed'; id: string };

/**
 * The session the key names, open in this process, or closed (in the store: only a retry
 * of an upload that landed can still be answered there). orgId, when given, must be its org's.
 */
async function sessionFor(deps: FileUploadDeps, params: Params): Promise<FoundSession> {
  const key = params.chatKey!;
  const open = deps.engine.findByKey(key);
  const orgOk = (org: string | undefined) => params.orgId === undefined || (org !== undefined && org.slice(0, 15) === params.orgId.slice(0, 15));
  if (open) {
    if (!orgOk(open.record.request?.orgId)) fail('FILE_TOKEN_INVALID', 'orgId is not the organization of this chat');
    return { kind: 'open', session: open };
  }
  const bang = key.indexOf('!');
  const stored = bang > 0 ? await deps.store.getSession(key.slice(0, bang)) : null;
  if (!stored || stored.key !== key) fail('FILE_TOKEN_INVALID', 'chatKey names no session');
  if (!orgOk(stored.request?.orgId)) fail('FILE_TOKEN_INVALID', 'orgId is not the organization of this chat');
  return { kind: 'closed', id: stored.id };
}

function isMultipart(type: string | undefined): boolean {
  return typeof type === 'string' && /^\s*multipart\/form-data\s*;/i.test(type);
}

/** A non-multipart body: the file's bytes whole, at most maxBytes of them. */
function readRaw(raw: IncomingMessage, type: string | undefined, maxBytes: number, params: Params, body: BodyState, keeper: Keeper): Promise<IncomingFile | null> {
  // Listeners, not `for await`: leaving that loop early destroys the request, and its
  // socket with it, before the 413 could be sent.
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] = [];
    let size = 0;
    // Set once the budget is full: the bytes kept so far are dropped, the rest is read and
    // dropped too (as past maxBytes), and the refusal is the answer once the body is read.
    let refused: SwitchboardError | null = null;
    const done = (err: unknown, file: IncomingFile | null = null) => {
      raw.off('data', onData);
      raw.off('end', onEnd);
      raw.off('error', done);
      if (err) reject(err instanceof SwitchboardError ? err : new SwitchboardError('FILE_MISSING', 'the upload was cut off'));
      else resolve(file);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > maxBytes + DRAIN_BYTES) {
        body.cutOff = true;
        raw.pause();
        done(refused ?? tooLarge(maxBytes));
        return;
      }
      // Past the limit, or once refused, the rest is only counted (DRAIN_BYTES).
      if (size > maxBytes || refused) return;
      if (!keeper.budget.take(keeper.hold, chunk.byteLength)) {
        refused = busy(keeper.budget);
        chunks = [];
        keeper.budget.release(keeper.hold);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      body.complete = true;
      if (refused) return done(refused);
      if (size > maxBytes) return done(tooLarge(maxBytes));
      done(null, size === 0 ? null : { name: params.filename ?? 'file', contentType: String(type ?? ''), bytes: Buffer.concat(chunks, size) });
    };
    raw.on('data', onData);
    raw.on('end', onEnd);
    raw.on('error', done);
  });
}

/**
 * A multipart/form-data body: the part named `file`, else the first with a filename; its
 * name the `filename` field, else the part's filename. Other fields fill the parameters;
 * other files are read past. Fails at maxBytes of the file (or that much beside it).
 */
function readMultipart(raw: IncomingMessage, maxBytes: number, params: Params, body: BodyState, keeper: Keeper): Promise<IncomingFile | null> {
  return new Promise((resolve, reject) => {
    let settled = false;
    let overLimit = false;
    // Set once the budget is full: the file's bytes are dropped and the body read on to its end, as past maxBytes.
    let refused: SwitchboardError | null = null;
    let chosen: { field: string; filename: string; type: string; chunks: Buffer[]; size: number } | null = null;
    let total = 0;
    const stop = (err: unknown) => {
      if (settled) return;
      settled = true;
      raw.unpipe(parser);
      raw.off('data', count);
      raw.pause();
      reject(err instanceof SwitchboardError ? err : new SwitchboardError('FILE_MISSING', `unreadable multipart body: ${String((err as Error)?.message ?? err).slice(0, 80)}`));
    };
    const count = (chunk: Buffer) => {
      total += chunk.byteLength;
      if (total > maxBytes + FORM_OVERHEAD_BYTES + DRAIN_BYTES) {
        body.cutOff = true;
        stop(refused ?? tooLarge(maxBytes));
      }
      else if (total > maxBytes + FORM_OVERHEAD_BYTES) overLimit = true;
    };
    let parser: BusboyInstance;
    try {
      parser = Busboy({
        headers: raw.headers as BusboyHeaders,
        limits: { fileSize: maxBytes, fields: 50, fieldSize: 8 * 1024, files: 20, parts: 100 },
        // A part named `file` is the file even when the client sent it without a filename.
        isPartAFile: (field, _type, filename) => filename !== undefined || field === 'file',
      });
    } catch (err) {
      reject(new SwitchboardError('FILE_MISSING', `unreadable multipart body: ${String((err as Error).message).slice(0, 80)}`));
      return;
    }
    parser.on('field', (name, value) => takeField(params, name, value));
    parser.on('file', (field, stream, filename, _encoding, mimeType) => {
      const take = chosen === null || (field === 'file' && chosen.field !== 'file');
      if (!take) {
        stream.resume();
        return;
      }
      const mine = { field, filename: formFilename(filename ?? ''), type: mimeType, chunks: [] as Buffer[], size: 0 };
      // A part named `file` after another file: the one read before is dropped.
      keeper.budget.release(keeper.hold);
      chosen = mine;
      stream.on('data', (chunk: Buffer) => {
        if (chosen !== mine || overLimit || refused || settled) return;
        if (!keeper.budget.take(keeper.hold, chunk.byteLength)) {
          refused = busy(keeper.budget);
          mine.chunks = [];
          keeper.budget.release(keeper.hold);
          return;
        }
        mine.size += chunk.byteLength;
        mine.chunks.push(chunk);
      });
      // Busboy drops the rest of the file itself; the body is read on to its end (DRAIN_BYTES).
      stream.on('limit', () => {
        overLimit = true;
        mine.chunks = [];
        keeper.budget.release(keeper.hold);
      });
    });
    parser.on('error', stop);
    parser.on('finish', () => {
      if (settled) return;
      settled = true;
      body.complete = true;
      if (refused) return reject(refused);
      if (overLimit) return reject(tooLarge(maxBytes));
      const c = chosen as typeof chosen;
      if (!c) return resolve(null);
      resolve({ name: params.filename ?? (c.filename || 'file'), contentType: c.type, bytes: Buffer.concat(c.chunks, c.size) });
    });
    raw.on('data', count);
    raw.on('error', stop);
    raw.pipe(parser);
  });
}

/**
 * A part's filename as the visitor's file had it: browsers and undici write `"`, CR and LF of a
 * filename as `%22`, `%0D` and `%0A` (the HTML standard's multipart/form-data encoding), which
 * busboy leaves as they are, so `ev"il.html` was stored as `ev%22il.html`.
 */
export function formFilename(name: string): string {
  return name.replace(/%(22|0D|0A)/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}
