/**
 * Quick texts on the agent API (ADR 0047, ADR 0059): one schema per wire type, reused by the
 * routes, the SDK and docs/agent-api.md. Re-exported by agent-api-types.ts.
 */
import { Type, type Static } from 'typebox';

/** The longest title a quick text has (the config file's limit too). */
export const MAX_QUICK_TEXT_TITLE = 80;
/** Stored org quick texts one org may have (ADR 0059). */
export const MAX_ORG_QUICK_TEXTS = 500;
/** An agent's own quick texts at most (ADR 0059). */
export const MAX_OWN_QUICK_TEXTS = 200;
/** The most skills one org quick text names. */
export const MAX_QUICK_TEXT_SKILLS = 50;

/** Where a quick text comes from: the config file, an admin (the org's, stored), or the caller's own. */
export const QuickTextSource = Type.Union([Type.Literal('config'), Type.Literal('org'), Type.Literal('personal')], {
  description: '`config`: the config file\'s (read-only through the API); `org`: stored by an admin for the org; `personal`: the caller\'s own, seen by nobody else',
});
export type QuickTextSource = Static<typeof QuickTextSource>;

/**
 * A quick text (canned reply, ADR 0047) the caller may use (GET /agent/v1/quick-texts), or one
 * of the lists that manage them (GET /agent/v1/admin/quick-texts, GET /agent/v1/me/quick-texts).
 * The text is plain text; placeholders such as `{{visitor.name}}` are left for the client.
 */
export const QuickText = Type.Object({
  id: Type.String({ description: 'Unique in the org: the config file\'s id, or `qt_…` for a stored one' }),
  title: Type.String({ description: 'A short name for the list (at most 80 characters)' }),
  text: Type.String({ description: 'Plain text to put in the message box; may hold {{visitor.name}} and {{agent.name}}' }),
  skills: Type.Array(Type.String(), { description: 'The skills it is meant for; empty: everyone in the org (always empty for a personal one)' }),
  source: QuickTextSource,
});
export type QuickText = Static<typeof QuickText>;
export const QuickTexts = Type.Array(QuickText);

const Title = Type.String({ minLength: 1, maxLength: MAX_QUICK_TEXT_TITLE, description: '1 to 80 characters, not blank' });
const Text = Type.String({ minLength: 1, description: 'Not blank, at most settings.maxMessageLength characters (what an agent may send)' });
const Skills = Type.Array(Type.String({ minLength: 1, maxLength: 100 }), { maxItems: MAX_QUICK_TEXT_SKILLS, description: 'Only agents with one of these skills are offered it; empty: everyone in the org' });

/** POST /agent/v1/admin/quick-texts. */
export const CreateOrgQuickTextRequest = Type.Object({ title: Title, text: Text, skills: Type.Optional(Skills) });
export type CreateOrgQuickTextRequest = Static<typeof CreateOrgQuickTextRequest>;
/** PATCH /agent/v1/admin/quick-texts/:quickTextId: the fields given change. */
export const UpdateOrgQuickTextRequest = Type.Object({ title: Type.Optional(Title), text: Type.Optional(Text), skills: Type.Optional(Skills) }, { minProperties: 1 });
export type UpdateOrgQuickTextRequest = Static<typeof UpdateOrgQuickTextRequest>;
/** POST /agent/v1/me/quick-texts: an agent's own ones have no skills (only their owner sees them). */
export const CreateOwnQuickTextRequest = Type.Object({ title: Title, text: Text });
export type CreateOwnQuickTextRequest = Static<typeof CreateOwnQuickTextRequest>;
/** PATCH /agent/v1/me/quick-texts/:quickTextId. */
export const UpdateOwnQuickTextRequest = Type.Object({ title: Type.Optional(Title), text: Type.Optional(Text) }, { minProperties: 1 });
export type UpdateOwnQuickTextRequest = Static<typeof UpdateOwnQuickTextRequest>;

export const QuickTextIdParams = Type.Object({ quickTextId: Type.String({ minLength: 1, maxLength: 64 }) });
