/**
 * The Team view's words for the org's webhooks (ADR 0065): the backlog, times to the second, a
 * time typed in a datetime-local box, and the server's refusals of a skip or a replay. Pure
 * functions (no DOM, no port), so they are unit-tested; the rest of a refusal's wording is
 * adminErrorText's, as in the other Team sections.
 */
import { adminErrorText } from './team-form.ts';

/**
 * The most the server counts a backlog to (BACKLOG_CAP, docs/agent-api.md): it stops there
 * rather than count a receiver's months of downtime, so this many means "at least".
 */
export const BACKLOG_CAP = 10000;

/** A backlog as the view shows it: `10,000+` at the cap; null (the webhook never ran) says so. */
export function backlogText(backlog: number | null, locale?: string): string {
  if (backlog === null) return 'Not started yet';
  const n = new Intl.NumberFormat(locale).format(backlog);
  return backlog >= BACKLOG_CAP ? `${n}+` : n;
}

/**
 * A moment in the user's locale, to the second: a failing webhook's next attempt is seconds
 * away, and a replay's time is chosen against these.
 */
export function momentText(at: number, locale?: string): string {
  return new Date(at).toLocaleString(locale, { dateStyle: 'medium', timeStyle: 'medium' });
}

/**
 * The epoch ms of a datetime-local box's value (`2026-05-01T10:00` or with seconds), which is
 * the user's local time; undefined when empty or not a time.
 */
export function localDateTimeMs(value: string): number | undefined {
  // A date-time without an offset is local time in ECMAScript, as the box means it;
  // valueAsNumber would read it as UTC.
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/.test(value)) return undefined;
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? undefined : ms;
}

function refusal(err: unknown): { status: number | undefined; body: string } {
  const e = err as { status?: unknown; body?: unknown } | null;
  return { status: typeof e?.status === 'number' ? e.status : undefined, body: typeof e?.body === 'string' ? e.body : '' };
}

/**
 * Why a replay was refused, after "Not replayed: ". The two refusals a chosen time can meet are
 * said as what to do about them; where the webhook stands (an ISO time in the server's text) is
 * shown in the user's locale, since it is the latest time a replay may start from.
 */
export function replayRefusalText(err: unknown, locale?: string): string {
  const { status, body } = refusal(err);
  if (status === 409) {
    const stands = /\((\d{4}-\d{2}-\d{2}T[\d:.]+Z)\)/.exec(body)?.[1];
    const where = stands ? ` (${momentText(Date.parse(stands), locale)})` : '';
    return `the time is after where the webhook stands${where}: what came since has not been sent yet, and a replay from it would pass over it. Choose an earlier time.`;
  }
  if (status === 400 && /future/.test(body)) return 'the time is in the future. Choose a time that has passed.';
  return adminErrorText(err, 'this webhook');
}

/** Why a skip was refused, after "Not skipped: " (the chat was delivered meanwhile, another one fails now, the webhook was disabled). */
export function skipRefusalText(err: unknown): string {
  const { status, body } = refusal(err);
  if (status === 409) {
    const detail = body.includes(': ') ? body.slice(body.indexOf(': ') + 2) : body;
    return `${detail || 'the chat is no longer the next one to send'}. Refresh to see where the webhook stands.`;
  }
  return adminErrorText(err, 'this webhook');
}
