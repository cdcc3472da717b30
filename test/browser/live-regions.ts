/**
 * What a screen reader would be told by a page's live regions, as the console tests check it:
 * every text added to (or changed in) an element inside a live region (`aria-live` polite or
 * assertive, or the implicit one of `role=log`, `status`, `alert`), as the page holds it when the
 * change is observed. An explicit `aria-live="off"` (the nearest one counts) silences a region,
 * as does `hidden` or `aria-hidden="true"` on the region, the node added or an ancestor of them.
 * Removals are not told (the default `aria-relevant` is "additions text"). Open shadow roots (the
 * widget's) are watched as the document is.
 */
import type { Page } from 'playwright-core';

/** One thing told: the region (its role and politeness, its label or class) and the words. */
export interface Spoken {
  region: string;
  politeness: 'polite' | 'assertive';
  text: string;
}

/** The recorder, as a script: run in the page (evaluate) or before its own scripts (addInitScript). */
const RECORDER = `(() => {
  if (window.__spoken) return;
  window.__spoken = [];
  const IMPLICIT = { log: 'polite', status: 'polite', alert: 'assertive' };
  const silent = (node) => { for (let e = node; e; e = e.parentElement) if (e.hidden || e.getAttribute('aria-hidden') === 'true') return true; return false; };
  const regionOf = (node) => {
    for (let e = node; e; e = e.parentElement) {
      const explicit = e.getAttribute('aria-live');
      const politeness = explicit ?? IMPLICIT[e.getAttribute('role') ?? ''];
      if (politeness) return politeness === 'off' ? null : { element: e, politeness };
    }
    return null;
  };
  const observe = (root) => new MutationObserver((records) => {
    for (const r of records) {
      const target = r.target.nodeType === 1 ? r.target : r.target.parentElement;
      const region = target && regionOf(target);
      if (!region || silent(target)) continue;
      const texts = r.type === 'characterData' ? [r.target.textContent ?? '']
        : [...r.addedNodes].filter((n) => n.nodeType === 3 || !silent(n)).map((n) => n.textContent ?? '');
      const text = texts.join('').trim();
      if (!text) continue;
      const e = region.element;
      window.__spoken.push({ region: (e.getAttribute('role') ?? e.tagName.toLowerCase()) + ' ' + (e.getAttribute('aria-label') ?? e.className), politeness: region.politeness, text });
    }
  }).observe(root, { subtree: true, childList: true, characterData: true });
  observe(document);
  // Open shadow roots too (the widget's): the ones there are, and the ones made from now on.
  for (const e of document.querySelectorAll('*')) if (e.shadowRoot) observe(e.shadowRoot);
  const attachShadow = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function (init) {
    const root = attachShadow.call(this, init);
    if (init.mode === 'open') observe(root);
    return root;
  };
})()`;

/** Starts recording in the page as it is now (again after a reload: see {@link recordSpokenFromStart}). */
export async function recordSpoken(page: Page): Promise<void> {
  await page.evaluate(RECORDER);
}

/** Records from the start of every page the tab loads from now on (a reload's too). */
export async function recordSpokenFromStart(page: Page): Promise<void> {
  await page.addInitScript(RECORDER);
}

/** What was told since recording started, or since the last {@link clearSpoken}. */
export async function spoken(page: Page): Promise<Spoken[]> {
  return (await page.evaluate('window.__spoken ?? []')) as Spoken[];
}

export async function clearSpoken(page: Page): Promise<void> {
  await page.evaluate('window.__spoken && (window.__spoken.length = 0)');
}

/** How many times `text` (a part of what was told) was told. */
export async function timesSpoken(page: Page, text: string | RegExp): Promise<number> {
  return (await spoken(page)).filter((s) => (typeof text === 'string' ? s.text.includes(text) : text.test(s.text))).length;
}
