import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { etagMatches, preferredCoding } from './static-files.js';
import { registerStaticRoutes } from './static-routes.js';

describe('front-end files: ETag, 304 and compressed text', () => {
  let dir: string;
  let app: FastifyInstance;
  const widget = `/* widget */\n${'console.log("switchboard widget line");\n'.repeat(400)}`;
  const png = Buffer.alloc(4096, 7);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sb-static-'));
    for (const d of ['widget', 'console/assets', 'demo']) mkdirSync(join(dir, d), { recursive: true });
    writeFileSync(join(dir, 'widget', 'widget.js'), widget);
    writeFileSync(join(dir, 'console', 'index.html'), '<!doctype html><title>console</title>');
    writeFileSync(join(dir, 'console', 'assets', 'index-abc123.js'), widget);
    writeFileSync(join(dir, 'console', 'assets', 'logo.png'), png);
    writeFileSync(join(dir, 'demo', 'index.html'), '<!doctype html><title>demo</title>');
    app = Fastify();
    registerStaticRoutes(app, { widgetDir: join(dir, 'widget'), consoleDir: join(dir, 'console'), demoDir: join(dir, 'demo') });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends brotli to a client that takes it, gzip to one that takes only gzip, and the bytes as they are otherwise', async () => {
    const br = await app.inject({ url: '/widget.js', headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect(br.statusCode).toBe(200);
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['vary']).toBe('Accept-Encoding');
    expect(br.rawPayload.length).toBeLessThan(widget.length / 10);
    expect(brotliDecompressSync(br.rawPayload).toString()).toBe(widget);

    const gz = await app.inject({ url: '/widget.js', headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.rawPayload).toString()).toBe(widget);

    const plain = await app.inject({ url: '/widget.js' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers['vary']).toBe('Accept-Encoding');
    expect(plain.body).toBe(widget);
    expect(plain.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(plain.headers['cache-control']).toBe('public, max-age=300');
    // One validator for every coding of the file.
    expect(plain.headers['etag']).toMatch(/^"[\w-]{27}"$/);
    expect(br.headers['etag']).toBe(plain.headers['etag']);
    expect(gz.headers['etag']).toBe(plain.headers['etag']);
  });

  it('answers a revalidation with 304 and no body, and a changed file with its new bytes and ETag', async () => {
    const first = await app.inject({ url: '/widget.js', headers: { 'accept-encoding': 'br' } });
    const etag = first.headers['etag'] as string;
    const again = await app.inject({ url: '/widget.js', headers: { 'accept-encoding': 'br', 'if-none-match': `W/"other", ${etag}` } });
    expect(again.statusCode).toBe(304);
    expect(again.rawPayload.length).toBe(0);
    expect(again.headers['etag']).toBe(etag);
    expect(again.headers['cache-control']).toBe('public, max-age=300');

    const rebuilt = `${widget}// rebuilt\n`;
    writeFileSync(join(dir, 'widget', 'widget.js'), rebuilt);
    utimesSync(join(dir, 'widget', 'widget.js'), new Date(), new Date(Date.now() + 5000));
    const after = await app.inject({ url: '/widget.js', headers: { 'accept-encoding': 'br', 'if-none-match': etag } });
    expect(after.statusCode).toBe(200);
    expect(after.headers['etag']).not.toBe(etag);
    expect(brotliDecompressSync(after.rawPayload).toString()).toBe(rebuilt);
    writeFileSync(join(dir, 'widget', 'widget.js'), widget);
  });

  it('keeps hashed console assets for a year, never compresses an image, and keeps the console headers', async () => {
    const asset = await app.inject({ url: '/console/assets/index-abc123.js', headers: { 'accept-encoding': 'gzip' } });
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(asset.headers['content-encoding']).toBe('gzip');
    expect(asset.headers['x-frame-options']).toBe('DENY');

    const image = await app.inject({ url: '/console/assets/logo.png', headers: { 'accept-encoding': 'br, gzip' } });
    expect(image.headers['content-encoding']).toBeUndefined();
    expect(image.headers['vary']).toBeUndefined();
    expect(image.rawPayload.equals(png)).toBe(true);

    // A small page is not worth a coding.
    const page = await app.inject({ url: '/console/', headers: { 'accept-encoding': 'br' } });
    expect(page.headers['content-encoding']).toBeUndefined();
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
  });

  it('still answers 404 for a missing file, a directory and a path out of the root', async () => {
    for (const url of ['/console/assets/missing.js', '/console/assets', '/console/../widget/widget.js', '/console/%2e%2e/%2e%2e/package.json']) {
      const res = await app.inject({ url, headers: { 'accept-encoding': 'br' } });
      expect(res.statusCode, url).toBe(404);
    }
  });
});

describe('content negotiation', () => {
  it('prefers brotli, honours q-values and refusals, and reads * as any other coding', () => {
    expect(preferredCoding(undefined)).toBeNull();
    expect(preferredCoding('')).toBeNull();
    expect(preferredCoding('identity')).toBeNull();
    expect(preferredCoding('deflate')).toBeNull();
    expect(preferredCoding('gzip')).toBe('gzip');
    expect(preferredCoding('x-gzip')).toBe('gzip');
    expect(preferredCoding('gzip, br')).toBe('br');
    expect(preferredCoding('BR;Q=0.5, GZIP')).toBe('gzip');
    expect(preferredCoding('br;q=0, gzip;q=0.1')).toBe('gzip');
    expect(preferredCoding('br;q=0, gzip;q=0')).toBeNull();
    expect(preferredCoding('*')).toBe('br');
    expect(preferredCoding('*;q=0, gzip')).toBe('gzip');
    expect(preferredCoding('br;q=0, *')).toBe('gzip');
  });

  it('matches If-None-Match by weak comparison, in a list, and *', () => {
    expect(etagMatches(undefined, '"a"')).toBe(false);
    expect(etagMatches('"a"', '"a"')).toBe(true);
    expect(etagMatches('W/"a"', '"a"')).toBe(true);
    expect(etagMatches('"b", "a"', '"a"')).toBe(true);
    expect(etagMatches('"b"', '"a"')).toBe(false);
    expect(etagMatches(' * ', '"a"')).toBe(true);
  });
});
