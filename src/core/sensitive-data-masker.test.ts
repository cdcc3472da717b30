/**
 * The masker (ADR 0052): each org's rules, for the author they apply to, in the file's
 * order, and the counts it reports for the metric.
 */
import { describe, expect, it } from 'vitest';
import type { SensitiveDataRuleConfig } from '../config/config-schema.js';
import { SensitiveDataMasker } from './sensitive-data-masker.js';
import { CARD_RULE } from './sensitive-data-rules.test-support.js';

const ORG = '00D000000000009';
const ORG_18 = '00D000000000009EAA';
const OTHER = '00D000000000008';
const PIN: SensitiveDataRuleConfig = { name: 'pin', pattern: 'PIN:? ?\\d{4}', flags: 'i', replacement: 'PIN [removed]', appliesTo: 'visitor' };
const CODE: SensitiveDataRuleConfig = { name: 'code', pattern: 'CODE-\\d+', flags: '', mask: 'x', appliesTo: 'agent' };

const masker = () => new SensitiveDataMasker([{ id: ORG, sensitiveDataRules: [CARD_RULE, PIN, CODE] }, { id: OTHER, sensitiveDataRules: [] }]);

describe('SensitiveDataMasker', () => {
  it('masks a visitor\'s text with the rules for visitors, in the file\'s order', () => {
    expect(masker().mask(ORG, 'visitor', 'card 4111 1111 1111 1111, pin 1234, CODE-77')).toBe('card *******************, PIN [removed], CODE-77');
  });

  it('masks an agent\'s text with the rules for agents only', () => {
    expect(masker().mask(ORG, 'agent', 'card 4111111111111111, pin 1234, CODE-77')).toBe('card ****************, pin 1234, xxxxxxx');
  });

  it('finds the org by its 18-character id too, and leaves other orgs\' text alone', () => {
    const m = masker();
    expect(m.mask(ORG_18, 'visitor', '4111111111111111')).toBe('*'.repeat(16));
    expect(m.mask(OTHER, 'visitor', '4111111111111111')).toBe('4111111111111111');
    expect(m.mask('00D00000000000X', 'visitor', '4111111111111111')).toBe('4111111111111111');
  });

  it('is deterministic, and keeps the length with a mask character', () => {
    const m = masker();
    const text = 'one 4111111111111111 two 5500-0000-0000-0004';
    const once = m.mask(ORG, 'visitor', text);
    expect(m.mask(ORG, 'visitor', text)).toBe(once);
    expect(once).toHaveLength(text.length);
  });

  it('reports matches per rule, never the text, and nothing when nothing matched', () => {
    const m = masker();
    const seen: [string, number][] = [];
    m.onMasked((rule, n) => seen.push([rule, n]));
    m.mask(ORG, 'visitor', 'hello');
    expect(seen).toEqual([]);
    m.mask(ORG, 'visitor', '4111111111111111 and 5500000000000004, pin 0000');
    expect(seen).toEqual([['card-number', 2], ['pin', 1]]);
  });

  it('masks the values of pre-chat details, and nothing else of them', () => {
    const details = [
      { label: 'Card 4111111111111111', value: '4111 1111 1111 1111', transcriptFields: ['Card__c'], displayToAgent: true },
      { label: 'Name', value: 'Ann', transcriptFields: [], displayToAgent: true },
    ];
    const masked = masker().maskDetails(ORG, details);
    expect(masked[0]).toEqual({ ...details[0], value: '*'.repeat(19) });
    expect(masked[1]).toBe(details[1]);
    expect(masker().maskDetails(OTHER, details)).toBe(details);
  });

  it('lists an org\'s rules for the admin route', () => {
    expect(masker().rulesOf(ORG_18).map((r) => [r.name, r.appliesTo])).toEqual([['card-number', 'both'], ['pin', 'visitor'], ['code', 'agent']]);
    expect(masker().rulesOf(OTHER)).toEqual([]);
  });
});
