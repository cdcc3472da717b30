import { describe, expect, it } from 'vitest';
import { buildTexts } from './texts.js';
import { TRANSLATIONS } from './translations.js';
import { TypingAgents } from './typing-agents.js';

const t = buildTexts('en');

describe('TypingAgents (the typing line in a conference, ADR 0051 note)', () => {
  it('names the one agent typing, whoever it is, not the chat\'s holder', () => {
    const typing = new TypingAgents();
    expect(typing.line(t, 'Alice')).toBe('');
    typing.set(true, 'Bob', 'id-bob');
    expect(typing.line(t, 'Alice')).toBe('Bob is typing…');
  });

  it('says several agents are typing when two are, and one stopping leaves the other\'s line', () => {
    const typing = new TypingAgents();
    typing.set(true, 'Alice', 'id-alice');
    typing.set(true, 'Bob', 'id-bob');
    expect(typing.line(t, 'Alice')).toBe('Several agents are typing…');
    expect(buildTexts('de', TRANSLATIONS['de'] ?? {}).typingSeveral).toBe('Mehrere Mitarbeiter schreiben…');
    typing.set(false, 'Alice', 'id-alice');
    expect(typing.line(t, 'Alice')).toBe('Bob is typing…');
  });

  it('ends only the sender\'s typing at a message, and a leaver\'s at its leave', () => {
    const typing = new TypingAgents();
    typing.set(true, 'Alice', 'id-alice');
    typing.set(true, 'Bob', 'id-bob');
    typing.messaged('Bob', 'id-bob');
    expect(typing.line(t, 'Alice')).toBe('Alice is typing…');
    typing.set(true, 'Bob', 'id-bob');
    typing.left('Alice');
    expect(typing.line(t, 'Alice')).toBe('Bob is typing…');
    typing.clear();
    expect(typing.line(t, 'Alice')).toBe('');
  });

  it('falls back to the chat\'s agent\'s name from a server that sends no name nor id (one agent)', () => {
    const typing = new TypingAgents();
    typing.set(true, '', '');
    expect(typing.line(t, 'Alice')).toBe('Alice is typing…');
    typing.messaged('Alice', '');
    typing.messaged('', '');
    expect(typing.line(t, 'Alice')).toBe('');
  });
});
