/**
 * The front doors served by the server itself: the embeddable widget at
 * /widget.js, the agent console at /console, and the demo page at /. Files come
 * from the front-end build outputs (`npm run build` makes them); a missing build
 * answers 404 with what to run, never a crash. Each answer has an ETag, and text is sent
 * compressed to clients that take it (static-files.ts).
 */
import { extname, join, normalize, sep } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { logErrorAnswer } from './answer-log.js';
import { etagMatches, StaticFiles, type StaticBody } from './static-files.js';

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.mp3': 'audio/mpeg',
  '.wav': 'audio/wav',
  '.map': 'application/json; charset=utf-8',
};

export interface StaticRoots {
  /** Directory holding widget.js. */
  widgetDir: string;
  /** Directory holding the console build (index.html and assets). */
  consoleDir: string;
  /** Directory holding the demo page (index.html). */
  demoDir: string;
}

/**
 * The console holds an agent's session: nothing but its own files may run in it
 * (a second line of defence behind rendering every visitor value as text), and no
 * other site may frame it (clickjacking Accept, End chat or Take over).
 */
const CONSOLE_HEADERS = {
  'Content-Security-Policy': "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; media-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'X-Frame-Options': 'DENY',
};

async function sendFile(files: StaticFiles, reply: FastifyReply, root: string, relative: string, cache: string, headers: Record<string, string> = {}): Promise<void> {
  const path = normalize(join(root, relative));
  if (!path.startsWith(normalize(root) + sep) && path !== normalize(root)) {
    notFound(reply, 'Not found');
    return;
  }
  let file: StaticBody;
  try {
    file = await files.read(path, reply.request.headers['accept-encoding']);
  } catch {
    notFound(reply, `Not found: ${relative.slice(0, 100)} (run \`npm run build\` to build the front ends)`);
    return;
  }
  void reply.header('Cache-Control', cache).header('ETag', file.etag).headers(headers);
  if (file.varies) void reply.header('Vary', 'Accept-Encoding');
  if (etagMatches(reply.request.headers['if-none-match'], file.etag)) {
    void reply.code(304).send();
    return;
  }
  if (file.coding) void reply.header('Content-Encoding', file.coding);
  void reply.type(TYPES[extname(path)] ?? 'application/octet-stream').send(file.body);
}

/** A 404 of the front doors: answered here, not by the error handler, so logged here (answer-log.ts). */
function notFound(reply: FastifyReply, body: string): void {
  const r = reply.request;
  logErrorAnswer(reply.log, { method: r.method, url: r.url, client: r.ip, reqId: r.id }, 404, 'NOT_FOUND');
  void reply.code(404).type('text/plain; charset=utf-8').send(body);
}

export function registerStaticRoutes(app: FastifyInstance, roots: StaticRoots): void {
  const files = new StaticFiles();
  app.get('/widget.js', (_req, reply) => sendFile(files, reply, roots.widgetDir, 'widget.js', 'public, max-age=300'));
  app.get('/console', (_req, reply) => { void reply.redirect('/console/'); });
  app.get('/console/', (_req, reply) => sendFile(files, reply, roots.consoleDir, 'index.html', 'no-cache', CONSOLE_HEADERS));
  app.get('/console/*', (req, reply) => {
    const relative = (req.params as { '*': string })['*'];
    // Vite names the console's assets by their content's hash: a new build is a new name, so they never go stale.
    const cache = relative.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'public, max-age=300';
    return sendFile(files, reply, roots.consoleDir, relative, cache, CONSOLE_HEADERS);
  });
  app.get('/', (_req, reply) => sendFile(files, reply, roots.demoDir, 'index.html', 'no-cache'));
}
