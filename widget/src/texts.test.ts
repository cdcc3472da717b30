import { describe, expect, it } from 'vitest';
import { buildTexts, EN, parseTextOverrides } from './texts.js';
import { TRANSLATIONS } from './translations.js';

describe('buildTexts', () => {
  it('is English by default, strings as strings and texts with placeholders as functions', () => {
    const t = buildTexts('en');
    expect(t.title).toBe('Chat with us');
    expect(t.chattingWith({ name: 'Alex' })).toBe('You are chatting with Alex.');
    expect(t.launcherOffline({ title: 'Help' })).toBe('Help (offline)');
  });

  it('picks plural forms by the language’s rules', () => {
    const en = buildTexts('en');
    expect([en.aboutMinutes({ n: 1 }), en.aboutMinutes({ n: 2 }), en.bytes({ n: 0 })]).toEqual(['about 1 minute', 'about 2 minutes', '0 bytes']);
    const fr = buildTexts('fr', TRANSLATIONS['fr'] ?? {});
    // French: 0 and 1 are singular.
    expect([fr.unread({ n: 0 }), fr.unread({ n: 1 }), fr.unread({ n: 2 })]).toEqual(['0 nouveau', '1 nouveau', '2 nouveaux']);
  });

  it('Arabic uses all its plural forms; Hebrew its one and other', () => {
    const ar = buildTexts('ar', TRANSLATIONS['ar'] ?? {});
    const n = (f: (v: { n: number }) => string) => [1, 2, 3, 11, 100].map((x) => f({ n: x }).replace(/[0-9٠-٩]+/g, '#'));
    expect(n(ar.aboutMinutes)).toEqual(['حوالي دقيقة واحدة', 'حوالي دقيقتين', 'حوالي # دقائق', 'حوالي # دقيقة', 'حوالي # دقيقة']);
    expect(n(ar.unread)).toEqual(['رسالة جديدة', 'رسالتان جديدتان', '# رسائل جديدة', '# رسالة جديدة', '# رسالة جديدة']);
    // 0 bytes: Arabic's `zero` is not given, so `other`.
    expect(ar.bytes({ n: 0 }).replace(/[0٠]/, '#')).toBe('# بايت');
    const he = buildTexts('he', TRANSLATIONS['he'] ?? {});
    expect(n(he.aboutMinutes)).toEqual(['כדקה', 'כשתי דקות', 'כ־# דקות', 'כ־# דקות', 'כ־# דקות']);
    expect(n(he.unread)).toEqual(['הודעה חדשה אחת', '# הודעות חדשות', '# הודעות חדשות', '# הודעות חדשות', '# הודעות חדשות']);
  });

  it('writes numbers as the language does', () => {
    expect(buildTexts('de', TRANSLATIONS['de'] ?? {}).megabytes({ n: 1.5 })).toBe('1,5 MB');
    expect(buildTexts('en').placeInLine({ n: 12345 })).toBe('You are number 12345 in line.');
  });

  it('lays the tables over each other: a translation, then a site’s overrides', () => {
    const t = buildTexts('de', TRANSLATIONS['de'] ?? {}, { title: 'Hilfe', aboutMinutes: 'ca. {n} Min.' });
    expect(t.title).toBe('Hilfe');
    expect(t.send).toBe('Senden');
    expect(t.aboutMinutes({ n: 1 })).toBe('ca. 1 Min.');
  });

  it('fills a value once: a name that looks like a placeholder stays as it is', () => {
    const t = buildTexts('en');
    expect(t.newMessage({ name: '{text}', text: '{name}' })).toBe('New message from {text}: {name}');
  });

  it('survives a language tag the browser cannot read', () => {
    expect(buildTexts('not a tag!', {}).aboutMinutes({ n: 2 })).toBe('about 2 minutes');
  });

  it('every bundled translation keeps every placeholder of the English text', () => {
    for (const [lang, table] of Object.entries(TRANSLATIONS)) {
      for (const key of Object.keys(EN) as (keyof typeof EN)[]) {
        const names = (m: unknown): string[] => [...JSON.stringify(m).matchAll(/\{(\w+)\}/g)].map((x) => x[1] ?? '').filter((n, i, a) => a.indexOf(n) === i).sort();
        expect(names(table[key]), `${lang}.${key}`).toEqual(names(EN[key]));
      }
    }
  });
});

describe('parseTextOverrides', () => {
  const collect = () => {
    const warnings: string[] = [];
    return { warnings, warn: (m: string) => warnings.push(m) };
  };

  it('takes strings, and plural forms for a text that counts', () => {
    const { warnings, warn } = collect();
    expect(parseTextOverrides('{"title":"Hilfe","bytes":{"one":"{n} B","other":"{n} B"}}', warn)).toEqual({ title: 'Hilfe', bytes: { one: '{n} B', other: '{n} B' } });
    expect(warnings).toEqual([]);
  });

  it('leaves out unknown keys and wrong types with a warning, and keeps the rest', () => {
    const { warnings, warn } = collect();
    const json = JSON.stringify({ titel: 'x', send: 42, title: { other: 'x' }, unread: { one: 'x' }, bytes: { one: 'a', other: 'b', lots: 'c' }, endChat: 'Stop', toString: 'x' });
    expect(parseTextOverrides(json, warn)).toEqual({ endChat: 'Stop' });
    expect(warnings).toEqual([
      'data-texts: unknown key "titel" ignored',
      'data-texts: "send" must be a string; ignored',
      'data-texts: "title" must be a string; ignored',
      'data-texts: "unread" must be a string or plural forms {"one": …, "other": …}; ignored',
      'data-texts: "bytes" must be a string or plural forms {"one": …, "other": …}; ignored',
      'data-texts: unknown key "toString" ignored',
    ]);
  });

  it('ignores what is not a JSON object, with a warning', () => {
    for (const bad of ['{title: "x"}', '"x"', '[1]', 'null']) {
      const { warnings, warn } = collect();
      expect(parseTextOverrides(bad, warn)).toEqual({});
      expect(warnings).toHaveLength(1);
    }
    expect(parseTextOverrides(undefined)).toEqual({});
    expect(parseTextOverrides('  ')).toEqual({});
  });
});
