/**
 * The Team view, for admins only (ADR 0046): the org's people (name, username,
 * role, skills, capacity, enabled or not, defined in the config file or through
 * the admin API), a form to add one, an editor for each
 * (person-editor.ts), the API keys (api-keys-section.ts), the org's quick texts
 * (org-quick-texts-section.ts, ADR 0059), the blocked addresses
 * (blocked-addresses-section.ts), the webhooks' state (webhooks-section.ts,
 * ADR 0065) and a visitor's erasure on request (visitor-erasure-section.ts).
 * Everything goes through the admin routes of the agent API; buttons,
 * deployments and webhooks stay in the config file.
 */
import type { AgentPort } from './agent-port.ts';
import { ApiKeysSection } from './api-keys-section.ts';
import { el, replaceChildren, uid } from './dom-builder.ts';
import { formField, roleSelect, whileBusy } from './form-field.ts';
import { PersonEditor } from './person-editor.ts';
import { ROLES, adminErrorText, newPersonErrors, parseCapacity, parseSkills, sourceLabel, type FieldError } from './team-form.ts';
import { VisitorErasureSection } from './visitor-erasure-section.ts';
import { BlockedAddressesSection } from './blocked-addresses-section.ts';
import { OrgQuickTextsSection } from './org-quick-texts-section.ts';
import { WebhooksSection } from './webhooks-section.ts';
import type { PublicUser, Role } from './wire-types.ts';

export class TeamView {
  readonly element: HTMLElement;
  private users: PublicUser[] = [];
  private listed = false;
  private readonly status = el('p', { class: 'team-status', role: 'status' });
  private readonly body = el('tbody');
  private readonly editorArea = el('div', { class: 'editor-area' });
  private readonly keys: ApiKeysSection;
  private readonly erasure: VisitorErasureSection;
  private readonly blocked: BlockedAddressesSection;
  private readonly quickTexts: OrgQuickTextsSection;
  private readonly webhooks: WebhooksSection;
  private readonly peopleTitle: HTMLElement;

  constructor(private readonly client: AgentPort, private readonly me: PublicUser) {
    const titleId = uid('team-title');
    const peopleId = uid('people-title');
    this.peopleTitle = el('h3', { id: peopleId, tabindex: -1 }, 'People');
    this.keys = new ApiKeysSection(client, () => this.users, (m) => this.say(m));
    this.erasure = new VisitorErasureSection(client, (m) => this.say(m));
    this.blocked = new BlockedAddressesSection(client, (m) => this.say(m));
    this.quickTexts = new OrgQuickTextsSection(client, (m) => this.say(m));
    this.webhooks = new WebhooksSection(client, (m) => this.say(m));
    this.element = el('section', { class: 'team', 'aria-labelledby': titleId, hidden: true },
      el('h2', { id: titleId }, 'Team'),
      el('p', { class: 'muted' }, 'The people of your organization, their roles, skills and capacity, and the API keys. Buttons and deployments are set in the server\'s config file.'),
      this.status,
      el('section', { class: 'team-card', 'aria-labelledby': peopleId },
        el('div', { class: 'card-header' }, this.peopleTitle, el('button', { type: 'button', onclick: () => void this.refresh() }, 'Refresh')),
        el('div', { class: 'table-scroll' }, el('table', { class: 'grid people' },
          el('caption', { class: 'sr-only' }, 'People of the organization'),
          el('thead', {}, el('tr', {}, ...['Name', 'Username', 'Role', 'Skills', 'Capacity', 'Status', 'Defined in'].map((h) => el('th', { scope: 'col' }, h)), el('th', { scope: 'col' }, el('span', { class: 'sr-only' }, 'Actions')))),
          this.body)),
        this.editorArea,
        this.addForm()),
      this.keys.element,
      this.quickTexts.element,
      this.blocked.element,
      this.webhooks.element,
      this.erasure.element);
  }

  /** Shown or hidden; read the first time it is shown. */
  show(visible: boolean): void {
    this.element.hidden = !visible;
    if (visible && !this.listed) void this.refresh();
  }

  /** The people and the keys again from the server. */
  async refresh(): Promise<void> {
    this.listed = true;
    try {
      this.users = await this.client.users();
      this.render();
    } catch (err) {
      replaceChildren(this.body, el('tr', {}, el('td', { colspan: 8 }, `Could not load the people: ${adminErrorText(err)}`)));
    }
    this.keys.peopleChanged();
    await this.keys.refresh();
    await this.quickTexts.refresh();
    await this.blocked.refresh();
    await this.webhooks.refresh();
  }

