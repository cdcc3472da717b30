/**
 * Table shapes shared by the SQLite and PostgreSQL stores. Timestamps are
 * milliseconds (BIGINT); structured fields are JSON text so both engines store
 * them the same way.
 */
import type { Generated } from 'kysely';

export interface SessionsTable {
  id: string;
  owner: string;
  closed: number;
  visitor_id: string | null;
  /** The request's orgId (migration 0006): visitor history is read per org. */
  org_id: string | null;
  created_at: number | string;
  /** What a chat search filters on (migration 0008, docs/adr/0023): copies of record fields, written with every full write. */
  chat_state: string | null;
  agent_id: string | null;
  /** The button the chat was requested on (the request's buttonId). */
  button_id: string | null;
  ended_at: number | string | null;
  end_reason: string | null;
  /** The SessionRecord as JSON, without its request (older rows: with it). */
  record: string;
  /** The chat request as JSON (null: none, or a row written before migration 0003). */
  request: string | null;
  /** The progress fields as JSON when written alone since `record` (null: `record` is current). */
  progress: string | null;
}

/**
 * One row per chat and agent who held it (SessionRecord.holders; migration 0010,
 * docs/adr/0023): a chat search finds a chat under each. `org_id` and `created_at`
 * are the session's, copied so that the walk index gives the search's order.
 */
export interface ChatHoldersTable {
  session_id: string;
  agent_id: string;
  org_id: string;
  created_at: number | string;
}

export interface EventsTable {
  session_id: string;
  offset: number;
  vseq: number | null;
  type: string;
  actor: string;
  at: number | string;
  data: string;
}

export interface ButtonStatsTable {
  button_id: string;
  average_wait_ms: number | null;
  samples: number;
}

export interface BreadcrumbsTable {
  id: Generated<number>;
  /** BreadcrumbRecord.key, unique (migration 0007): a batch written again skips it; null on older rows. */
  key: string | null;
  visitor_id: string;
  /** The org of the chat it was posted in; null: posted without a chat (or before migration 0006). */
  org_id: string | null;
  location: string;
  at: number | string;
}

export interface MetaTable {
  key: string;
  value: string;
}

export interface DocumentsTable {
  kind: string;
  id: string;
  body: string;
}

/**
 * Files visitors uploaded (migration 0011, docs/adr/0049-file-transfer.md): the bytes
 * (SQLite BLOB, PostgreSQL bytea) with their metadata, deleted with their session.
 */
export interface ChatFilesTable {
  session_id: string;
  id: string;
  file_token: string;
  name: string;
  content_type: string;
  size: number | string;
  sha256: string;
  uploaded_at: number | string;
  bytes: Uint8Array;
}

/** Visitor blocks (migration 0012, docs/adr/0055-blocking-visitors.md). */
export interface VisitorBlocksTable {
  id: string;
  org_id: string;
  ip_range: string;
  reason: string;
  created_by: string;
  created_at: number | string;
  expires_at: number | string | null;
  chat_id: string | null;
}

/** Offline messages (migration 0013, docs/adr/0063-offline-messages.md). */
export interface OfflineMessagesTable {
  id: string;
  org_id: string;
  deployment_id: string;
  button_id: string;
  name: string;
  email: string;
  subject: string;
  message: string;
  language: string | null;
  created_at: number | string;
  status: string;
  handled_by: string | null;
  handled_at: number | string | null;
}

export interface Database {
  documents: DocumentsTable;
  offline_messages: OfflineMessagesTable;
  visitor_blocks: VisitorBlocksTable;
  chat_files: ChatFilesTable;
  sessions: SessionsTable;
  chat_holders: ChatHoldersTable;
  events: EventsTable;
  button_stats: ButtonStatsTable;
  breadcrumbs: BreadcrumbsTable;
  meta: MetaTable;
}
