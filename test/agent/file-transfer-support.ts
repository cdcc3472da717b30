/**
 * Uploads as visitors' clients send them (POST /chat/file-transfer): a multipart
 * form, or the bytes as the body with the credentials in the query. Shared by the
 * file transfer suites (agent API, restart, emulator).
 */
import { createHash } from 'node:crypto';
import { expect } from 'vitest';
import type { Res } from '../protocol/harness.js';
import type { Visitor } from '../protocol/visitor.js';

/** Bytes that show any re-encoding: every byte value, in a pattern. */
export function fileBytes(size: number, seed = 1): Uint8Array {
  const b = new Uint8Array(size);
  for (let i = 0; i < size; i++) b[i] = (i * 31 + seed * 7) % 256;
  return b;
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

async function answer(res: Response): Promise<Res> {
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json, headers: res.headers, ms: 0 };
}

/** A multipart upload to `url` with the credentials as form fields (as an HTML form posts). */
export async function uploadForm(url: string, fields: Record<string, string>, file: { bytes: Uint8Array; name: string; type: string; field?: string } | null, headers: Record<string, string> = {}): Promise<Res> {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  if (file) form.append(file.field ?? 'file', new Blob([file.bytes], { type: file.type }), file.name);
  return answer(await fetch(url, { method: 'POST', body: form, headers }));
}

/** The bytes as the whole body, the credentials in the query. */
export async function uploadRaw(url: string, query: Record<string, string>, bytes: Uint8Array, type = 'application/octet-stream'): Promise<Res> {
  return answer(await fetch(`${url}?${new URLSearchParams(query).toString()}`, { method: 'POST', body: bytes, headers: { 'Content-Type': type } }));
}

/** The visitor's FileTransfer Requested (the latest), waiting for it. */
export async function requestedOf(v: Visitor, from = 0): Promise<{ fileToken: string; uploadServletUrl: string }> {
  const m = await v.waitFor('FileTransfer', 'FileTransfer Requested', from);
  expect(m.message).toEqual({ type: 'Requested', fileToken: expect.any(String) as unknown, uploadServletUrl: expect.any(String) as unknown });
  return m.message as { fileToken: string; uploadServletUrl: string };
}
