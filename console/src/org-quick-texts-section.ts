/**
 * The Team view's "Quick texts" (ADR 0059): the org's quick texts, the config file's
 * (read-only, changed in the file) and stored ones an admin adds, edits and deletes
 * (GET/POST/PATCH/DELETE /admin/quick-texts). One form adds a new one or saves the one
 * being edited; agents see the changes after their next login or reload.
 */
import type { AgentPort } from './agent-port.ts';
import { el, uid } from './dom-builder.ts';
import { formField, whileBusy } from './form-field.ts';
import { adminErrorText, parseSkills } from './team-form.ts';
import type { QuickText } from './wire-types.ts';

export class OrgQuickTextsSection {
  readonly element: HTMLElement;
  private readonly body = el('tbody');
  private readonly error = el('p', { class: 'error', role: 'alert' });
  private readonly title = formField('Title', el('input', { autocomplete: 'off', maxlength: 80 }));
  private readonly text: HTMLTextAreaElement;
  private readonly skills = formField('Skills', el('input', { autocomplete: 'off', spellcheck: false }), 'Comma-separated; empty: everyone in the organization.');
  private readonly formTitle: HTMLElement;
  private readonly save = el('button', { type: 'submit' }, 'Add quick text');
  private readonly cancel = el('button', { type: 'button', hidden: true }, 'Cancel editing');
  private editing: QuickText | null = null;

  constructor(private readonly client: AgentPort, private readonly say: (message: string) => void) {
    const titleId = uid('org-qt-title');
    const textId = uid('org-qt-text');
    const formTitleId = uid('org-qt-form');
    this.text = el('textarea', { id: textId, rows: 3, maxlength: client.limits()?.maxMessageLength });
    this.formTitle = el('h4', { id: formTitleId }, 'Add a quick text');
    this.cancel.addEventListener('click', () => this.edit(null));
    const form = el('form', { class: 'team-form', 'aria-labelledby': formTitleId, novalidate: true },
      this.formTitle, this.title.element,
      el('div', { class: 'field field-wide' }, el('label', { for: textId }, 'Text'), this.text, el('p', { class: 'hint muted' }, '{{visitor.name}} and {{agent.name}} are filled in when an agent inserts it.')),
      this.skills.element, el('div', { class: 'form-actions' }, this.cancel, this.save));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.submit();
    });
    this.element = el('section', { class: 'team-card', 'aria-labelledby': titleId },
      el('h3', { id: titleId }, 'Quick texts'),
      el('p', { class: 'muted' }, 'Prepared replies agents insert into a chat. Those from the config file are changed there; agents see changes after their next login or reload.'),
      this.error,
      el('div', { class: 'table-scroll' }, el('table', { class: 'grid quick-texts' },
        el('caption', { class: 'sr-only' }, 'Quick texts of the organization'),
        el('thead', {}, el('tr', {}, ...['Title', 'Text', 'Skills', 'Defined in'].map((h) => el('th', { scope: 'col' }, h)), el('th', { scope: 'col' }, el('span', { class: 'sr-only' }, 'Actions')))),
        this.body)),
      form);
  }

  async refresh(): Promise<void> {
    try {
      const list = await this.client.orgQuickTexts();
      this.error.textContent = '';
      this.body.replaceChildren(...(list.length ? list.map((q) => this.row(q)) : [el('tr', {}, el('td', { colspan: 5, class: 'muted' }, 'No quick texts yet.'))]));
    } catch (err) {
      this.error.textContent = `Could not read the quick texts: ${adminErrorText(err)}`;
    }
  }

  private submit(): void {
    const title = this.title.input.value.trim();
    this.title.setError(title ? undefined : 'Enter a title');
    if (!title) return void this.title.input.focus();
    const text = this.text.value;
    if (!text.trim()) {
      this.error.textContent = 'Enter the text of the quick text';
      return void this.text.focus();
    }
    const body = { title, text, skills: parseSkills(this.skills.input.value) };
    const was = this.editing;
    void whileBusy(this.save, () => (was ? this.client.updateOrgQuickText(was.id, body) : this.client.createOrgQuickText(body)).then((q) => {
      this.edit(null);
      return this.refresh().then(() => this.say(was ? `Saved quick text ${q.title}` : `Added quick text ${q.title}`));
    }, (err: unknown) => {
      this.error.textContent = adminErrorText(err);
    }));
  }

  private edit(q: QuickText | null): void {
    this.editing = q;
    this.title.input.value = q?.title ?? '';
    this.text.value = q?.text ?? '';
    this.skills.input.value = q?.skills.join(', ') ?? '';
    this.formTitle.textContent = q ? `Edit “${q.title}”` : 'Add a quick text';
    this.save.textContent = q ? 'Save quick text' : 'Add quick text';
    this.cancel.hidden = !q;
    this.title.setError(undefined);
    this.error.textContent = '';
    this.title.input.focus();
  }

  private row(q: QuickText): HTMLElement {
    let actions: HTMLElement;
    if (q.source === 'config') {
      actions = el('span', { class: 'muted' }, '—');
    } else {
      const del = el('button', { type: 'button', 'aria-label': `Delete quick text ${q.title}` }, 'Delete');
      del.addEventListener('click', () => void whileBusy(del, () => this.client.deleteOrgQuickText(q.id).then(() => {
        if (this.editing?.id === q.id) this.edit(null);
        return this.refresh().then(() => {
          this.say(`Deleted quick text ${q.title}`);
          this.title.input.focus();
        });
      }, (err: unknown) => {
        this.error.textContent = `Could not delete ${q.title}: ${adminErrorText(err)}`;
      })));
      actions = el('span', { class: 'row-actions' }, el('button', { type: 'button', 'aria-label': `Edit quick text ${q.title}`, onclick: () => this.edit(q) }, 'Edit'), del);
    }
    return el('tr', {}, el('td', {}, q.title), el('td', { class: 'quick-text-cell' }, q.text), el('td', {}, q.skills.length ? q.skills.join(', ') : 'Everyone'),
      el('td', {}, q.source === 'config' ? 'Config file' : 'Team view'), el('td', {}, actions));
  }
}
