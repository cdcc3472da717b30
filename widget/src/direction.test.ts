import { describe, expect, it } from 'vitest';
import { textDirection } from './direction.js';
import { widgetLanguage } from './language.js';
import { TRANSLATIONS } from './translations.js';

describe('textDirection', () => {
  it('is rtl for the languages written right to left, in any case and region', () => {
    for (const tag of ['ar', 'AR', 'ar-EG', 'he', 'he-IL', 'iw', 'fa', 'fa-IR', 'ur-PK', 'ps', 'yi', 'ckb', 'ar_SA']) expect(textDirection(tag), tag).toBe('rtl');
  });

  it('is ltr for the others, English among them', () => {
    for (const tag of ['en', 'de', 'pt-BR', 'fr-CA', 'ku', 'az', 'pa', 'tr', 'hi', 'arn', '', 'not a tag!']) expect(textDirection(tag), tag).toBe('ltr');
  });

  it('follows a script subtag over the language', () => {
    expect(textDirection('az-Arab')).toBe('rtl');
    expect(textDirection('pa-Arab-PK')).toBe('rtl');
    expect(textDirection('ku-Arab')).toBe('rtl');
    expect(textDirection('ar-Latn')).toBe('ltr');
    expect(textDirection('uz-Latn')).toBe('ltr');
  });

  it('the widget’s language decides: data-lang="ar" on an English page is right to left, an English widget on a Hebrew page left to right', () => {
    const have = ['en', ...Object.keys(TRANSLATIONS)];
    expect(textDirection(widgetLanguage('ar', 'en', ['en-US'], have, false).lang)).toBe('rtl');
    expect(textDirection(widgetLanguage('he-IL', undefined, [], have, false).lang)).toBe('rtl');
    expect(textDirection(widgetLanguage('en', 'he', ['he-IL'], have, false).lang)).toBe('ltr');
    expect(textDirection(widgetLanguage(undefined, 'ar-EG', [], have, false).lang)).toBe('rtl');
    // A site that translated the widget into Persian itself (data-texts): right to left too.
    expect(textDirection(widgetLanguage('fa', 'en', [], have, true).lang)).toBe('rtl');
  });
});
