import { describe, expect, it } from 'vitest';
import { SwitchboardError } from './errors.js';
import { parse as parseQuery } from 'node:querystring';
import { canonicalId, firstOccurrences, isObject, listOccurrences, readBoolean, readIdList, readInteger, readString } from './liberal-values.js';

describe('readBoolean', () => {
  it.each([true, 'true', 'TRUE', ' True ', 1, '1', 'yes', 'on', -1])('%j is true', (v) => {
    expect(readBoolean(v)).toBe(true);
  });

  it.each([false, 'false', 'FALSE', 0, '0', 'no', 'off', 'nonsense'])('%j is false', (v) => {
    expect(readBoolean(v, true)).toBe(false);
  });

  it.each([undefined, null, '', {}, []])('%j falls back to the default', (v) => {
    expect(readBoolean(v)).toBe(false);
    expect(readBoolean(v, true)).toBe(true);
  });
});

describe('readInteger', () => {
  it.each([
    [3, 3],
    [-1, -1],
    [0, 0],
    ['3', 3],
    [' 42 ', 42],
    ['-1', -1],
    ['123456789012345', 123456789012345],
    // A client that formats its counter as a float (`2.0`): the same number, so a retry is still recognised.
    ['2.0', 2],
    [' 7.00 ', 7],
  ])('%j reads as %d', (v, expected) => {
    expect(readInteger(v)).toBe(expected);
  });

  it.each([undefined, null, '', 'abc', '1.5', 1.5, '1e3', NaN, Infinity, '1234567890123456', true, {}, ['1']])('%j is unreadable', (v) => {
    expect(readInteger(v)).toBeUndefined();
  });
});

describe('firstOccurrences', () => {
  it('reads a repeated parameter by its first occurrence, and keeps every occurrence of a list parameter', () => {
    const q = parseQuery('org_id=a&org_id=b&ack=3&ack=4&Availability.ids=x&Availability.ids=y&pc=1');
    expect({ ...firstOccurrences(q, ['Availability.ids']) }).toEqual({ org_id: 'a', ack: '3', 'Availability.ids': ['x', 'y'], pc: '1' });
  });

  it('keeps every occurrence of a list parameter spelled name[], and of no other name[]', () => {
    const q = parseQuery('Availability.ids[]=x&Availability.ids[]=y&org_id[]=a&org_id[]=b');
    expect({ ...firstOccurrences(q, ['Availability.ids']) }).toEqual({ 'Availability.ids[]': ['x', 'y'], 'org_id[]': 'a' });
  });

  it('keeps every occurrence of a list parameter spelled name[0], name[1], …', () => {
    const q = parseQuery('ids[0]=x&ids[0]=y&ids[1]=z&org_id[0]=a&org_id[0]=b');
    expect({ ...firstOccurrences(q, ['ids']) }).toEqual({ 'ids[0]': ['x', 'y'], 'ids[1]': 'z', 'org_id[0]': 'a' });
  });

  it('returns the query itself when nothing is repeated, and {} for no query', () => {
    const q = parseQuery('ack=3&pc=1');
    expect(firstOccurrences(q)).toBe(q);
    expect(firstOccurrences(undefined)).toEqual({});
  });

  it('keeps a parameter named __proto__ a parameter', () => {
    const out = firstOccurrences(parseQuery('__proto__=a&__proto__=b&ack=1'));
    expect(Object.getPrototypeOf(out)).toBeNull();
    expect(out['__proto__']).toBe('a');
  });
});

describe('listOccurrences', () => {
  it('gives the occurrences of name, then of name[], each in the order sent', () => {
    const q = parseQuery('ids[]=c&ids=a&ids[]=d&ids=b&other=x');
    expect(listOccurrences(firstOccurrences(q, ['ids']), 'ids')).toEqual(['a', 'b', 'c', 'd']);
    expect(listOccurrences(parseQuery('ids[]=a,b'), 'ids')).toEqual(['a,b']);
    expect(listOccurrences(parseQuery('other=1'), 'ids')).toEqual([]);
  });

  it('then those of name[0], name[1], … in index order, numerically, whatever the order sent', () => {
    const q = parseQuery('ids[10]=k&ids[2]=c&ids[0]=a&ids[]=b&ids=p&ids[2]=d&ids[007]=g');
    expect(listOccurrences(firstOccurrences(q, ['ids']), 'ids')).toEqual(['p', 'b', 'a', 'c', 'd', 'g', 'k']);
  });

  it('reads no other bracket: not a name, a sign, a nested key or another parameter', () => {
    const q = parseQuery('ids[a]=1&ids[-1]=2&ids[0][x]=3&ids[ 1]=4&idsx[0]=5&ids.more[0]=6&ids[0=7');
    expect(listOccurrences(firstOccurrences(q, ['ids']), 'ids')).toEqual([]);
  });

  it('orders indexes longer than a number holds', () => {
    const q = parseQuery('ids[100000000000000000001]=b&ids[100000000000000000000]=a&ids[9]=c');
    expect(listOccurrences(q, 'ids')).toEqual(['c', 'a', 'b']);
  });
});

