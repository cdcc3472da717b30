import { describe, expect, it } from 'vitest';
import { escapeRawControlsInStrings, mayHoldNul, parseClientJson, replaceNul, withoutNulParsedFrom } from './client-json.js';

describe('parseClientJson', () => {
  it('parses JSON as JSON.parse does', () => {
    expect(parseClientJson('{"text":"hi\\n","n":[1,{"a":null}]}')).toEqual({ text: 'hi\n', n: [1, { a: null }] });
  });

  it('reads raw control characters inside strings as if escaped', () => {
    expect(parseClientJson('{"text":"line one\nline two\tend\r"}')).toEqual({ text: 'line one\nline two\tend\r' });
    expect(parseClientJson('{"a":"\u0001\u001f","b":"x"}')).toEqual({ a: '\u0001\u001f', b: 'x' });
  });

  it('keeps JSON whitespace between tokens as it is, and follows escaped quotes and backslashes', () => {
    expect(parseClientJson('{\n\t"text":\r\n"a\\"\nb",\n"c":"\\\\\n"\n}')).toEqual({ text: 'a"\nb', c: '\\\n' });
  });

  it('replaces NUL, escaped or raw, in strings and keys at any depth, by U+FFFD', () => {
    expect(parseClientJson('{"text":"a\\u0000b","k\\u0000":[["\\u0000"]],"d":{"e":"\\u0000"}}'))
      .toEqual({ text: 'a\uFFFDb', 'k\uFFFD': [['\uFFFD']], d: { e: '\uFFFD' } });
    expect(parseClientJson('{"text":"a\u0000b"}')).toEqual({ text: 'a\uFFFDb' });
    expect(parseClientJson('"\\u0000"')).toBe('\uFFFD');
  });

  it('an escaped backslash before u0000 is text, not a NUL', () => {
    expect(parseClientJson('{"text":"\\\\u0000"}')).toEqual({ text: '\\u0000' });
  });

  it('throws JSON.parse\'s error for the text as sent when it is not JSON either way', () => {
    expect(() => parseClientJson('{"text":"a"\u0001}')).toThrow(SyntaxError);
    expect(() => parseClientJson('{"text":"a\n')).toThrow(/JSON/);
    expect(() => parseClientJson('{"text":')).toThrow(SyntaxError);
  });
});

describe('escapeRawControlsInStrings', () => {
  it('is undefined when no string holds a raw control character', () => {
    expect(escapeRawControlsInStrings('{\n"a":\t"b"\r\n}')).toBeUndefined();
  });

  it('escapes only inside strings', () => {
    expect(escapeRawControlsInStrings('{\n"a":"b\nc\u0000"}')).toBe('{\n"a":"b\\u000ac\\u0000"}');
  });
});

describe('replaceNul', () => {
  it('walks values deeper than the stack would allow', () => {
    let deep: unknown = ['\u0000'];
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(() => replaceNul(deep)).not.toThrow();
  });

  it('leaves a key named __proto__ an own property', () => {
    const v = replaceNul(JSON.parse('{"__proto__":{"x":"\\u0000"}}') as Record<string, unknown>);
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(v, '__proto__')?.value).toEqual({ x: '\uFFFD' });
  });
});

describe('withoutNulParsedFrom (agent bodies and stream frames)', () => {
  const parsed = (text: string): unknown => withoutNulParsedFrom(text, JSON.parse(text));

  it('replaces every NUL of a parsed value, in strings and keys, by U+FFFD', () => {
    expect(parsed('{"text":"a\\u0000b","k\\u0000":["\\u0000"]}')).toEqual({ text: 'a\uFFFDb', 'k\uFFFD': ['\uFFFD'] });
  });

  it('an escaped backslash before u0000 is text, not a NUL', () => {
    expect(parsed('{"text":"\\\\u0000"}')).toEqual({ text: '\\u0000' });
    expect(parsed('{"text":"\\\\\\u0000"}')).toEqual({ text: '\\\uFFFD' });
  });

  it('does not walk a value whose text holds no NUL in either spelling', () => {
    expect(mayHoldNul('{"text":"hello","n":1}')).toBe(false);
    expect(mayHoldNul('{"text":"\\u0000"}')).toBe(true);
    expect(mayHoldNul('{"text":"\u0000"}')).toBe(true);
    // The value is given back as it is, not walked: a NUL put there by hand stays.
    const value = { text: '\u0000' };
    expect(withoutNulParsedFrom('{"text":"x"}', value)).toBe(value);
    expect(value.text).toBe('\u0000');
  });
});
