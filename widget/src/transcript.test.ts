import { describe, expect, it } from 'vitest';
import { buildTexts } from './texts.js';
import { transcriptText } from './transcript.js';
import { TRANSLATIONS } from './translations.js';

describe('transcriptText', () => {
  const at = new Date(2026, 11, 3, 9, 5, 7);
  const lines = [{ at, from: '', text: 'Chat angefragt' }, { at, from: 'Sie', text: 'Hallo' }];

  it('heads the transcript in the widget’s language, its date written the language’s way', () => {
    const text = transcriptText(buildTexts('de', TRANSLATIONS['de'] ?? {}), 'de', 'Hilfe', lines);
    expect(text.split('\n').slice(0, 5)).toEqual(['Hilfe — Chatverlauf', 'Datum: Donnerstag, 3. Dezember 2026', '', '[09:05:07] -- Chat angefragt --', '[09:05:07] Sie: Hallo']);
  });

  it('in English by default', () => {
    expect(transcriptText(buildTexts('en'), 'en', 'Chat with us', lines).split('\n').slice(0, 2)).toEqual(['Chat with us — chat transcript', 'Date: Thursday, December 3, 2026']);
  });
});
