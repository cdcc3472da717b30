/** Which of the widget's languages a page gets (ADR 0053). */

/**
 * Legacy language subtags still produced by browsers and by Android's `java.util.Locale`
 * (which turns `he` into `iw` on older Java), with the ones that replaced them (IANA registry's
 * preferred values): `iw-IL` is matched as `he-IL`.
 */
const LEGACY_LANGUAGES: Readonly<Record<string, string>> = { iw: 'he', in: 'id', ji: 'yi', jw: 'jv', mo: 'ro' };

/** A tag as matched: lowercase, `_` as `-`, a legacy language subtag replaced by its modern one. */
function matchForm(tag: string): string {
  const t = tag.trim().replace(/_/g, '-').toLowerCase();
  const [primary = t, ...rest] = t.split('-');
  const modern = LEGACY_LANGUAGES[primary];
  return modern ? [modern, ...rest].join('-') : t;
}

/**
 * The first of `wanted` (language tags, most wanted first: the script's `data-lang`,
 * the page's `<html lang>`, then the browser's `navigator.languages`) that one of
 * `languages` (the tags of the tables the widget has, `en` among them) serves: the
 * tag itself (`pt-BR`, in any case), else its language alone (`de-AT` → `de`), else
 * the one table of that language (`pt-PT` → `pt-BR`). Legacy tags match as their modern
 * ones on both sides (`iw-IL` → `he`). A tag nothing serves is passed over for the next
 * one; none served: undefined (the caller uses English).
 */
export function chooseLanguage(wanted: readonly (string | null | undefined)[], languages: readonly string[]): string | undefined {
  const byTag = new Map(languages.map((l) => [matchForm(l), l]));
  for (const tag of wanted) {
    const t = tag ? matchForm(tag) : '';
    if (!t) continue;
    const primary = t.split('-')[0] ?? t;
    const sameLanguage = languages.filter((l) => matchForm(l).split('-')[0] === primary);
    const found = byTag.get(t) ?? byTag.get(primary) ?? (sameLanguage.length === 1 ? sameLanguage[0] : undefined);
    if (found) return found;
  }
  return undefined;
}

/** `it-it` → `it-IT`; undefined for what is no BCP 47 tag (it would make Intl throw, and mean nothing to a screen reader). */
function canonical(tag: string): string | undefined {
  try {
    return Intl.getCanonicalLocales(tag)[0];
  } catch {
    return undefined;
  }
}

/** The language the widget speaks: `lang` for its root, `table` the texts it starts from (`en` or a translation's tag). */
export interface WidgetLanguage {
  lang: string;
  table: string;
}

/**
 * `data-lang`, else `<html lang>`, else the browser's languages, else English. A `data-lang`
 * the widget has no table for still names the widget's language when the site gives its own
 * texts (`data-texts`: it translated the widget itself); without them it is passed over with a
 * warning, as screen readers would otherwise read English words with that language's voice.
 */
export function widgetLanguage(
  dataLang: string | undefined, htmlLang: string | undefined, browser: readonly string[], languages: readonly string[],
  ownTexts: boolean, warn: (message: string) => void = (m) => console.warn(`[switchboard] ${m}`),
): WidgetLanguage {
  const wanted = dataLang?.trim();
  if (wanted) {
    const table = chooseLanguage([wanted], languages);
    if (table) return { lang: table, table };
    const tag = canonical(wanted);
    if (!tag) warn(`data-lang="${wanted}" is not a language tag; it is ignored`);
    else if (ownTexts) return { lang: tag, table: 'en' };
    else warn(`data-lang="${wanted}": no bundled texts for it; give them in data-texts`);
  }
  const table = chooseLanguage([htmlLang, ...browser], languages) ?? 'en';
  return { lang: table, table };
}

/**
 * A pre-chat field's label in the widget's language `lang`: from the field's `labels`
 * (language tag → label, the button's config) by the same chain as the widget's texts
 * (the tag itself, its language alone, the one label of its language), else `label`.
 */
export function localLabel(label: string, labels: Readonly<Record<string, string>> | undefined, lang: string): string {
  const tag = labels ? chooseLanguage([lang], Object.keys(labels)) : undefined;
  return (tag !== undefined && labels?.[tag]) || label;
}
