/**
 * Which way the widget's language is written (ADR 0053, note "right to left"). A list,
 * not `Intl.Locale#getTextInfo()`: that is missing from Firefox and from older Safari,
 * and the widget must lay out the same in every browser.
 */

/** Scripts written right to left (ISO 15924): Arabic, Hebrew, Thaana, Syriac, N'Ko, Adlam, Hanifi Rohingya. */
const RTL_SCRIPTS = new Set(['arab', 'hebr', 'thaa', 'syrc', 'nkoo', 'adlm', 'rohg']);
/** Languages written right to left when the tag names no script (`ku`, `pa`, `az` are not: their default script is Latin or Gurmukhi). */
const RTL_LANGUAGES = new Set(['ar', 'he', 'iw', 'fa', 'ur', 'ps', 'sd', 'ug', 'yi', 'ji', 'dv', 'ckb', 'syr', 'arc', 'ks']);

/** `rtl` for a tag whose script (named, or its language's usual one) is written right to left; else `ltr`. */
export function textDirection(lang: string): 'rtl' | 'ltr' {
  const [language = '', ...rest] = lang.toLowerCase().replace(/_/g, '-').split('-');
  // The script subtag is the four-letter one after the language (`az-Arab`, `ar-Latn`): it wins.
  const script = rest.find((s) => /^[a-z]{4}$/.test(s));
  return (script ? RTL_SCRIPTS.has(script) : RTL_LANGUAGES.has(language)) ? 'rtl' : 'ltr';
}
