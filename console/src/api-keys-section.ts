/**
 * The Team view's API keys: the org's keys (never their secrets), a form that
 * makes one for a person, shown once with a Copy button, and revocation after a
 * confirmation. A key acts as its person with a role no higher than theirs
 * (docs/agent-api.md, "Authentication").
 */
import type { AgentPort } from './agent-port.ts';
import { el, formatDateTime, replaceChildren, uid } from './dom-builder.ts';
import { formField, roleSelect, whileBusy } from './form-field.ts';
import { ROLES, adminErrorText } from './team-form.ts';
import type { ApiKey, PublicUser, Role } from './wire-types.ts';

export class ApiKeysSection {
  readonly element: HTMLElement;
  private readonly title: HTMLElement;
  private readonly body = el('tbody');
  private readonly confirmBox = el('div', { class: 'confirm-area' });
  private readonly created = el('div', { class: 'new-key-area' });
  private readonly person: HTMLSelectElement = el('select');
  private keys: ApiKey[] = [];

  constructor(private readonly client: AgentPort, private readonly users: () => PublicUser[], private readonly say: (message: string) => void) {
    const titleId = uid('keys-title');
    this.title = el('h3', { id: titleId, tabindex: -1 }, 'API keys');
    this.element = el('section', { class: 'team-card', 'aria-labelledby': titleId },
      this.title,
      el('p', { class: 'muted' }, 'A key lets a program (a bot, a report) use the agent API as a person, with a role no higher than theirs: it sends ',
        el('code', {}, 'Authorization: Bearer sbk_…'), '. Disabling the person revokes their keys.'),
      el('div', { class: 'table-scroll' }, el('table', { class: 'grid api-keys' },
        el('caption', { class: 'sr-only' }, 'API keys of the organization'),
        el('thead', {}, el('tr', {}, ...['Name', 'Person', 'Role', 'Created', 'Revoked'].map((h) => el('th', { scope: 'col' }, h)), el('th', { scope: 'col' }, el('span', { class: 'sr-only' }, 'Actions')))),
        this.body)),
      this.confirmBox,
      this.createForm(),
      this.created);
  }

  /** The keys again from the server (after the people were read: rows name them). */
  async refresh(): Promise<void> {
    try {
      this.keys = await this.client.apiKeys();
      this.render();
    } catch (err) {
      replaceChildren(this.body, el('tr', {}, el('td', { colspan: 6 }, `Could not load the API keys: ${adminErrorText(err)}`)));
    }
  }

  /** The people a key can be for (enabled ones), kept in the form's picker. */
  peopleChanged(): void {
    const chosen = this.person.value;
    replaceChildren(this.person, ...this.users().filter((u) => !u.disabled).map((u) => el('option', { value: u.id, selected: u.id === chosen }, `${u.name}${u.username ? ` (${u.username})` : ''}`)));
    this.render();
  }

  private nameOf(userId: string): string {
    return this.users().find((u) => u.id === userId)?.name ?? userId;
  }

  private render(): void {
    const rows = [...this.keys].sort((a, b) => b.createdAt - a.createdAt).map((k) => el('tr', { 'data-key-id': k.id },
      el('td', {}, k.name), el('td', {}, this.nameOf(k.userId)), el('td', {}, k.role), el('td', {}, formatDateTime(k.createdAt)),
      el('td', {}, k.revokedAt === null ? '—' : formatDateTime(k.revokedAt)),
      el('td', {}, k.revokedAt === null ? el('button', { type: 'button', class: 'danger', 'aria-label': `Revoke key ${k.name} of ${this.nameOf(k.userId)}`, onclick: () => this.confirmRevoke(k) }, 'Revoke') : null)));
    replaceChildren(this.body, ...(rows.length ? rows : [el('tr', {}, el('td', { colspan: 6, class: 'muted' }, 'No API keys yet.'))]));
  }

