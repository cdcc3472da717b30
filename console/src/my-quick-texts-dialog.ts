/**
 * "My quick texts" (ADR 0059): the agent's own quick texts, seen by nobody else, opened from
 * the quick text list. A modal <dialog> listing them, each with Edit and Delete, and one form
 * that adds a new one or saves the one being edited. Focus stays inside while open, Escape
 * closes; `closed` is told whether anything changed (the console loads the list again).
 */
import type { AgentPort } from './agent-port.ts';
import { el, uid } from './dom-builder.ts';
import { whileBusy } from './form-field.ts';
import { adminErrorText } from './team-form.ts';
import type { QuickText } from './wire-types.ts';

/** The longest title (the server's MAX_QUICK_TEXT_TITLE). */
const MAX_TITLE = 80;

export function openMyQuickTextsDialog(client: AgentPort, closed: (changed: boolean) => void): void {
  const titleId = uid('my-qt-title');
  const formTitleId = uid('my-qt-form');
  const nameId = uid('my-qt-name');
  const textId = uid('my-qt-text');
  let mine: QuickText[] = [];
  let editing: QuickText | null = null;
  let changed = false;

  const status = el('p', { class: 'muted', role: 'status' });
  const error = el('p', { class: 'error', role: 'alert' });
  const list = el('ul', { class: 'my-quick-texts', 'aria-labelledby': titleId });
  const name = el('input', { id: nameId, autocomplete: 'off', maxlength: MAX_TITLE, required: true });
  const text = el('textarea', { id: textId, rows: 3, maxlength: client.limits()?.maxMessageLength, required: true });
  const formTitle = el('h3', { id: formTitleId }, 'Add a quick text');
  const save = el('button', { type: 'submit', class: 'primary' }, 'Add');
  const cancelEdit = el('button', { type: 'button', hidden: true, onclick: () => edit(null) }, 'Cancel editing');
  const form = el('form', { 'aria-labelledby': formTitleId, novalidate: true },
    formTitle,
    el('p', {}, el('label', { for: nameId }, 'Title'), el('br'), name),
    el('p', {}, el('label', { for: textId }, 'Text'), el('br'), text),
    el('p', { class: 'hint muted' }, '{{visitor.name}} and {{agent.name}} are filled in when you insert it.'),
    el('div', { class: 'dialog-actions' }, cancelEdit, save));
  const dialog = el('dialog', { class: 'dialog my-quick-texts-dialog', 'aria-labelledby': titleId },
    el('h2', { id: titleId }, 'My quick texts'),
    el('p', { class: 'muted' }, 'Only you see these, after your organization\'s in the quick text list.'),
    list, status, error, form,
    el('div', { class: 'dialog-actions' }, el('button', { type: 'button', onclick: () => dialog.close() }, 'Close')));

  function edit(q: QuickText | null): void {
    editing = q;
    name.value = q?.title ?? '';
    text.value = q?.text ?? '';
    formTitle.textContent = q ? `Edit “${q.title}”` : 'Add a quick text';
    save.textContent = q ? 'Save' : 'Add';
    cancelEdit.hidden = !q;
    error.textContent = '';
    name.focus();
  }

  function render(): void {
    list.replaceChildren(...(mine.length ? mine.map((q) => {
      const del = el('button', { type: 'button', 'aria-label': `Delete ${q.title}` }, 'Delete');
      del.addEventListener('click', () => void whileBusy(del, () => client.deleteMyQuickText(q.id).then(async () => {
        changed = true;
        if (editing?.id === q.id) edit(null);
        status.textContent = `Deleted ${q.title}`;
        await reload();
        name.focus();
      }, (err: unknown) => { error.textContent = `Could not delete ${q.title}: ${adminErrorText(err)}`; })));
      return el('li', {}, el('span', { class: 'quick-text-title' }, q.title), el('span', { class: 'quick-text-preview' }, q.text),
        el('span', { class: 'row-actions' }, el('button', { type: 'button', 'aria-label': `Edit ${q.title}`, onclick: () => edit(q) }, 'Edit'), del));
    }) : [el('li', { class: 'muted' }, 'None yet.')]));
  }

  async function reload(): Promise<void> {
    try {
      mine = (await client.quickTexts()).filter((q) => q.source === 'personal');
      render();
    } catch (err) {
      error.textContent = `Could not read your quick texts: ${adminErrorText(err)}`;
    }
  }

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const title = name.value.trim();
    if (!title) return void (error.textContent = 'Give it a title', name.focus());
    if (!text.value.trim()) return void (error.textContent = 'Write its text', text.focus());
    const was = editing;
    void whileBusy(save, () => (was ? client.updateMyQuickText(was.id, { title, text: text.value }) : client.createMyQuickText({ title, text: text.value })).then(async (q) => {
      changed = true;
      status.textContent = was ? `Saved ${q.title}` : `Added ${q.title}`;
      edit(null);
      await reload();
    }, (err: unknown) => { error.textContent = adminErrorText(err); }));
  });
  dialog.addEventListener('close', () => {
    dialog.remove();
    closed(changed);
  });
  document.body.append(dialog);
  dialog.showModal();
  name.focus();
  void reload();
}
