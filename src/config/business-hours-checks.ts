/**
 * Checks of an org's business hours schedules and the buttons that name them (ADR 0062),
 * beyond what the schema says: part of the config's validation (serve and check-config).
 */
import { isKnownTimeZone, minuteOfDay } from '../core/business-hours.js';
import { WEEKDAYS, type OrgConfig } from './config-schema.js';

/** Whether `text` is a calendar date `YYYY-MM-DD` (2026-02-30 is not). */
function isCalendarDate(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === text;
}

/**
 * What is wrong with `org`'s schedules (`/orgs/<o>/businessHours/…`) and with its buttons'
 * `businessHours` (a name no schedule of the org has), each at its JSON pointer.
 */
export function businessHoursProblems(org: OrgConfig, orgPath: string): string[] {
  const problems: string[] = [];
  const names = new Map<string, number>();
  org.businessHours.forEach((s, si) => {
    const path = `${orgPath}/businessHours/${si}`;
    const prior = names.get(s.name);
    if (prior !== undefined) problems.push(`${path}/name: schedule name ${s.name} is already used at ${orgPath}/businessHours/${prior}/name`);
    else names.set(s.name, si);
    if (!isKnownTimeZone(s.timeZone)) problems.push(`${path}/timeZone: ${JSON.stringify(s.timeZone)} is not a known IANA time zone (such as Europe/Berlin, America/New_York, UTC)`);
    for (const day of WEEKDAYS) {
      const ranges: { start: number; end: number; i: number }[] = [];
      (s.weekly[day] ?? []).forEach((r, ri) => {
        const rp = `${path}/weekly/${day}/${ri}`;
        const start = r.start === '24:00' ? null : minuteOfDay(r.start);
        const end = minuteOfDay(r.end);
        if (start === null) problems.push(`${rp}/start: ${JSON.stringify(r.start)} is not a time HH:MM from 00:00 to 23:59`);
        if (end === null) problems.push(`${rp}/end: ${JSON.stringify(r.end)} is not a time HH:MM from 00:01 to 24:00`);
        if (start === null || end === null) return;
        if (end <= start) problems.push(`${rp}: ends at ${r.end}, not after it starts (${r.start}); a range cannot cross midnight: split it into ${day} until 24:00 and the next day from 00:00`);
        else ranges.push({ start, end, i: ri });
      });
      ranges.sort((a, b) => a.start - b.start);
      for (let k = 1; k < ranges.length; k++) {
        const [a, b] = [ranges[k - 1]!, ranges[k]!];
        if (b.start < a.end) problems.push(`${path}/weekly/${day}/${b.i}: overlaps ${path}/weekly/${day}/${a.i} (${s.weekly[day]![a.i]!.start}–${s.weekly[day]![a.i]!.end})`);
      }
    }
    s.closedDates.forEach((d, di) => {
      if (!isCalendarDate(d)) problems.push(`${path}/closedDates/${di}: ${JSON.stringify(d)} is not a date YYYY-MM-DD`);
    });
  });
  org.deployments.forEach((d, di) => d.buttons.forEach((b, bi) => {
    if (b.businessHours !== undefined && !names.has(b.businessHours)) {
      const known = [...names.keys()];
      problems.push(`${orgPath}/deployments/${di}/buttons/${bi}/businessHours: no schedule ${JSON.stringify(b.businessHours)} in this org's businessHours (${known.length ? `it has ${known.join(', ')}` : 'it has none'})`);
    }
  }));
  return problems;
}
