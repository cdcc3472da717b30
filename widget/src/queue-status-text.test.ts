import { describe, expect, it } from 'vitest';
import { queueStatusText, waitText } from './queue-status-text.js';
import { buildTexts } from './texts.js';
import { TRANSLATIONS } from './translations.js';

const t = buildTexts('en');

describe('queueStatusText', () => {
  it('tells the place in line, next in line at 1', () => {
    expect(queueStatusText(t, 1, undefined)).toBe('You are next in line (position 1).');
    expect(queueStatusText(t, 3, undefined)).toBe('You are number 3 in line.');
  });

  it('tells no place for position 0 (a chat waiting for one named agent stands in no line)', () => {
    expect(queueStatusText(t, 0, undefined)).toBe('Waiting for your agent to answer.');
    expect(queueStatusText(t, 0, 30)).toBe('Waiting for your agent to answer. Estimated wait: less than a minute.');
  });

  it('adds the estimated wait when known', () => {
    expect(queueStatusText(t, 2, 150)).toBe('You are number 2 in line. Estimated wait: about 3 minutes.');
    expect(waitText(t, undefined)).toBe('');
    expect(waitText(t, -1)).toBe('');
  });

  it('counts minutes with the language’s plural forms', () => {
    expect(waitText(t, 60)).toBe('about 1 minute');
    expect(waitText(t, 89)).toBe('about 1 minute');
    expect(waitText(t, 90)).toBe('about 2 minutes');
    const de = buildTexts('de', TRANSLATIONS['de'] ?? {});
    expect(queueStatusText(de, 4, 60)).toBe('Sie sind auf Position 4 in der Warteschlange. Geschätzte Wartezeit: etwa 1 Minute.');
    expect(queueStatusText(de, 1, 300)).toBe('Sie sind als Nächstes an der Reihe (Position 1). Geschätzte Wartezeit: etwa 5 Minuten.');
    const pt = buildTexts('pt-BR', TRANSLATIONS['pt-BR'] ?? {});
    expect(queueStatusText(pt, 0, 20)).toBe('Aguardando a resposta do seu atendente. Espera estimada: menos de um minuto.');
  });
});
