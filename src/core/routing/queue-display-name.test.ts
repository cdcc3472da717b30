import { describe, expect, it } from 'vitest';
import { queueDisplayName } from './dispatcher.js';

describe('queue display name', () => {
  const labels: Record<string, string | undefined> = { '573000000000001': 'Billing questions', '573000000000002': '   ', '573000000000003': undefined };
  const catalog = { button: (id: string) => (id in labels ? { orgId: 'o', deploymentId: 'd', config: { label: labels[id] } } : undefined) } as never;

  it("names a button's queue by its label, else its id, and a skill's as `skill <name>`", () => {
    expect(queueDisplayName(catalog, '573000000000001')).toBe('Billing questions');
    expect(queueDisplayName(catalog, '573000000000002')).toBe('573000000000002');
    expect(queueDisplayName(catalog, '573000000000003')).toBe('573000000000003');
    expect(queueDisplayName(catalog, '573000000000009')).toBe('573000000000009');
    expect(queueDisplayName(catalog, 'skill:00D000000000001:billing')).toBe('skill billing');
  });
});
