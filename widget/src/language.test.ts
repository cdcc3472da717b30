import { describe, expect, it } from 'vitest';
import { chooseLanguage, localLabel, widgetLanguage } from './language.js';

const HAVE = ['en', 'de', 'fr', 'es', 'pt-BR'];

describe('chooseLanguage', () => {
  it('takes a tag the widget has, in any case and with _ for -', () => {
    expect(chooseLanguage(['de'], HAVE)).toBe('de');
    expect(chooseLanguage(['pt-br'], HAVE)).toBe('pt-BR');
    expect(chooseLanguage(['PT_BR'], HAVE)).toBe('pt-BR');
  });

  it('takes the language of a regional tag, and the one table of a language it has under another region', () => {
    expect(chooseLanguage(['de-AT'], HAVE)).toBe('de');
    expect(chooseLanguage(['fr-CA'], HAVE)).toBe('fr');
    expect(chooseLanguage(['es-419'], HAVE)).toBe('es');
    expect(chooseLanguage(['pt'], HAVE)).toBe('pt-BR');
    expect(chooseLanguage(['pt-PT'], HAVE)).toBe('pt-BR');
    expect(chooseLanguage(['en-GB'], HAVE)).toBe('en');
  });

  it('with several tables of one language, a regional tag it lacks takes the plain language, not a sibling region', () => {
    expect(chooseLanguage(['pt-PT'], ['en', 'pt', 'pt-BR'])).toBe('pt');
    expect(chooseLanguage(['de-AT'], ['en', 'de-CH', 'de'])).toBe('de');
    // Two regions and no plain language: no guess between them.
    expect(chooseLanguage(['pt-AO'], ['en', 'pt-PT', 'pt-BR'])).toBeUndefined();
  });

  it('passes over what it has not, and empty tags, for the next; none: undefined', () => {
    expect(chooseLanguage(['it-IT', '', null, undefined, 'es-MX'], HAVE)).toBe('es');
    expect(chooseLanguage(['it', 'nl'], HAVE)).toBeUndefined();
    expect(chooseLanguage([], HAVE)).toBeUndefined();
  });
});

describe('legacy language tags (browsers, Android\'s java.util.Locale)', () => {
  const TABLES = ['en', 'de', 'he', 'ar'];

  it('iw, in and ji are matched as he, id and yi, with or without a region, in any case', () => {
    expect(chooseLanguage(['iw'], TABLES)).toBe('he');
    expect(chooseLanguage(['iw-IL'], TABLES)).toBe('he');
    expect(chooseLanguage(['IW_il'], TABLES)).toBe('he');
    expect(chooseLanguage(['in-ID'], ['en', 'id'])).toBe('id');
    expect(chooseLanguage(['ji'], ['en', 'yi'])).toBe('yi');
  });

  it('the browser\'s iw-IL gets the Hebrew widget, and data-lang="iw" too', () => {
    expect(widgetLanguage(undefined, undefined, ['iw-IL', 'en-US'], TABLES, false)).toEqual({ lang: 'he', table: 'he' });
    expect(widgetLanguage('iw', 'en', [], TABLES, false)).toEqual({ lang: 'he', table: 'he' });
  });

  it('a legacy key of a pre-chat label matches the modern language, and the other way round', () => {
    expect(localLabel('Name', { iw: 'שם' }, 'he')).toBe('שם');
    expect(localLabel('Name', { he: 'שם' }, 'iw-IL')).toBe('שם');
    expect(localLabel('Name', { id: 'Nama' }, 'in')).toBe('Nama');
  });

  it('only the language subtag is mapped: "in" as a region or a lookalike is left alone', () => {
    expect(chooseLanguage(['en-IN'], TABLES)).toBe('en');
    expect(chooseLanguage(['iwx'], TABLES)).toBeUndefined();
  });
});

describe('widgetLanguage', () => {
  const quiet = (): void => {};

  it('data-lang, else <html lang>, else the browser, else English', () => {
    expect(widgetLanguage('fr', 'de', ['es'], HAVE, false, quiet)).toEqual({ lang: 'fr', table: 'fr' });
    expect(widgetLanguage(undefined, 'de-CH', ['es'], HAVE, false, quiet)).toEqual({ lang: 'de', table: 'de' });
    expect(widgetLanguage('', '', ['it-IT', 'pt-BR', 'en'], HAVE, false, quiet)).toEqual({ lang: 'pt-BR', table: 'pt-BR' });
    expect(widgetLanguage(undefined, undefined, ['it', 'nl'], HAVE, false, quiet)).toEqual({ lang: 'en', table: 'en' });
  });

  it('a page in English gets English, whatever the browser prefers', () => {
    expect(widgetLanguage(undefined, 'en', ['de-DE', 'de'], HAVE, false, quiet)).toEqual({ lang: 'en', table: 'en' });
  });

  it('a data-lang without a table names the language when the site gives its own texts; else it is passed over with a warning', () => {
    expect(widgetLanguage('it', 'it', ['de'], HAVE, true, quiet)).toEqual({ lang: 'it', table: 'en' });
    const warnings: string[] = [];
    expect(widgetLanguage('it', 'it', ['de'], HAVE, false, (m) => warnings.push(m))).toEqual({ lang: 'de', table: 'de' });
    expect(warnings).toEqual(['data-lang="it": no bundled texts for it; give them in data-texts']);
  });

  it('a data-lang that is no language tag is passed over with a warning; a good one is written canonically', () => {
    const warnings: string[] = [];
    expect(widgetLanguage('not a tag!', 'fr', [], HAVE, true, (m) => warnings.push(m))).toEqual({ lang: 'fr', table: 'fr' });
    expect(warnings).toEqual(['data-lang="not a tag!" is not a language tag; it is ignored']);
    expect(widgetLanguage('IT-it', undefined, [], HAVE, true, quiet)).toEqual({ lang: 'it-IT', table: 'en' });
  });
});

describe('localLabel', () => {
  const labels = { de: 'Ihr Name', 'pt-BR': 'Seu nome', ar: 'اسمك', 'fr-CA': 'Votre nom (CA)', fr: 'Votre nom' };

  it('takes the label of the widget’s language: the tag itself, else its language alone, else the one label of that language', () => {
    expect(localLabel('Your name', labels, 'de')).toBe('Ihr Name');
    expect(localLabel('Your name', labels, 'de-AT')).toBe('Ihr Name');
    expect(localLabel('Your name', labels, 'ar')).toBe('اسمك');
    expect(localLabel('Your name', labels, 'fr-CA')).toBe('Votre nom (CA)');
    expect(localLabel('Your name', labels, 'fr-BE')).toBe('Votre nom');
    expect(localLabel('Your name', labels, 'pt')).toBe('Seu nome');
    expect(localLabel('Your name', { 'PT-br': 'Seu nome' }, 'pt-BR')).toBe('Seu nome');
  });

  it('falls back to `label` without a label in that language, without labels, and for an empty one', () => {
    expect(localLabel('Your name', labels, 'he')).toBe('Your name');
    expect(localLabel('Your name', labels, 'en')).toBe('Your name');
    expect(localLabel('Your name', undefined, 'de')).toBe('Your name');
    expect(localLabel('Your name', { de: '' }, 'de')).toBe('Your name');
  });
});
