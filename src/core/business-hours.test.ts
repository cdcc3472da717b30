import { describe, expect, it } from 'vitest';
import type { BusinessHoursConfig } from '../config/config-schema.js';
import { isKnownTimeZone, isOpen, localTime, minuteOfDay } from './business-hours.js';

const at = (iso: string): number => Date.parse(iso);
const schedule = (timeZone: string, weekly: BusinessHoursConfig['weekly'], closedDates: string[] = []): BusinessHoursConfig => ({ name: 's', timeZone, weekly, closedDates });
const nineToFive = { start: '09:00', end: '17:00' };

describe('minuteOfDay', () => {
  it('reads HH:MM and 24:00, and nothing else', () => {
    expect(['00:00', '09:30', '23:59', '24:00'].map(minuteOfDay)).toEqual([0, 570, 1439, 1440]);
    expect(['9:30', '24:01', '25:00', '12:60', '12.30', '', ' 09:00'].map(minuteOfDay)).toEqual([null, null, null, null, null, null, null]);
  });
});

describe('isOpen', () => {
  it('follows Europe/Berlin across the spring change: 09:00 is 08:00Z on Saturday (CET), 07:00Z on Sunday (CEST)', () => {
    const s = schedule('Europe/Berlin', { sat: [nineToFive], sun: [nineToFive] });
    expect(isOpen(s, at('2026-03-28T07:59:00Z'))).toBe(false);
    expect(isOpen(s, at('2026-03-28T08:00:00Z'))).toBe(true);
    expect(isOpen(s, at('2026-03-29T06:59:00Z'))).toBe(false);
    expect(isOpen(s, at('2026-03-29T07:00:00Z'))).toBe(true);
    expect(isOpen(s, at('2026-03-29T14:59:00Z'))).toBe(true);
    expect(isOpen(s, at('2026-03-29T15:00:00Z'))).toBe(false);
  });

  it('follows Europe/Berlin across the autumn change: 09:00 is 08:00Z again on 25 October', () => {
    const s = schedule('Europe/Berlin', { sun: [nineToFive] });
    expect(isOpen(s, at('2026-10-25T07:59:00Z'))).toBe(false);
    expect(isOpen(s, at('2026-10-25T08:00:00Z'))).toBe(true);
    expect(isOpen(s, at('2026-10-25T15:59:00Z'))).toBe(true);
    expect(isOpen(s, at('2026-10-25T16:00:00Z'))).toBe(false);
  });

  it('follows America/New_York: 09:00 is 13:00Z after the March change, 14:00Z after November\'s', () => {
    const s = schedule('America/New_York', { sun: [nineToFive] });
    expect(isOpen(s, at('2026-03-08T12:59:00Z'))).toBe(false);
    expect(isOpen(s, at('2026-03-08T13:00:00Z'))).toBe(true);
    expect(isOpen(s, at('2026-11-01T13:59:00Z'))).toBe(false);
    expect(isOpen(s, at('2026-11-01T14:00:00Z'))).toBe(true);
  });

  it('opens a range in the skipped hour not at all, and one in the repeated hour twice (wall-clock time)', () => {
    const skipped = schedule('America/New_York', { sun: [{ start: '02:00', end: '03:00' }] });
    for (let t = at('2026-03-08T05:00:00Z'); t < at('2026-03-08T09:00:00Z'); t += 60_000) expect(isOpen(skipped, t), new Date(t).toISOString()).toBe(false);
    const repeated = schedule('America/New_York', { sun: [{ start: '01:00', end: '02:00' }] });
    // 01:00 EDT is 05:00Z; the second 01:00, EST, is 06:00Z; 02:00 EST is 07:00Z.
    expect(isOpen(repeated, at('2026-11-01T04:59:00Z'))).toBe(false);
    expect(isOpen(repeated, at('2026-11-01T05:00:00Z'))).toBe(true);
    expect(isOpen(repeated, at('2026-11-01T06:30:00Z'))).toBe(true);
    expect(isOpen(repeated, at('2026-11-01T07:00:00Z'))).toBe(false);
  });

  it('keeps a range ending at 24:00 open to the last minute of the day, and no further', () => {
    const s = schedule('Europe/Berlin', { fri: [{ start: '18:00', end: '24:00' }] });
    expect(isOpen(s, at('2026-12-04T22:59:00Z'))).toBe(true); // Fri 23:59 CET
    expect(isOpen(s, at('2026-12-04T23:00:00Z'))).toBe(false); // Sat 00:00 CET
  });

  it('is open through midnight only where both days say so: a range never crosses it', () => {
    const s = schedule('UTC', { thu: [{ start: '22:00', end: '24:00' }], fri: [{ start: '00:00', end: '02:00' }], sat: [{ start: '22:00', end: '24:00' }] });
    expect(isOpen(s, at('2026-12-03T23:59:00Z'))).toBe(true);
    expect(isOpen(s, at('2026-12-04T00:00:00Z'))).toBe(true);
    expect(isOpen(s, at('2026-12-04T02:00:00Z'))).toBe(false);
    expect(isOpen(s, at('2026-12-05T23:30:00Z'))).toBe(true);
    expect(isOpen(s, at('2026-12-06T00:30:00Z'))).toBe(false); // Sunday has no range
  });

  it('is closed all day on a closed date, in the schedule\'s zone, not UTC', () => {
    const allDay = [{ start: '00:00', end: '24:00' }];
    const s = schedule('America/New_York', { thu: allDay, fri: allDay, sat: allDay }, ['2026-12-25']);
    expect(isOpen(s, at('2026-12-25T04:59:00Z'))).toBe(true); // Thu 24th 23:59 EST
    expect(isOpen(s, at('2026-12-25T05:00:00Z'))).toBe(false); // Fri 25th 00:00 EST
    expect(isOpen(s, at('2026-12-26T04:59:00Z'))).toBe(false);
    expect(isOpen(s, at('2026-12-26T05:00:00Z'))).toBe(true);
  });

  it('has several ranges a day, start included and end not; a day without ranges is closed', () => {
    const s = schedule('UTC', { mon: [{ start: '13:00', end: '17:30' }, { start: '08:00', end: '12:00' }], tue: [] });
    expect(isOpen(s, at('2026-12-07T07:59:59Z'))).toBe(false);
    expect(isOpen(s, at('2026-12-07T08:00:00Z'))).toBe(true);
    expect(isOpen(s, at('2026-12-07T12:00:00Z'))).toBe(false);
    expect(isOpen(s, at('2026-12-07T17:29:59Z'))).toBe(true);
    expect(isOpen(s, at('2026-12-07T17:30:00Z'))).toBe(false);
    expect(isOpen(s, at('2026-12-08T10:00:00Z'))).toBe(false);
  });
});

describe('localTime and zones', () => {
  it('gives the zone\'s date, weekday and minute', () => {
    expect(localTime('Asia/Tokyo', at('2026-12-31T15:30:00Z'))).toEqual({ date: '2027-01-01', weekday: 'fri', minute: 30 });
    expect(localTime('UTC', at('2026-12-31T00:00:00Z'))).toEqual({ date: '2026-12-31', weekday: 'thu', minute: 0 });
  });

  it('knows IANA zones and refuses others', () => {
    expect(['Europe/Berlin', 'America/New_York', 'UTC', 'Etc/GMT-5'].map(isKnownTimeZone)).toEqual([true, true, true, true]);
    expect(['Europe/Berlln', 'CEST+1', '', 'Mars/Olympus'].map(isKnownTimeZone)).toEqual([false, false, false, false]);
  });
});
