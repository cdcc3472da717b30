import { describe, expect, it } from 'vitest';
import { ConfigError, validateConfig } from './load-config.js';
import { unknownSettings } from './unknown-settings.js';
import { postChatUrlProblems } from './widget-button-checks.js';

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

describe('postChatUrlProblems', () => {
  it('takes http(s) URLs, URLs relative to the page, and none', () => {
    const ok = ['https://example.com/survey?x=1', 'http://example.com/', 'HTTPS://EXAMPLE.COM', '/survey', 'survey.html', '//cdn.example.com/s', '', '  ', undefined];
    const c = validateConfig(config(ok.map((u) => (u === undefined ? {} : { postChatUrl: u }))), 'test');
    expect(postChatUrlProblems(c)).toEqual([]);
  });

  it('names each button whose URL the widget would not open, however the scheme is spelled', () => {
    const bad = ['javascript:alert(1)', ' JavaScript:alert(1)', 'java\tscript:alert(1)', 'mailto:help@example.com', 'data:text/html,hi', 'localhost:8080/survey', 'https://'];
    const c = validateConfig(config(bad.map((u) => ({ postChatUrl: u }))), 'test');
    const problems = postChatUrlProblems(c);
    expect(problems).toHaveLength(bad.length);
    expect(problems[0]).toBe('/orgs/0/deployments/0/buttons/0/postChatUrl: button 573000000000000: "javascript:alert(1)" is not an http(s) URL, so the widget shows no link to it');
    expect(problems[3]).toContain('buttons/3/postChatUrl: button 573000000000003: "mailto:help@example.com"');
  });

  it('serve still loads such a config (another Live Agent client may open the URL)', () => {
    expect(problemsOf(config([{ postChatUrl: 'mailto:help@example.com' }]))).toEqual([]);
  });
});

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
