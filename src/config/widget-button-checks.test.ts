import { describe, expect, it } from 'vitest';
import { ConfigError, validateConfig } from './load-config.js';
import { unknownSettings } from './unknown-settings.js';

const config = (buttons: Record<string, unknown>[]) => ({
  orgs: [{ id: '00D000000000009', deployments: [{ id: '572000000000009', buttons: buttons.map((b, i) => ({ id: `57300000000000${i}`, ...b })) }], agents: [] }],
});

const problemsOf = (raw: unknown): string[] => {
  try {
    validateConfig(raw, 'test');
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
};

describe('prechatForm labels', () => {
  const form = (labels: unknown) => config([{ prechatForm: [{ label: 'Name', name: 'name', labels }] }]);

  it('are a map of language tag to label, known to the schema', () => {
    const raw = form({ de: 'Name', 'pt-BR': 'Nome', ar: 'الاسم' });
    const c = validateConfig(raw, 'test');
    expect(c.orgs[0]!.deployments[0]!.buttons[0]!.prechatForm![0]!.labels).toEqual({ de: 'Name', 'pt-BR': 'Nome', ar: 'الاسم' });
    expect(unknownSettings(raw)).toEqual([]);
  });

  it('refuse a key that is no language tag, and an empty or non-text label', () => {
    expect(problemsOf(form({ de_DE: 'Name', 'de DE': 'Name', 'de-AT': 'Name' }))).toEqual([
      '/orgs/0/deployments/0/buttons/0/prechatForm/0/labels: "de_DE" is not a language tag (such as de, fr-CA, pt-BR)',
      '/orgs/0/deployments/0/buttons/0/prechatForm/0/labels: "de DE" is not a language tag (such as de, fr-CA, pt-BR)',
    ]);
    expect(problemsOf(form({ de: '' })).join('\n')).toContain('/orgs/0/deployments/0/buttons/0/prechatForm/0/labels/de');
    expect(problemsOf(form({ de: 5 })).join('\n')).toContain('/orgs/0/deployments/0/buttons/0/prechatForm/0/labels/de');
  });
});
