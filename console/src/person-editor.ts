/**
 * The Team view's editor of one person: role, skills and capacity; a new
 * password; disable or enable. Each is its own form, sent on its own, so a
 * refused change (409 LAST_ADMIN) leaves the others alone. What signs someone
 * out says so before it is done (docs/agent-api.md, PATCH /admin/users).
 */
import type { AgentPort } from './agent-port.ts';
import { el, uid } from './dom-builder.ts';
import { formField, roleSelect, whileBusy } from './form-field.ts';
import { ROLES, adminErrorText, changeErrors, configFileNote, parseCapacity, parseSkills, passwordErrors, settingsPatch } from './team-form.ts';
import type { PublicUser, Role, UpdateUserInput } from './wire-types.ts';

export interface PersonEditorHost {
  /** The server took a change: `message` for the status line. */
  saved(user: PublicUser, message: string): void;
  /** The editor was closed; the Team view puts the focus back on the person's row. */
  closed(user: PublicUser): void;
}

export class PersonEditor {
  readonly element: HTMLElement;
  private readonly title: HTMLElement;

  constructor(private readonly client: AgentPort, private user: PublicUser, private readonly me: PublicUser, private readonly host: PersonEditorHost) {
    const titleId = uid('edit-title');
    this.title = el('h3', { id: titleId, tabindex: -1 }, `Edit ${user.name}${user.username ? ` (${user.username})` : ''}`);
    this.element = el('section', { class: 'person-editor', 'aria-labelledby': titleId, 'data-user-id': user.id },
      el('div', { class: 'editor-header' }, this.title, el('button', { type: 'button', onclick: () => this.host.closed(this.user) }, 'Close')),
      // Only a config user's changes can be undone by the file; a user made here has no entry.
      this.configNote(),
      this.settingsForm(), this.passwordForm(), this.accessBox());
    // Escape closes the editor, as its Close button does (a confirmation inside takes it first).
    this.element.addEventListener('keydown', (ev) => {
      if (ev.key !== 'Escape' || ev.defaultPrevented) return;
      ev.preventDefault();
      this.host.closed(this.user);
    });
  }

  private configNote(): HTMLElement | null {
    const note = configFileNote(this.user.source);
    return note ? el('p', { class: 'muted config-note' }, note) : null;
  }

  focus(): void {
    this.title.focus();
  }

  /** Sends one change; the answer or the refusal goes to `error` (a live region). */
  private async patch(patch: UpdateUserInput, error: HTMLElement, button: HTMLButtonElement, message: (u: PublicUser) => string): Promise<PublicUser | undefined> {
    error.textContent = '';
    return whileBusy(button, async () => {
      try {
        const u = await this.client.updateUser(this.user.id, patch);
        this.user = u;
        this.host.saved(u, message(u));
        return u;
      } catch (err) {
        error.textContent = adminErrorText(err, this.user.name, this.user.id === this.me.id);
        return undefined;
      }
    });
  }

