/**
 * One log line per answer a client gets: every error answer, at a level by its
 * status (5xx error; 429, and 401 from the login, warn; other 4xx info), and
 * every success at debug only. fastify's own request logging stays off
 * (create-http-server.ts): two lines per request at info would flood the log
 * of a long-poll server (at 500 messages/s, 1,000 lines/s of polls).
 *
 * The success line is the only one on the hot path; its callers decide once, at
 * start-up, whether debug is on (`successLogger`), so with the level above debug
 * a success costs one null check (the poll fast path) or nothing at all (no
 * fastify hook is registered).
 */
import type { FastifyBaseLogger } from 'fastify';
import { redactUrl } from './log-redaction.js';

/** What an answer line says about its request. */
export interface AnsweredRequest {
  method: string;
  /** The request target as received: logged redacted (log-redaction.ts). */
  url: string;
  /** The client's address (fastify's `request.ip`, so with server.trustProxy the visitor's own). */
  client: string | undefined;
  /** fastify's request id, when the request went through fastify. */
  reqId?: string;
}

const LOGIN_PATH = '/agent/v1/auth/login';

/** The level of an error answer's line. */
export function errorAnswerLevel(status: number, url: string, code?: string): 'error' | 'warn' | 'info' {
  // A 503 for an affinity token this node did not issue is the protocol's way to send a visitor
  // to ResyncSession (after a restart with a new node id, or a failover): every visitor of the lost
  // node gets one, which is expected and the client's to act on, like a 4xx.
  if (code === 'AFFINITY_INVALID') return 'info';
  if (status >= 500) return 'error';
  if (status === 429) return 'warn';
  // A wrong password is what a password-guessing client produces; other 401s are expired tokens.
  if (status === 401 && url.startsWith(LOGIN_PATH) && (url.length === LOGIN_PATH.length || url[LOGIN_PATH.length] === '?')) return 'warn';
  return 'info';
}

/**
 * Logs an error answer: method, redacted path, status, the catalogue code (or
 * fastify's own code for its 4xx), the client address. An unexpected failure
 * (`err`) is logged on the same line, with its stack: one line per 500, not two.
 */
export function logErrorAnswer(logger: FastifyBaseLogger, req: AnsweredRequest, status: number, code: string | undefined, err?: unknown, injected?: boolean): void {
  // An emulator fault is what the test asked for, whatever its status: info, and marked as such.
  const level = injected ? 'info' : errorAnswerLevel(status, req.url, code);
  if (!levelEnabled(logger, level)) return;
  const fields = { method: req.method, path: redactUrl(req.url), status, code, client: req.client, reqId: req.reqId, ...(injected ? { injected: true } : {}), ...(err === undefined ? {} : { err }) };
  logger[level](fields, err === undefined ? (injected ? 'request failed (injected fault)' : 'request failed') : 'unhandled error');
}

/** Logs a successful answer (debug). */
export type SuccessLogger = (req: AnsweredRequest, status: number) => void;

/** The success logger, or null when debug is off: then callers skip even building its arguments. */
export function successLogger(logger: FastifyBaseLogger): SuccessLogger | null {
  if (!levelEnabled(logger, 'debug')) return null;
  return (req, status) => logger.debug({ method: req.method, path: redactUrl(req.url), status, client: req.client, reqId: req.reqId }, 'request answered');
}

/** pino's numeric levels (fastify's logger type has no isLevelEnabled; pino's own has). */
const LEVEL_VALUES: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };

function levelEnabled(logger: FastifyBaseLogger, level: 'debug' | 'info' | 'warn' | 'error'): boolean {
  return LEVEL_VALUES[level]! >= (LEVEL_VALUES[logger.level] ?? Infinity);
}
