/**
 * Applies each org's sensitive data rules (ADR 0052) to chat text before the engine
 * appends it to the chat's log, so the store, the agents' streams, transcripts, exports,
 * search and a resync's snapshot only ever hold the masked text.
 */
import type { OrgConfig } from '../config/config-schema.js';
import { canonicalId } from '../protocol/liberal-values.js';
import type { CustomDetail } from '../protocol/visitor-messages.js';
import { appliesToAuthor, compileRule, type CompiledRule, type TextAuthor } from './sensitive-data-rules.js';

/** Told how many matches one rule masked in one text (never the text: metrics only). */
export type MaskedListener = (rule: string, matches: number) => void;

export class SensitiveDataMasker {
  private readonly byOrg = new Map<string, CompiledRule[]>();
  private readonly listeners: MaskedListener[] = [];

  /**
   * Compiles every org's rules. The loader has refused any that does not compile
   * (validateConfig), so a rule that fails here is a config not loaded through it: a
   * programming error, thrown at start rather than leaving text unmasked.
   */
  constructor(orgs: readonly Pick<OrgConfig, 'id' | 'sensitiveDataRules'>[]) {
    for (const org of orgs) {
      const compiled = org.sensitiveDataRules.map((r) => {
        const c = compileRule(r);
        if (typeof c === 'string') throw new Error(`sensitive data rule ${r.name} of org ${org.id}: ${c}`);
        return c;
      });
      if (compiled.length) this.byOrg.set(canonicalId(org.id), compiled);
    }
  }

  /** Calls `listener` for each rule that masked something (the metric of masked matches). */
  onMasked(listener: MaskedListener): void {
    this.listeners.push(listener);
  }

  /** The org's rules, in the config file's order (what the admin route lists). */
  rulesOf(orgId: string): readonly CompiledRule[] {
    return this.byOrg.get(canonicalId(orgId)) ?? [];
  }

  /**
   * `text` with every match of the org's rules for this author replaced, rule by rule in
   * the file's order (a later rule sees the earlier ones' masks). Deterministic: the same
   * text always gives the same result. Text no rule matches is returned as it is.
   */
  mask(orgId: string, author: TextAuthor, text: string): string {
    const rules = this.byOrg.get(canonicalId(orgId));
    if (!rules) return text;
    let out = text;
    for (const rule of rules) {
      if (!appliesToAuthor(rule, author)) continue;
      let matches = 0;
      rule.regex.lastIndex = 0;
      out = out.replace(rule.regex, (m: string) => {
        matches += 1;
        return rule.replace(m);
      });
      if (matches > 0) for (const l of this.listeners) l(rule.name, matches);
    }
    return out;
  }

  /**
   * Pre-chat details with their values masked as the visitor's text: a form field is
   * where a visitor is asked for an account or card number. Labels and every other
   * field are the page's own, not the visitor's, and stay as they are.
   */
  maskDetails(orgId: string, details: CustomDetail[]): CustomDetail[] {
    if (!this.byOrg.has(canonicalId(orgId))) return details;
    return details.map((d) => {
      const value = this.mask(orgId, 'visitor', d.value);
      return value === d.value ? d : { ...d, value };
    });
  }
}
