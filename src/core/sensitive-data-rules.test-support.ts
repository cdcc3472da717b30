/** Sensitive data rules the tests share (ADR 0052). */
import type { SensitiveDataRuleConfig } from '../config/config-schema.js';

/** The card number rule of docs/configuration.md, as written there (with its defaults filled in). */
export const CARD_RULE: SensitiveDataRuleConfig = { name: 'card-number', pattern: '\\b(?:\\d[ -]?){12,18}\\d\\b', flags: '', appliesTo: 'both' };

/** docs/configuration.md's security code rule. */
export const CVC_RULE: SensitiveDataRuleConfig = { name: 'cvc', pattern: '\\b(?:cvc|cvv|cvv2|cid)\\b\\W{0,3}\\d{3,4}\\b', flags: 'i', replacement: '[security code removed]', appliesTo: 'visitor' };

/** docs/configuration.md's card number rule that leaves the last four digits. */
export const CARD_BUT_LAST_FOUR_RULE: SensitiveDataRuleConfig = { name: 'card-but-last-four', pattern: '\\b(?:\\d[ -]?){9,15}(?=(?:\\d[ -]?){3}\\d\\b)', flags: '', appliesTo: 'both' };