  private settingsForm(): HTMLElement {
    const role = formField('Role', roleSelect(ROLES, this.user.role), 'Agents take chats; supervisors also see the whole org; admins also manage the team.');
    const skills = formField('Skills', el('input', { value: this.user.skills.join(', '), autocomplete: 'off' }), 'Comma-separated, matched against the buttons\' skills.');
    const capacity = formField('Capacity', el('input', { type: 'number', min: 0, max: 1000, value: this.user.capacity }), 'Most chats at once; 0: no limit (bots).');
    const error = el('p', { class: 'error', role: 'alert' });
    const save = el('button', { type: 'submit', class: 'primary' }, 'Save changes');
    const form = el('form', { class: 'team-form', 'aria-label': `Role, skills and capacity of ${this.user.name}`, novalidate: true },
      role.element, skills.element, capacity.element, el('div', { class: 'form-actions' }, save), error);
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const problems = changeErrors({ skills: skills.input.value, capacity: capacity.input.value });
      skills.setError(problems.find((p) => p.field === 'skills')?.message);
      capacity.setError(problems.find((p) => p.field === 'capacity')?.message);
      if (problems.length) return void (problems[0]!.field === 'skills' ? skills : capacity).input.focus();
      // What the admin changed, nothing else: an unchanged capacity sent would undo the agent's own.
      const patch = settingsPatch(this.user, { role: role.input.value as Role, skills: parseSkills(skills.input.value), capacity: parseCapacity(capacity.input.value) as number });
      void this.patch(patch, error, save, (u) => `Saved: ${u.name} is ${u.role}, skills ${u.skills.join(', ') || 'none'}, capacity ${u.capacity}`).then((u) => {
        // Refused (LAST_ADMIN): the form shows what the server still has.
        role.input.value = (u ?? this.user).role;
        if (u) skills.input.value = u.skills.join(', ');
        if (!u) error.focus();
      });
    });
    error.tabIndex = -1;
    return form;
  }

  private passwordForm(): HTMLElement {
    const password = formField('New password', el('input', { type: 'password', autocomplete: 'new-password' }),
      `At least 8 characters. Setting it signs ${this.user.id === this.me.id ? 'you out everywhere, this console included' : `${this.user.name} out of every console and app at once`}; they log in again with the new one.`);
    const error = el('p', { class: 'error', role: 'alert' });
    const set = el('button', { type: 'submit' }, 'Set password');
    const form = el('form', { class: 'team-form', 'aria-label': `New password for ${this.user.name}`, novalidate: true }, password.element, el('div', { class: 'form-actions' }, set), error);
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const problem = passwordErrors(password.input.value)[0]?.message;
      password.setError(problem);
      if (problem) return void password.input.focus();
      void this.patch({ password: password.input.value }, error, set, (u) => `New password set for ${u.name}: they were signed out and log in with it`).then((u) => {
        if (u) password.input.value = '';
      });
    });
    return form;
  }

  /** Disable (after a confirmation: it signs the person out and revokes their keys) or enable. */
  private accessBox(): HTMLElement {
    const box = el('div', { class: 'access' });
    const error = el('p', { class: 'error', role: 'alert' });
    const render = (): void => {
      const u = this.user;
      if (u.disabled) {
        const enable = el('button', { type: 'button' }, `Enable ${u.name}`);
        enable.addEventListener('click', () => void this.patch({ disabled: false }, error, enable, (v) => `${v.name} is enabled: they can log in again (their old API keys stay revoked)`).then((v) => {
          if (v) { render(); box.querySelector<HTMLButtonElement>('button')?.focus(); }
        }));
        box.replaceChildren(el('p', {}, el('strong', {}, 'Disabled. '), 'They cannot log in; API keys revoked when they were disabled stay revoked.'), enable, error);
        return;
      }
      const disable = el('button', { type: 'button', class: 'danger' }, `Disable ${u.name}`);
      disable.addEventListener('click', () => confirm());
      box.replaceChildren(el('p', { class: 'muted' }, 'Disabling signs them out at once, puts their chats back in the queue and revokes their API keys for good (enabling them again does not bring the keys back).'), disable, error);
    };
    const confirm = (): void => {
      const u = this.user;
      const yes = el('button', { type: 'button', class: 'danger' }, `Yes, disable ${u.name}`);
      const no = el('button', { type: 'button' }, 'Cancel');
      const question = el('p', { class: 'notice' }, `Disable ${u.id === this.me.id ? 'yourself' : u.name}? ${u.id === this.me.id ? 'You are' : 'They are'} signed out at once.`);
      yes.addEventListener('click', () => void this.patch({ disabled: true }, error, yes, (v) => `${v.name} is disabled and was signed out`).then((v) => {
        if (v) { render(); box.querySelector<HTMLButtonElement>('button')?.focus(); return; }
        // Refused (LAST_ADMIN): back to the Disable button, the reason stays in the alert.
        const message = error.textContent;
        render();
        error.textContent = message;
        box.querySelector<HTMLButtonElement>('button')?.focus();
      }));
      no.addEventListener('click', () => { render(); box.querySelector<HTMLButtonElement>('button')?.focus(); });
      const group = el('div', { class: 'confirm', role: 'group', 'aria-label': `Confirm disabling ${u.name}` }, question, el('div', { class: 'form-actions' }, yes, no));
      // Escape answers no, as Cancel does (and only that: the editor stays open).
      group.addEventListener('keydown', (ev) => {
        if (ev.key !== 'Escape' || yes.disabled) return;
        ev.preventDefault();
        no.click();
      });
      box.replaceChildren(group, error);
      no.focus();
    };
    render();
    return el('section', { class: 'team-access', 'aria-label': `Access of ${this.user.name}` }, el('h4', {}, 'Access'), box);
  }
}
