/**
 * The transfer dialog: to an agent, a skill or a button. A modal <dialog>
 * keeps focus inside while open, Escape cancels, and focus goes back to the
 * button that opened it.
 */
import { el, uid } from './dom-builder.ts';
import type { TransferTarget } from './wire-types.ts';

export interface TransferOptions {
  agents: { id: string; name: string }[];
  skills: string[];
  buttons: string[];
}

type Kind = 'agentId' | 'skill' | 'buttonId';

/**
 * Opens the dialog. Focus returns to `opener` on close, or to `fallback` when
 * the opener is gone (a finished transfer removes the chat's buttons).
 */
export function openTransferDialog(visitorName: string, options: TransferOptions, opener: HTMLElement, fallback: HTMLElement, submit: (target: TransferTarget) => Promise<void>): void {
  const titleId = uid('transfer-title');
  const error = el('p', { class: 'error', role: 'alert' });
  const fields: Record<Kind, HTMLInputElement> = {
    agentId: el('input', { type: 'text', autocomplete: 'off' }),
    skill: el('input', { type: 'text', autocomplete: 'off' }),
    buttonId: el('input', { type: 'text', autocomplete: 'off' }),
  };
  const labels: Record<Kind, string> = { agentId: 'Agent', skill: 'Skill', buttonId: 'Button' };
  const lists: Record<Kind, string[][]> = {
    agentId: options.agents.map((a) => [a.id, a.name]),
    skill: options.skills.map((s) => [s, s]),
    buttonId: options.buttons.map((b) => [b, b]),
  };
  const radios: HTMLInputElement[] = [];
  const rows = (Object.keys(fields) as Kind[]).map((kind, i) => {
    const radioId = uid('transfer-kind');
    const inputId = uid('transfer-value');
    const listId = uid('transfer-list');
    const radio = el('input', { type: 'radio', name: 'kind', id: radioId, value: kind, checked: i === 0 });
    radios.push(radio);
    const input = fields[kind];
    input.id = inputId;
    input.disabled = i !== 0;
    input.setAttribute('list', listId);
    input.setAttribute('aria-label', `${labels[kind]} id`);
    radio.addEventListener('change', () => {
      for (const k of Object.keys(fields) as Kind[]) fields[k].disabled = k !== kind;
      input.focus();
    });
    return el('div', { class: 'transfer-row' },
      radio, el('label', { for: radioId }, labels[kind]), input,
      el('datalist', { id: listId }, ...lists[kind].map(([value, label]) => el('option', { value, label }))));
  });
  const dialog = el('dialog', { class: 'dialog', 'aria-labelledby': titleId });
  const form = el('form', { method: 'dialog' },
    el('h2', { id: titleId }, `Transfer chat with ${visitorName || 'visitor'}`),
    el('fieldset', {}, el('legend', {}, 'Transfer to'), ...rows),
    error,
    el('div', { class: 'dialog-actions' },
      el('button', { type: 'button', onclick: () => dialog.close() }, 'Cancel'),
      el('button', { type: 'submit', class: 'primary' }, 'Transfer')));
  dialog.append(form);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    const kind = (radios.find((r) => r.checked)?.value ?? 'agentId') as Kind;
    const value = fields[kind].value.trim();
    if (!value) {
      error.textContent = `Enter the ${labels[kind].toLowerCase()} to transfer to.`;
      fields[kind].focus();
      return;
    }
    // A name typed for an agent is resolved to the agent's id.
    const target = kind === 'agentId' ? options.agents.find((a) => a.name === value)?.id ?? value : value;
    submit({ [kind]: target }).then(() => dialog.close(), (err: unknown) => {
      error.textContent = `Transfer failed: ${err instanceof Error ? err.message : String(err)}`;
    });
  });
  dialog.addEventListener('close', () => {
    dialog.remove();
    if (opener.isConnected) opener.focus();
    else {
      if (!fallback.hasAttribute('tabindex')) fallback.setAttribute('tabindex', '-1');
      fallback.focus();
    }
  });
  document.body.append(dialog);
  dialog.showModal();
  fields.agentId.focus();
}
