/**
 * Business hours (ADR 0062): whether a schedule is open at an instant. Pure: the
 * instant comes from the caller (the Clock port), and the schedule's local time
 * from Intl.DateTimeFormat with its IANA zone, so daylight saving time is the
 * runtime's time zone data's business, not ours: a range is wall-clock time,
 * whatever the offset that day.
 */
import { WEEKDAYS, type BusinessHoursConfig, type Weekday } from '../config/config-schema.js';

/** The minute of the day an `HH:MM` time stands for (`24:00` is 1440), or null when it is none. */
export function minuteOfDay(text: string): number | null {
  if (text === '24:00') return 24 * 60;
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

/** A schedule's local time: its calendar date (`YYYY-MM-DD`), weekday and minute of the day. */
export interface LocalTime {
  date: string;
  weekday: Weekday;
  minute: number;
}

/** Formatters by zone: making one costs far more than using it, and a server has few zones. */
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    // en-US and h23: parts in digits and English weekday names, hours 00–23 (never "24" at midnight).
    f = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether `timeZone` is one the runtime knows (Intl throws a RangeError for others). */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The local time in `timeZone` at `instantMs`. Throws a RangeError for an unknown zone (the loader refuses those). */
export function localTime(timeZone: string, instantMs: number): LocalTime {
  const parts: Record<string, string> = {};
  for (const p of formatterFor(timeZone).formatToParts(instantMs)) parts[p.type] = p.value;
  const weekday = (parts.weekday ?? '').toLowerCase().slice(0, 3) as Weekday;
  if (!WEEKDAYS.includes(weekday)) throw new RangeError(`unexpected weekday ${parts.weekday} in ${timeZone}`);
  return { date: `${parts.year}-${parts.month}-${parts.day}`, weekday, minute: Number(parts.hour) * 60 + Number(parts.minute) };
}

/**
 * Whether `schedule` is open at `instantMs`: the local day is no closed date and one of its
 * weekday's ranges holds the local minute (`start` included, `end` not). A range the loader
 * would refuse opens nothing.
 */
export function isOpen(schedule: BusinessHoursConfig, instantMs: number): boolean {
  const local = localTime(schedule.timeZone, instantMs);
  if (schedule.closedDates.includes(local.date)) return false;
  return (schedule.weekly[local.weekday] ?? []).some((r) => {
    const start = minuteOfDay(r.start);
    const end = minuteOfDay(r.end);
    return start !== null && end !== null && start <= local.minute && local.minute < end;
  });
}
