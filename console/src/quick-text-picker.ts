/**
 * The composer's "Quick text" control (ADR 0047): a button that opens a filterable list
 * of the agent's quick texts, as a WAI-ARIA combobox (a filter box that owns a listbox).
 * Typing filters; Up and Down move through the list; Enter inserts the one shown as
 * active; Escape closes; opened by `/`, a second `/` closes it and types the `/` (so a
 * message can start with one). Either way the keyboard goes back to the message box. With a
 * `manage` host (ADR 0059), the list ends with "My quick texts…", which opens the agent's own
 * for adding, editing and deleting, and the control shows even with no quick text (`/` then
 * types a `/`); without one, the control is hidden when there is none.
 */
import { el, uid } from './dom-builder.ts';
import { filterQuickTexts } from './quick-text-rules.ts';
import type { QuickText } from './wire-types.ts';

export interface QuickTextPickerHost {
  /** The agent chose `quickText`: put it in the message box (not sent). */
  choose(quickText: QuickText): void;
  /** The list closed: the keyboard goes back to the message box. */
  returnFocus(): void;
  /** `//`: the list closed, and the `/` that opened it goes into the message box after all. */
  typeSlash(): void;
  /** "My quick texts…": the agent manages its own (the list is closed first). */
  manage?: () => void;
}

export class QuickTextPicker {
  readonly element: HTMLElement;
  private readonly button: HTMLButtonElement;
  private readonly popup: HTMLElement;
  private readonly filter: HTMLInputElement;
  private readonly list: HTMLUListElement;
  private readonly empty: HTMLElement;
  private items: readonly QuickText[] = [];
  private shown: QuickText[] = [];
  private active = 0;
  /** Opened by `/` typed into the empty message box (a second `/` types it). */
  private openedBySlash = false;

  constructor(private readonly host: QuickTextPickerHost) {
    const listId = uid('quick-texts');
    const filterId = uid('quick-text-filter');
    this.button = el('button', { type: 'button', class: 'quick-text-button', 'aria-haspopup': 'listbox', 'aria-expanded': 'false', 'aria-controls': listId,
      title: 'Insert a quick text (or type / in an empty message box)', onclick: () => (this.isOpen ? this.close(true) : this.open()) }, 'Quick text');
    this.filter = el('input', { id: filterId, type: 'text', autocomplete: 'off', spellcheck: 'false', role: 'combobox', 'aria-expanded': 'true',
      'aria-controls': listId, 'aria-autocomplete': 'list', placeholder: 'Type to filter' });
    this.list = el('ul', { id: listId, role: 'listbox', class: 'quick-text-list', 'aria-label': 'Quick texts' });
    this.empty = el('p', { class: 'quick-text-empty', role: 'status' });
    const manage = host.manage;
    const manageButton = manage ? el('button', { type: 'button', class: 'quick-text-manage', onclick: () => { this.close(false); manage(); } }, 'My quick texts…') : null;
    this.popup = el('div', { class: 'quick-text-popup', hidden: true },
      el('label', { for: filterId }, 'Quick text'), this.filter, this.list, this.empty, manageButton);
    this.element = el('div', { class: 'quick-text', hidden: !manage }, this.button, this.popup);

    this.filter.addEventListener('input', () => { this.active = 0; this.render(); });
    this.filter.addEventListener('keydown', (ev) => this.onKey(ev));
    // Leaving the control (a click elsewhere, Tab) closes it, and the keyboard stays where it went.
    this.element.addEventListener('focusout', (ev) => {
      if (this.isOpen && !this.element.contains(ev.relatedTarget as Node | null)) this.close(false);
    });
  }

  /** The quick texts the agent may use; none hides the control. */
  setItems(items: readonly QuickText[]): void {
    this.items = items;
    const canManage = this.host.manage !== undefined;
    this.element.hidden = items.length === 0 && !canManage;
    if (items.length === 0 && !canManage && this.isOpen) this.close(false);
    else if (this.isOpen) this.render();
  }

