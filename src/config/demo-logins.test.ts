/**
 * The demo logins start-up prints: only those the config's demo org still has, with that
 * username and that demo password (a printed login that fails would mislead).
 */
import { describe, expect, it } from 'vitest';
import type { OrgConfig } from './config-schema.js';
import { DEMO_LOGINS, demoLoginsIn, demoOrg } from './demo-deployment.js';

describe('demoLoginsIn', () => {
  it('lists the demo logins the demo org has, and none of those it changed or dropped', () => {
    expect(demoLoginsIn([demoOrg])).toEqual([...DEMO_LOGINS]);
    const changed: OrgConfig = {
      ...structuredClone(demoOrg),
      agents: structuredClone(demoOrg.agents)
        .filter((a) => a.username !== 'supervisor')
        .map((a) => (a.username === 'admin' ? { ...a, password: 'scrypt:$something-else' } : a)),
    };
    expect(demoLoginsIn([changed]).map((l) => l.username)).toEqual(['agent']);
    expect(demoLoginsIn([{ ...structuredClone(demoOrg), id: '00D000000000777' }])).toEqual([]);
    expect(demoLoginsIn([])).toEqual([]);
  });
});