  private say(message: string): void {
    this.status.textContent = message;
  }

  private render(): void {
    const sorted = [...this.users].sort((a, b) => a.name.localeCompare(b.name));
    replaceChildren(this.body, ...sorted.map((u) => el('tr', { 'data-user-id': u.id, class: u.disabled ? 'disabled-user' : null },
      el('th', { scope: 'row' }, u.name, u.id === this.me.id ? ' (you)' : ''),
      el('td', {}, u.username ?? '—'),
      el('td', {}, u.role),
      el('td', {}, u.skills.join(', ') || '—'),
      el('td', {}, u.capacity === 0 ? '0 (no limit)' : u.capacity),
      el('td', {}, u.disabled ? 'Disabled' : 'Enabled'),
      el('td', {}, sourceLabel(u.source)),
      el('td', {}, el('button', { type: 'button', 'aria-label': `Edit ${u.name}`, onclick: () => this.edit(u) }, 'Edit')))));
  }

  private edit(u: PublicUser): void {
    const editor = new PersonEditor(this.client, u, this.me, {
      saved: (changed, message) => {
        this.users = this.users.map((x) => (x.id === changed.id ? changed : x));
        this.render();
        this.keys.peopleChanged();
        this.say(message);
        // Disabling revokes the person's keys: the list says so.
        void this.keys.refresh();
      },
      closed: (closed) => {
        this.editorArea.replaceChildren();
        this.rowButton(closed.id)?.focus();
      },
    });
    this.editorArea.replaceChildren(editor.element);
    editor.focus();
  }

  private rowButton(userId: string): HTMLButtonElement | null {
    return this.body.querySelector<HTMLButtonElement>(`tr[data-user-id="${CSS.escape(userId)}"] button`);
  }

  private addForm(): HTMLElement {
    const name = formField('Name', el('input', { autocomplete: 'off', maxlength: 256 }), 'Shown to visitors.');
    const username = formField('Username', el('input', { autocomplete: 'off', maxlength: 256 }), 'What they log in with; unique on this server.');
    const password = formField('Password', el('input', { type: 'password', autocomplete: 'new-password' }), 'At least 8 characters. Give it to them privately.');
    const role = formField('Role', roleSelect(ROLES, 'agent'));
    const skills = formField('Skills', el('input', { autocomplete: 'off' }), 'Comma-separated, e.g. "support, billing": matched against the buttons\' skills.');
    // A default, not only a value: the form's reset after each person added brings it back.
    const capacity = formField('Capacity', el('input', { type: 'number', min: 0, max: 1000, value: 3 }), 'Most chats at once; 0: no limit.');
    capacity.input.defaultValue = '3';
    const fields = { name, username, password, skills, capacity };
    const error = el('p', { class: 'error', role: 'alert' });
    const add = el('button', { type: 'submit', class: 'primary' }, 'Add person');
    const form = el('form', { class: 'team-form', 'aria-label': 'Add a person', novalidate: true },
      name.element, username.element, password.element, role.element, skills.element, capacity.element, el('div', { class: 'form-actions' }, add), error);
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      error.textContent = '';
      const values = { name: name.input.value, username: username.input.value, password: password.input.value, skills: skills.input.value, capacity: capacity.input.value };
      const problems = newPersonErrors(values);
      for (const [field, f] of Object.entries(fields)) f.setError(problems.find((p: FieldError) => p.field === field)?.message);
      if (problems.length) {
        fields[problems[0]!.field].input.focus();
        error.textContent = problems.length === 1 ? 'Fix the field marked above.' : `Fix the ${problems.length} fields marked above.`;
        return;
      }
      void whileBusy(add, () => this.client.createUser({
        name: values.name.trim(), username: values.username.trim(), password: values.password, role: role.input.value as Role,
        skills: parseSkills(values.skills), capacity: parseCapacity(values.capacity) as number,
      }).then(async (u) => {
        form.reset();
        // The table first, then the announcement: what the status says is already on screen.
        await this.refresh();
        this.say(`Added ${u.name} (${u.username ?? u.id}) as ${u.role}: they can log in now`);
        this.rowButton(u.id)?.focus();
      }, (err: unknown) => {
        error.textContent = adminErrorText(err, values.name.trim());
        // A taken username is the field to change.
        if ((err as { status?: unknown }).status === 409) username.input.focus();
      }));
    });
    return el('section', { class: 'team-subform', 'aria-label': 'Add a person' }, el('h4', {}, 'Add a person'), form);
  }
}
