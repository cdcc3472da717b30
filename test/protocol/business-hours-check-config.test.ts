/**
 * `switchboard check-config` on business hours schedules (ADR 0062): a bad file fails with
 * every problem named at its path, serve refuses it before opening the store, and the same
 * file put right passes. (The checks one by one: src/config/business-hours-config.test.ts.)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const MAIN = join('dist', 'src', 'cli', 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'sb-hours-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (...args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', timeout: 20_000 });

/** A config whose schedule has the given zone, Monday ranges and closed dates, and whose button names `named`. */
function file(name: string, o: { zone: string; mon: string; closed: string; named: string }): string {
  const path = join(dir, name);
  writeFileSync(path, [
    'orgs:',
    '  - id: "00D000000000009"',
    '    businessHours:',
    '      - name: office',
    `        timeZone: ${o.zone}`,
    '        weekly:',
    `          mon: ${o.mon}`,
    '          fri: [{ start: "18:00", end: "24:00" }]',
    `        closedDates: ${o.closed}`,
    '    deployments:',
    '      - id: "572000000000009"',
    '        buttons:',
    `          - { id: "573000000000009", skills: [support], businessHours: ${o.named} }`,
    '',
  ].join('\n'));
  return path;
}

describe('check-config on business hours', () => {
  it('names each problem of a bad schedule and an unknown schedule name; serve refuses the file; put right, it passes', () => {
    const bad = file('bad-hours.yaml', {
      zone: 'Europe/Berlln',
      mon: '[{ start: "09:00", end: "13:00" }, { start: "12:00", end: "17:00" }, { start: "18:00", end: "8:00" }]',
      closed: '["2026-12-25", "2026-13-01"]',
      named: 'ofice',
    });
    const check = run('check-config', bad);
    expect(check.status, check.stderr).toBe(1);
    for (const line of [
      '/orgs/0/businessHours/0/timeZone: "Europe/Berlln" is not a known IANA time zone',
      '/orgs/0/businessHours/0/weekly/mon/2/end: "8:00" is not a time HH:MM from 00:01 to 24:00',
      '/orgs/0/businessHours/0/weekly/mon/1: overlaps /orgs/0/businessHours/0/weekly/mon/0 (09:00–13:00)',
      '/orgs/0/businessHours/0/closedDates/1: "2026-13-01" is not a date YYYY-MM-DD',
      '/orgs/0/deployments/0/buttons/0/businessHours: no schedule "ofice" in this org\'s businessHours (it has office)',
    ]) expect(check.stderr).toContain(line);
    expect(check.stderr).not.toContain('closedDates/0');
    expect(check.stderr).not.toContain('weekly/fri');

    const dataDir = join(dir, 'bad-hours-data');
    const serve = spawnSync(process.execPath, [MAIN, 'serve', '--config', bad, '--port', '0', '--data-dir', dataDir], { encoding: 'utf8', timeout: 20_000 });
    expect(serve.status).toBe(1);
    expect(serve.stderr).toContain('/orgs/0/businessHours/0/timeZone');
    expect(existsSync(dataDir), 'refused before the store was opened').toBe(false);

    const good = file('good-hours.yaml', {
      zone: 'Europe/Berlin',
      mon: '[{ start: "09:00", end: "12:00" }, { start: "12:00", end: "17:30" }]',
      closed: '["2026-12-25"]',
      named: 'office',
    });
    const ok = run('check-config', good);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toBe(`${good}: ok\n`);
  });
});
