/**
 * The quick text picker's rules, apart from the DOM so they can be unit tested: which
 * quick texts a filter finds, how placeholders are filled, and how a text goes into the
 * message box (ADR 0047).
 */
import type { QuickText } from './wire-types.ts';

/**
 * The quick texts a filter finds: every word of the filter appears in the title or the text
 * (any case, any order). Those whose title starts with the filter come first, so typing a
 * title's first letters picks it; otherwise the configured order stays.
 */
export function filterQuickTexts(all: readonly QuickText[], filter: string): QuickText[] {
  const words = fold(filter).split(/\s+/).filter(Boolean);
  if (words.length === 0) return [...all];
  const found = all.filter((q) => {
    const hay = `${fold(q.title)}\n${fold(q.text)}`;
    return words.every((w) => hay.includes(w));
  });
  const start = fold(filter).trim();
  return [...found.filter((q) => fold(q.title).startsWith(start)), ...found.filter((q) => !fold(q.title).startsWith(start))];
}

/** Lower case without accents: "Begrüßung" is found by "begru". */
function fold(s: string): string {
  return s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

/** What the placeholders of a quick text stand for in one chat. */
export interface PlaceholderValues {
  visitorName: string;
  agentName: string;
}

/**
 * The name a visitor who gave none has: the server (ChatEngine, ChasitorInit without a
 * `visitorName`) and the widget both call them this. Not a name to put into a greeting.
 */
const NO_VISITOR_NAME = 'Visitor';

/**
 * The text with `{{visitor.name}}` and `{{agent.name}}` filled in (spaces inside the braces
 * allowed). A name not known (a visitor who gave none, so is "Visitor"; a chat whose details
 * have not loaded yet) leaves its placeholder as it is, for the agent to see and edit: the
 * text is never sent without the agent. Other `{{…}}` stay.
 * The result is plain text for a textarea's value: nothing here is HTML.
 */
export function fillPlaceholders(text: string, values: PlaceholderValues): string {
  return text.replace(/\{\{\s*(visitor|agent)\.name\s*\}\}/g, (whole, who: string) => {
    const name = (who === 'visitor' ? values.visitorName : values.agentName).trim();
    if (who === 'visitor' && name === NO_VISITOR_NAME) return whole;
    return name || whole;
  });
}

/** The message box after an insertion, and where the caret goes. */
export interface Insertion {
  value: string;
  caret: number;
}

/**
 * `text` in place of the selection `[start, end)` of `value` (at the caret when nothing is
 * selected), cut so the whole stays within `maxLength` (the server's maxMessageLength: a
 * longer message could only be refused). The caret goes after the inserted text.
 */
export function insertText(value: string, start: number, end: number, text: string, maxLength?: number): Insertion {
  const from = Math.max(0, Math.min(start, value.length));
  const to = Math.max(from, Math.min(end, value.length));
  const before = value.slice(0, from);
  const after = value.slice(to);
  let inserted = text;
  if (maxLength !== undefined) {
    const room = Math.max(0, maxLength - before.length - after.length);
    if (inserted.length > room) {
      inserted = inserted.slice(0, room);
      // Not half of a surrogate pair.
      const last = inserted.charCodeAt(inserted.length - 1);
      if (last >= 0xd800 && last <= 0xdbff) inserted = inserted.slice(0, -1);
    }
  }
  return { value: before + inserted + after, caret: before.length + inserted.length };
}

/**
 * Whether a key typed into the message box opens the picker: `/` into an empty box (as
 * chat tools do), with nothing held but Shift (some layouts need it for `/`).
 */
export function opensPicker(key: string, value: string, mods: { ctrlKey: boolean; altKey: boolean; metaKey: boolean }): boolean {
  return key === '/' && value === '' && !mods.ctrlKey && !mods.altKey && !mods.metaKey;
}
