import { describe, expect, it } from 'vitest';
import { refusal } from './config-files.test-support.js';
import { validateConfig } from './load-config.js';
import { unknownSettings } from './unknown-settings.js';

const ORG = '00D000000000009';

/** A config of one org with `businessHours` and buttons (ids given in order). */
const config = (businessHours: unknown[], buttons: Record<string, unknown>[] = []) => ({
  orgs: [{ id: ORG, businessHours, deployments: [{ id: '572000000000009', buttons: buttons.map((b, i) => ({ id: `57300000000000${i}`, ...b })) }] }],
});

const office = { name: 'office', timeZone: 'Europe/Berlin', weekly: { mon: [{ start: '09:00', end: '12:00' }, { start: '13:00', end: '17:30' }], fri: [{ start: '18:00', end: '24:00' }] }, closedDates: ['2026-12-25'] };

const problems = (raw: unknown): string[] => refusal(() => validateConfig(raw, 'test')).problems;

describe('businessHours in the config', () => {
  it('takes named schedules and buttons naming them; a button without one is always open', () => {
    const raw = config([office, { name: 'weekend', timeZone: 'UTC', weekly: { sat: [{ start: '00:00', end: '24:00' }] } }], [{ businessHours: 'office' }, {}]);
    const c = validateConfig(raw, 'test');
    expect(c.orgs[0]!.businessHours[1]).toEqual({ name: 'weekend', timeZone: 'UTC', weekly: { sat: [{ start: '00:00', end: '24:00' }] }, closedDates: [] });
    expect(c.orgs[0]!.deployments[0]!.buttons.map((b) => b.businessHours)).toEqual(['office', undefined]);
    expect(unknownSettings(raw)).toEqual([]);
  });

  it('refuses a time zone that is not an IANA one', () => {
    expect(problems(config([{ ...office, timeZone: 'Europe/Berlln' }]))).toEqual([
      '/orgs/0/businessHours/0/timeZone: "Europe/Berlln" is not a known IANA time zone (such as Europe/Berlin, America/New_York, UTC)',
    ]);
  });

  it('refuses a button naming a schedule its org does not have, also one of another org', () => {
    expect(problems(config([office], [{ businessHours: 'ofice' }]))).toEqual([
      '/orgs/0/deployments/0/buttons/0/businessHours: no schedule "ofice" in this org\'s businessHours (it has office)',
    ]);
    const two = config([], [{ businessHours: 'office' }]);
    two.orgs.push({ id: '00D000000000008', businessHours: [office], deployments: [] });
    expect(problems(two)).toEqual(['/orgs/0/deployments/0/buttons/0/businessHours: no schedule "office" in this org\'s businessHours (it has none)']);
  });

  it('refuses malformed times, 24:00 as a start, and ranges that end before they start', () => {
    const weekly = { tue: [{ start: '9:00', end: '17:00' }, { start: '10:00', end: '24:30' }, { start: '24:00', end: '24:00' }], wed: [{ start: '17:00', end: '09:00' }, { start: '12:00', end: '12:00' }] };
    expect(problems(config([{ ...office, weekly }]))).toEqual([
      '/orgs/0/businessHours/0/weekly/tue/0/start: "9:00" is not a time HH:MM from 00:00 to 23:59',
      '/orgs/0/businessHours/0/weekly/tue/1/end: "24:30" is not a time HH:MM from 00:01 to 24:00',
      '/orgs/0/businessHours/0/weekly/tue/2/start: "24:00" is not a time HH:MM from 00:00 to 23:59',
      '/orgs/0/businessHours/0/weekly/wed/0: ends at 09:00, not after it starts (17:00); a range cannot cross midnight: split it into wed until 24:00 and the next day from 00:00',
      '/orgs/0/businessHours/0/weekly/wed/1: ends at 12:00, not after it starts (12:00); a range cannot cross midnight: split it into wed until 24:00 and the next day from 00:00',
    ]);
  });

  it('refuses overlapping ranges of a day, in whatever order they are written; touching ones are fine', () => {
    const weekly = { thu: [{ start: '13:00', end: '18:00' }, { start: '09:00', end: '13:00' }, { start: '17:00', end: '19:00' }] };
    expect(problems(config([{ ...office, weekly }]))).toEqual(['/orgs/0/businessHours/0/weekly/thu/2: overlaps /orgs/0/businessHours/0/weekly/thu/0 (13:00–18:00)']);
  });

  it('refuses closed dates that are no calendar dates', () => {
    expect(problems(config([{ ...office, closedDates: ['2026-12-25', '2026-02-30', '25.12.2026', '2026-1-1'] }]))).toEqual([
      '/orgs/0/businessHours/0/closedDates/1: "2026-02-30" is not a date YYYY-MM-DD',
      '/orgs/0/businessHours/0/closedDates/2: "25.12.2026" is not a date YYYY-MM-DD',
      '/orgs/0/businessHours/0/closedDates/3: "2026-1-1" is not a date YYYY-MM-DD',
    ]);
  });

  it('refuses two schedules of one name in an org', () => {
    expect(problems(config([office, { ...office, timeZone: 'UTC' }]))).toEqual(['/orgs/0/businessHours/1/name: schedule name office is already used at /orgs/0/businessHours/0/name']);
  });

  it('refuses a schedule without a time zone, and a range without an end, through the schema', () => {
    expect(problems(config([{ name: 'x', weekly: {} }])).join('\n')).toContain('/orgs/0/businessHours/0');
    expect(problems(config([{ name: 'x', timeZone: 'UTC', weekly: { mon: [{ start: '09:00' }] } }])).join('\n')).toContain('/orgs/0/businessHours/0/weekly/mon/0');
  });

  it('warns of a misspelled day (an unknown key), as of any other unknown setting', () => {
    expect(unknownSettings(config([{ ...office, weekly: { monday: [{ start: '09:00', end: '17:00' }] } }]))).toEqual(['orgs[0].businessHours[0].weekly.monday: unknown setting (did you mean mon?)']);
  });
});