  private createForm(): HTMLElement {
    const person = formField('Person', this.person);
    const name = formField('Key name', el('input', { autocomplete: 'off', maxlength: 128 }), 'What uses it, e.g. "nightly report".');
    const role = formField('Role', roleSelect(ROLES, 'agent'), 'Capped at the person\'s own role.');
    const error = el('p', { class: 'error', role: 'alert' });
    const create = el('button', { type: 'submit', class: 'primary' }, 'Create key');
    const form = el('form', { class: 'team-form', 'aria-label': 'Create an API key', novalidate: true },
      person.element, name.element, role.element, el('div', { class: 'form-actions' }, create), error);
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      error.textContent = '';
      const keyName = name.input.value.trim();
      name.setError(keyName ? undefined : 'Name the key: what will use it?');
      person.setError(this.person.value ? undefined : 'Choose whose key it is');
      if (!keyName) return void name.input.focus();
      if (!this.person.value) return void this.person.focus();
      const asked = role.input.value as Role;
      void whileBusy(create, () => this.client.createApiKey({ userId: this.person.value, name: keyName, role: asked }).then(async (k) => {
        name.input.value = '';
        this.showCreated(keyName, this.nameOf(this.person.value), k.key, k.role, asked);
        await this.refresh();
      }, (err: unknown) => {
        error.textContent = adminErrorText(err);
      }));
    });
    return el('section', { class: 'team-subform', 'aria-label': 'New API key' }, el('h4', {}, 'New API key'), form);
  }

  /**
   * The new key, once: a read-only box to select or copy, and a warning that it will not be
   * shown again. Its role is said, and said as lower when the server capped it at its person's.
   */
  private showCreated(name: string, person: string, key: string, role: Role, asked: Role): void {
    const id = uid('new-key');
    const box = el('input', { id, class: 'key-value', readonly: true, value: key, spellcheck: 'false', autocomplete: 'off' });
    const copied = el('span', { role: 'status', class: 'muted' });
    const copy = el('button', { type: 'button', class: 'primary' }, 'Copy');
    copy.addEventListener('click', () => {
      box.select();
      const done = (): void => { copied.textContent = 'Copied'; };
      // The clipboard API needs a secure context (https or localhost); elsewhere the key is selected for Ctrl+C.
      if (navigator.clipboard) navigator.clipboard.writeText(key).then(done, () => { copied.textContent = 'Could not copy: the key is selected, press Ctrl+C'; });
      else copied.textContent = 'The key is selected: press Ctrl+C';
    });
    const done = el('button', { type: 'button', onclick: () => { this.created.replaceChildren(); this.title.focus(); } }, 'I have copied it');
    const capped = role !== asked;
    const roleLine = capped
      ? `It acts as ${role}, not ${asked}: a key's role is capped at its person's, and ${person} is ${role === 'agent' ? 'an' : 'a'} ${role}.`
      : `It acts as ${role}.`;
    this.created.replaceChildren(el('div', { class: 'new-key', role: 'group', 'aria-labelledby': `${id}-title` },
      el('p', { id: `${id}-title`, class: 'notice' }, `New key "${name}" for ${person}`),
      el('p', { class: capped ? 'warning key-role' : 'key-role' }, roleLine),
      el('p', { class: 'warning' }, 'This key is shown only once. Copy it now and keep it somewhere safe: it cannot be shown again, only revoked.'),
      el('label', { for: id }, 'API key'), el('div', { class: 'key-row' }, box, copy, copied), done));
    this.say(`API key "${name}" created for ${person}${capped ? `, as ${role} (capped at their role)` : ''}: copy it now, it is shown only once`);
    box.focus();
    box.select();
  }

  private confirmRevoke(k: ApiKey): void {
    const yes = el('button', { type: 'button', class: 'danger' }, 'Revoke key');
    const no = el('button', { type: 'button' }, 'Cancel');
    const error = el('p', { class: 'error', role: 'alert' });
    const back = (): void => {
      this.confirmBox.replaceChildren();
      const button = this.body.querySelector<HTMLButtonElement>(`tr[data-key-id="${CSS.escape(k.id)}"] button`);
      if (button) button.focus();
      else this.title.focus();
    };
    yes.addEventListener('click', () => void whileBusy(yes, () => this.client.revokeApiKey(k.id).then(async () => {
      this.confirmBox.replaceChildren();
      // The table first, then the announcement: what the status says is already on screen.
      await this.refresh();
      this.say(`API key "${k.name}" revoked: it answers 401 from now on`);
      this.title.focus();
    }, (err: unknown) => {
      error.textContent = adminErrorText(err);
    })));
    no.addEventListener('click', back);
    const group = el('div', { class: 'confirm', role: 'group', 'aria-label': `Confirm revoking key ${k.name}` },
      el('p', { class: 'notice' }, `Revoke the key "${k.name}" of ${this.nameOf(k.userId)}? What uses it gets 401 from then on; this cannot be undone.`),
      el('div', { class: 'form-actions' }, yes, no), error);
    // Escape answers no, as Cancel does (not while the revocation is on its way).
    group.addEventListener('keydown', (ev) => {
      if (ev.key !== 'Escape' || yes.disabled) return;
      ev.preventDefault();
      back();
    });
    this.confirmBox.replaceChildren(group);
    no.focus();
  }
}
