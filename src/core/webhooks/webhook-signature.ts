/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com, ADR 0065): the body is
 * signed with HMAC-SHA256 over `<webhook-id>.<webhook-timestamp>.<body>`, keyed by the
 * secret's bytes (the base64 after `whsec_`), and sent as `v1,<base64 of the MAC>`, so a
 * receiver can verify with any Standard Webhooks library.
 */
import { createHmac } from 'node:crypto';

/** The prefix Standard Webhooks secrets carry (optional in the config: the key is what follows). */
export const SECRET_PREFIX = 'whsec_';
/** The fewest and most key bytes a secret may hold (the spec's 24 to 64). */
export const SECRET_MIN_BYTES = 24;
export const SECRET_MAX_BYTES = 64;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** What is wrong with a webhook secret (null: nothing), said so that the operator can fix it. */
export function secretProblem(secret: string): string | null {
  const text = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  if (!BASE64.test(text) || text === '') return `is not ${SECRET_PREFIX} and base64 (Standard Webhooks secrets are; make one with: echo ${SECRET_PREFIX}$(openssl rand -base64 32))`;
  const bytes = Buffer.from(text, 'base64').length;
  if (bytes < SECRET_MIN_BYTES) return `holds ${bytes} bytes, fewer than ${SECRET_MIN_BYTES} (make one with: echo ${SECRET_PREFIX}$(openssl rand -base64 32))`;
  if (bytes > SECRET_MAX_BYTES) return `holds ${bytes} bytes, more than ${SECRET_MAX_BYTES}`;
  return null;
}

/** The HMAC key of a secret `secretProblem` accepted. */
export function secretKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
}

/** The `webhook-signature` header for one message: `v1,` and the base64 HMAC-SHA256 of `id.timestamp.body`. */
export function signWebhook(key: Buffer, id: string, timestampSeconds: number, body: string): string {
  return `v1,${createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64')}`;
}
