/**
 * Which quick texts (canned replies, ADR 0047) an agent may use: those of the agent's
 * org meant for everyone, and those meant for a skill the agent has. They live in the
 * config file, as buttons do; nothing here is stored.
 */
import type { OrgConfig } from '../config/config-schema.js';
import type { QuickText } from '../protocol/agent-api-types.js';

/**
 * The org's quick texts for an agent with these skills, in the config file's order
 * (the operator's order is the list's order in the console).
 */
export function quickTextsFor(org: OrgConfig | undefined, skills: readonly string[]): QuickText[] {
  if (!org) return [];
  return org.quickTexts
    .filter((q) => !q.skills?.length || q.skills.some((s) => skills.includes(s)))
    .map((q) => ({ id: q.id, title: q.title, text: q.text, skills: q.skills ?? [] }));
}
