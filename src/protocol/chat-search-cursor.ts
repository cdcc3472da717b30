/**
 * The cursor of a chat search page (GET /agent/v1/supervisor/chats): a place in
 * the newest-first order, the creation time and id of the last chat a page
 * covered. Opaque to clients (base64url), so its form can change; it names no
 * org, and a search reads the caller's org whatever cursor it is given.
 */

export interface CursorPosition {
  createdAt: number;
  id: string;
}

export function encodeSearchCursor(p: CursorPosition): string {
  return Buffer.from(JSON.stringify([p.createdAt, p.id]), 'utf8').toString('base64url');
}

/** The place a cursor names, or null for text no search gave. */
export function decodeSearchCursor(cursor: string): CursorPosition | null {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (!Array.isArray(value) || value.length !== 2) return null;
  const [createdAt, id] = value as unknown[];
  if (!Number.isSafeInteger(createdAt) || (createdAt as number) < 0 || typeof id !== 'string' || id.length === 0 || id.length > 128) return null;
  return { createdAt: createdAt as number, id };
}