describe('readIdList', () => {
  it('reads one id', () => {
    expect(readIdList('a')).toEqual(['a']);
  });

  it('reads a comma list', () => {
    expect(readIdList('a,b')).toEqual(['a', 'b']);
    expect(readIdList(' a , b ,, ')).toEqual(['a', 'b']);
  });

  it('reads a bracketed list, quoted or not', () => {
    expect(readIdList('[a,b]')).toEqual(['a', 'b']);
    expect(readIdList('["a","b"]')).toEqual(['a', 'b']);
    expect(readIdList(" [ 'a' , 'b' ] ")).toEqual(['a', 'b']);
  });

  it('reads repeated parameters (an array), each in any syntax', () => {
    expect(readIdList(['a', 'b'])).toEqual(['a', 'b']);
    expect(readIdList(['a', 'b,c', '[d,e]'])).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('drops duplicates and keeps the order given', () => {
    expect(readIdList(['b', 'a,b', 'a'])).toEqual(['b', 'a']);
  });

  it.each([undefined, null, '', '[]', 42, {}, [1, null]])('%j is an empty list', (v) => {
    expect(readIdList(v)).toEqual([]);
  });
});

describe('canonicalId', () => {
  it('cuts an 18-character id to its 15-character form', () => {
    expect(canonicalId('573000000000001AAA')).toBe('573000000000001');
  });

  it('leaves 15-character and other ids alone', () => {
    expect(canonicalId('573000000000001')).toBe('573000000000001');
    expect(canonicalId('short')).toBe('short');
    expect(canonicalId('573000000000001-AA')).toBe('573000000000001-AA');
    expect(canonicalId('573000000000001AAAA')).toBe('573000000000001AAAA');
  });

  it('makes the 15- and 18-character forms of one id equal', () => {
    expect(canonicalId('00D000000000001EAA')).toBe(canonicalId('00D000000000001'));
  });

  it('restores the case from the suffix: an 18-character id survives upper- or lower-casing, a wrong suffix is not the same id', () => {
    expect(canonicalId('00d000000000001eaa')).toBe('00D000000000001');
    expect(canonicalId('00D000000000001EAA'.toLowerCase())).toBe('00D000000000001');
    // 0050000000000A1: the only letter is the 14th character, flag 8 of the last chunk (I).
    expect(canonicalId('0050000000000a1aai')).toBe('0050000000000A1');
    expect(canonicalId('0050000000000A1AAA')).toBe('0050000000000a1');
    expect(canonicalId('573000000000001ZZZ')).toBe('573000000000001ZZZ');
    // A mixed-case id and its 18-character form, by the documented algorithm.
    expect(canonicalId('001A0000006Vm9rIAC')).toBe('001A0000006Vm9r');
    expect(canonicalId('001a0000006vm9riac')).toBe('001A0000006Vm9r');
  });
});

describe('readString', () => {
  it('accepts numbers as text', () => {
    expect(readString({ n: 42 }, 'n')).toBe('42');
  });

  it('reports a missing required field as BODY_INVALID', () => {
    expect(() => readString({}, 'x', { required: true })).toThrow(SwitchboardError);
    expect(() => readString({ x: '  ' }, 'x', { required: true })).toThrow(/x must not be empty/);
  });

  it('rejects objects and over-long values', () => {
    expect(() => readString({ x: {} }, 'x')).toThrow(/BODY_INVALID/);
    expect(() => readString({ x: 'abcd' }, 'x', { maxLength: 3 })).toThrow(/BODY_INVALID/);
  });
});

describe('isObject', () => {
  it('is true only for plain objects', () => {
    expect(isObject({})).toBe(true);
    expect(isObject([])).toBe(false);
    expect(isObject(null)).toBe(false);
    expect(isObject('x')).toBe(false);
  });
});
