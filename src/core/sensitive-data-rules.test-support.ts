/** Sensitive data rules the tests share (ADR 0052). */
import type { SensitiveDataRuleConfig } from '../config/config-schema.js';

/** The card number rule of docs/configuration.md, as written there (with its defaults filled in). */
export const CARD_RULE: SensitiveDataRuleConfig = { name: 'card-number', pattern: '\\b(?:\\d[ -]?){12,18}\\d\\b', flags: '', appliesTo: 'both' };
