import { describe, expect, it } from 'vitest';
import { fillPlaceholders, filterQuickTexts, insertText, opensPicker } from './quick-text-rules.ts';

const q = (id: string, title: string, text: string) => ({ id, title, text, skills: [], source: 'config' as const });
const ALL = [
  q('greeting', 'Greeting', 'Hello {{visitor.name}}, this is {{agent.name}}.'),
  q('order', 'Ask for the order number', 'Could you give me your order number?'),
  q('closing', 'Closing', 'Is there anything else? Have a good day!'),
  q('gruss', 'Begrüßung', 'Guten Tag!'),
];

describe('quick text filter', () => {
  it('finds everything for an empty or blank filter, in the configured order', () => {
    expect(filterQuickTexts(ALL, '').map((x) => x.id)).toEqual(['greeting', 'order', 'closing', 'gruss']);
    expect(filterQuickTexts(ALL, '   ').map((x) => x.id)).toEqual(['greeting', 'order', 'closing', 'gruss']);
  });

  it('matches every word in the title or the text, in any case and order', () => {
    expect(filterQuickTexts(ALL, 'ORDER').map((x) => x.id)).toEqual(['order']);
    expect(filterQuickTexts(ALL, 'number could').map((x) => x.id)).toEqual(['order']);
    expect(filterQuickTexts(ALL, 'good day').map((x) => x.id)).toEqual(['closing']);
    expect(filterQuickTexts(ALL, 'order day')).toEqual([]);
    expect(filterQuickTexts(ALL, 'refund')).toEqual([]);
  });

  it('puts titles that start with the filter first', () => {
    // "g" is in every one: the titles starting with it lead, the others keep their order.
    expect(filterQuickTexts(ALL, 'g').map((x) => x.id)).toEqual(['greeting', 'order', 'closing', 'gruss']);
    expect(filterQuickTexts(ALL, 'clos').map((x) => x.id)).toEqual(['closing']);
    expect(filterQuickTexts(ALL, 'a').map((x) => x.id)).toEqual(['order', 'greeting', 'closing', 'gruss']);
  });

  it('ignores accents', () => {
    expect(filterQuickTexts(ALL, 'BEGRU').map((x) => x.id)).toEqual(['gruss']);
  });
});

describe('quick text placeholders', () => {
  it('fills in the visitor\'s and the agent\'s names, spaces in the braces allowed', () => {
    expect(fillPlaceholders('Hello {{visitor.name}}, this is {{ agent.name }}.', { visitorName: 'Vera', agentName: 'Alex Agent' })).toBe('Hello Vera, this is Alex Agent.');
    expect(fillPlaceholders('{{visitor.name}} {{visitor.name}}', { visitorName: 'Vera', agentName: 'A' })).toBe('Vera Vera');
  });

  it('leaves a placeholder whose name is not known, and other braces, as they are', () => {
    expect(fillPlaceholders('Hello {{visitor.name}}!', { visitorName: ' ', agentName: 'A' })).toBe('Hello {{visitor.name}}!');
    // A visitor who gave no name is "Visitor" to the server and the widget: not a name to greet with.
    expect(fillPlaceholders('Hello {{visitor.name}}!', { visitorName: 'Visitor', agentName: 'A' })).toBe('Hello {{visitor.name}}!');
    expect(fillPlaceholders('{{order.id}} {agent.name}', { visitorName: 'V', agentName: 'A' })).toBe('{{order.id}} {agent.name}');
  });

  it('puts names in as plain text: markup in a name stays text, and $ patterns are not replacement patterns', () => {
    expect(fillPlaceholders('Hi {{visitor.name}}', { visitorName: '<b>$&</b>', agentName: 'A' })).toBe('Hi <b>$&</b>');
  });
});

describe('quick text insertion', () => {
  it('inserts at the caret and puts the caret after the text', () => {
    expect(insertText('', 0, 0, 'Hello')).toEqual({ value: 'Hello', caret: 5 });
    expect(insertText('Hi . Bye', 3, 3, 'there')).toEqual({ value: 'Hi there. Bye', caret: 8 });
  });

  it('replaces the selection', () => {
    expect(insertText('Hi XXX!', 3, 6, 'you')).toEqual({ value: 'Hi you!', caret: 6 });
  });

  it('keeps out-of-range positions inside the value', () => {
    expect(insertText('abc', 10, 12, 'd')).toEqual({ value: 'abcd', caret: 4 });
    expect(insertText('abc', 2, 1, 'X')).toEqual({ value: 'abXc', caret: 3 });
  });

  it('cuts the inserted text to stay within the limit, never between the halves of a surrogate pair', () => {
    expect(insertText('12345', 5, 5, 'abcdef', 8)).toEqual({ value: '12345abc', caret: 8 });
    expect(insertText('1234567', 7, 7, 'x😀', 9)).toEqual({ value: '1234567x', caret: 8 });
    expect(insertText('full', 4, 4, 'more', 4)).toEqual({ value: 'full', caret: 4 });
  });
});

describe('the / shortcut', () => {
  const none = { ctrlKey: false, altKey: false, metaKey: false };
  it('opens the picker for / in an empty box only', () => {
    expect(opensPicker('/', '', none)).toBe(true);
    expect(opensPicker('/', 'a', none)).toBe(false);
    expect(opensPicker('a', '', none)).toBe(false);
    expect(opensPicker('/', '', { ...none, ctrlKey: true })).toBe(false);
  });
});
