import { describe, expect, it } from 'vitest';
import { adminErrorText, changeErrors, configFileNote, newPersonErrors, parseCapacity, parseSkills, settingsPatch, sourceLabel } from './team-form.ts';

const valid = { name: 'Kim Lee', username: 'kim', password: 'kim-secret', skills: 'billing', capacity: '3' };

describe('team form rules', () => {
  it('reads skills from a comma-separated line: trimmed, without empties or repeats', () => {
    expect(parseSkills(' billing, support ,, billing,sales ')).toEqual(['billing', 'support', 'sales']);
    expect(parseSkills('  ')).toEqual([]);
  });

  it('takes a capacity from 0 to 1000, whole numbers only', () => {
    expect(parseCapacity('0')).toBe(0);
    expect(parseCapacity(' 12 ')).toBe(12);
    for (const bad of ['', '-1', '1001', '2.5', 'three']) expect(parseCapacity(bad)).toMatch(/whole number from 0 to 1000/);
  });

  it('names every field a new person is missing, and nothing for a valid one', () => {
    expect(newPersonErrors(valid)).toEqual([]);
    expect(newPersonErrors({ name: ' ', username: '', password: 'short', skills: 'x', capacity: '' }).map((e) => e.field)).toEqual(['name', 'username', 'password', 'capacity']);
    expect(newPersonErrors({ ...valid, password: '1234567' })[0]?.message).toBe('A password has at least 8 characters');
    expect(newPersonErrors({ ...valid, skills: 'x'.repeat(129) })[0]?.field).toBe('skills');
    expect(changeErrors({ skills: 'a, b', capacity: '5' })).toEqual([]);
    expect(changeErrors({ skills: '', capacity: 'x' }).map((e) => e.field)).toEqual(['capacity']);
  });
});

describe("the editor's change", () => {
  const kim = { role: 'agent' as const, skills: ['billing', 'sales'], capacity: 5 };

  it('holds only the fields that differ from what the server has', () => {
    expect(settingsPatch(kim, { role: 'agent', skills: ['billing', 'sales'], capacity: 5 })).toEqual({});
    expect(settingsPatch(kim, { role: 'agent', skills: ['billing', 'sales', 'support'], capacity: 5 })).toEqual({ skills: ['billing', 'sales', 'support'] });
    expect(settingsPatch(kim, { role: 'agent', skills: ['billing'], capacity: 5 })).toEqual({ skills: ['billing'] });
    expect(settingsPatch(kim, { role: 'agent', skills: [], capacity: 5 })).toEqual({ skills: [] });
    expect(settingsPatch(kim, { role: 'supervisor', skills: ['billing', 'sales'], capacity: 0 })).toEqual({ role: 'supervisor', capacity: 0 });
  });
});

describe('admin error words', () => {
  it('says what LAST_ADMIN means and what to do', () => {
    const text = adminErrorText({ status: 409, body: 'Would leave the organization without an enabled admin: 005 is its only enabled admin; make another user admin first' }, 'Ada Admin');
    expect(text).toBe("Not changed: Ada Admin is the organization's only enabled admin. Make another person admin first, then change Ada Admin.");
    expect(adminErrorText({ status: 409, body: 'Would leave the organization without an enabled admin' }, 'Ada Admin', true))
      .toBe("Not changed: you are the organization's only enabled admin. Make another person admin first.");
    // Other admins, none of whom anyone can sign in as: the server's detail says why, the words pass it on.
    expect(adminErrorText({ status: 409, body: 'Would leave the organization without an enabled admin: 005A: no other enabled admin of its org can sign in (005B has no password and no unrevoked admin API key); give one a password and username or an admin API key, or make another user admin first' }, 'Ada Admin'))
      .toBe("Not changed: Ada Admin is the organization's only admin anyone can sign in as (005B has no password and no unrevoked admin API key). Give another admin a username and password or an admin API key, or make another person admin first.");
    // Revoking the last admin API key: the key is what was not changed, and another key is the way out.
    expect(adminErrorText({ status: 409, body: "Would leave the organization without an enabled admin: API key 1a2b is the last way to sign in as an admin of 005A's org; make another admin API key or give 005A a password first, then revoke this one" }))
      .toBe('Not revoked: this key is the last way anyone can sign in as an admin of the organization. Make another admin API key (or give the admin a username and password) first, then revoke this one.');
    // Another 409 is not LAST_ADMIN.
    expect(adminErrorText({ status: 409, body: 'Conflict: user 005 exists' }, 'Ada Admin', true)).toBe('Not saved: user 005 exists.');
  });

  it("passes on the server's detail for a taken username and a refused field", () => {
    expect(adminErrorText({ status: 409, body: 'Conflict: username kim is taken' })).toBe('Not saved: username kim is taken.');
    expect(adminErrorText({ status: 400, body: 'Invalid request body: body/password must NOT have fewer than 8 characters' })).toBe('The server refused it: body/password must NOT have fewer than 8 characters.');
    expect(adminErrorText({ status: 403, body: 'Forbidden' })).toMatch(/Only admins/);
    expect(adminErrorText({ status: 503, body: '' })).toMatch(/server had a problem/);
    expect(adminErrorText(new TypeError('fetch failed'))).toMatch(/Cannot reach the server/);
  });
});

describe('where a person is defined', () => {
  it('names the config file or the admin API', () => {
    expect(sourceLabel('config')).toBe('Config file');
    expect(sourceLabel('api')).toBe('Admin API');
  });

  it("tells only a config user's editor that the file wins once the entry changes", () => {
    expect(configFileNote('config')).toMatch(/^This person is in the server's config file: .*the file then wins at the next start, disabled included\.$/);
    expect(configFileNote('api')).toBeUndefined();
  });
});