  /** There is something to pick (the control is shown). */
  get available(): boolean {
    return this.items.length > 0;
  }

  get isOpen(): boolean {
    return !this.popup.hidden;
  }

  /** `bySlash`: the agent typed `/` into the empty message box. */
  open(bySlash = false): void {
    if (!this.available && !(this.host.manage && !bySlash)) return;
    this.openedBySlash = bySlash;
    this.filter.value = '';
    this.active = 0;
    this.popup.hidden = false;
    this.button.setAttribute('aria-expanded', 'true');
    this.render();
    this.filter.focus();
  }

  /** `returnFocus`: back to the message box (Escape, a choice); not when focus went elsewhere. */
  close(returnFocus: boolean): void {
    if (!this.isOpen) return;
    this.popup.hidden = true;
    this.button.setAttribute('aria-expanded', 'false');
    this.filter.removeAttribute('aria-activedescendant');
    if (returnFocus) this.host.returnFocus();
  }

  private onKey(ev: KeyboardEvent): void {
    switch (ev.key) {
      case 'ArrowDown':
      case 'ArrowUp': {
        ev.preventDefault();
        if (this.shown.length === 0) return;
        const step = ev.key === 'ArrowDown' ? 1 : -1;
        this.active = (this.active + step + this.shown.length) % this.shown.length;
        this.render();
        break;
      }
      case 'Home':
      case 'End':
        // In the filter box Home and End move the caret, unless Ctrl says "the list".
        if (!ev.ctrlKey || this.shown.length === 0) return;
        ev.preventDefault();
        this.active = ev.key === 'Home' ? 0 : this.shown.length - 1;
        this.render();
        break;
      case 'Enter': {
        // Never the composer form's submit: Enter here picks, it does not send.
        ev.preventDefault();
        const chosen = this.shown[this.active];
        if (chosen) this.pick(chosen);
        break;
      }
      case '/':
        // `//`: a message that starts with `/` (a path, a command the visitor should type) can
        // still be written; `/` opening the list must not make it impossible.
        if (!this.openedBySlash || this.filter.value !== '' || ev.ctrlKey || ev.altKey || ev.metaKey) return;
        ev.preventDefault();
        this.close(false);
        this.host.typeSlash();
        break;
      case 'Escape':
        ev.preventDefault();
        // Not the page's Escape too (which may close a dialog behind).
        ev.stopPropagation();
        this.close(true);
        break;
    }
  }

  private pick(q: QuickText): void {
    this.close(false);
    this.host.choose(q);
  }

  private render(): void {
    this.shown = filterQuickTexts(this.items, this.filter.value);
    if (this.active >= this.shown.length) this.active = Math.max(0, this.shown.length - 1);
    const options = this.shown.map((q, i) => {
      const option = el('li', { id: `${this.list.id}-${i}`, role: 'option', class: 'quick-text-option', 'aria-selected': i === this.active ? 'true' : 'false' },
        el('span', { class: 'quick-text-title' }, q.title, q.source === 'personal' ? el('span', { class: 'quick-text-mine' }, ' · mine') : null),
        el('span', { class: 'quick-text-preview' }, q.text));
      // mousedown, not click: the filter box keeps the focus until the choice is made.
      option.addEventListener('mousedown', (ev) => ev.preventDefault());
      option.addEventListener('click', () => this.pick(q));
      return option;
    });
    this.list.replaceChildren(...options);
    this.list.hidden = options.length === 0;
    // A status region: the same words written again are read again, on every keystroke.
    const status = options.length > 0 ? '' : this.items.length === 0 ? 'No quick texts yet' : 'No quick text matches';
    if (this.empty.textContent !== status) this.empty.textContent = status;
    const activeOption = options[this.active];
    if (activeOption) {
      this.filter.setAttribute('aria-activedescendant', activeOption.id);
      activeOption.scrollIntoView({ block: 'nearest' });
    } else {
      this.filter.removeAttribute('aria-activedescendant');
    }
  }
}
