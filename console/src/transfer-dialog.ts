/**
 * The transfer dialog: to an agent, a skill or a button. A modal <dialog>
 * (modal-dialog.ts) keeps focus inside while open, Escape cancels, and focus
 * goes back to the button that opened it.
 */
import { el, uid } from './dom-builder.ts';
import { openModalDialog } from './modal-dialog.ts';
import type { TransferTarget } from './wire-types.ts';

/** Suggestions for the three fields; `hint` says who could take the chat now. */
export interface TransferOptions {
  agents: { id: string; name: string; hint?: string }[];
  skills: { skill: string; hint?: string }[];
  /** `closed`: outside its business hours (ADR 0062): listed disabled, and not sent. */
  buttons: { id: string; label: string; hint?: string; closed?: boolean }[];
}

type Kind = 'agentId' | 'skill' | 'buttonId';

/** What the opener keeps of an open dialog. */
export interface TransferDialog {
  /** Closes the dialog (a transfer whose answer was lost turned out to have happened). */
  close(): void;
}

/**
 * Sends the transfer. Resolves when the chat was transferred (the dialog closes); a rejection's
 * message is shown in the dialog. `say` shows a line meanwhile (a check that takes a while).
 */
export type TransferSubmit = (target: TransferTarget, say: (text: string) => void) => Promise<void>;

/**
 * Opens the dialog. Focus returns to `opener` on close, or to `fallback` when
 * the opener is gone (a finished transfer removes the chat's buttons).
 */
export function openTransferDialog(visitorName: string, options: TransferOptions, opener: HTMLElement, fallback: HTMLElement, submit: TransferSubmit): TransferDialog {
  const progress = el('p', { class: 'muted progress', role: 'status' });
  const fields: Record<Kind, HTMLInputElement> = {
    agentId: el('input', { type: 'text', autocomplete: 'off' }),
    skill: el('input', { type: 'text', autocomplete: 'off' }),
    buttonId: el('input', { type: 'text', autocomplete: 'off' }),
  };
  const labels: Record<Kind, string> = { agentId: 'Agent', skill: 'Skill', buttonId: 'Button' };
  const withHint = (text: string, hint: string | undefined) => (hint ? `${text} (${hint})` : text);
  const lists: Record<Kind, { value: string; label: string; disabled?: boolean }[]> = {
    agentId: options.agents.map((a) => ({ value: a.id, label: withHint(a.name, a.hint) })),
    skill: options.skills.map((s) => ({ value: s.skill, label: withHint(s.skill, s.hint) })),
    buttonId: options.buttons.map((b) => (b.closed ? { value: b.id, label: `${b.label} (closed)`, disabled: true } : { value: b.id, label: withHint(b.label, b.hint) })),
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
      el('datalist', { id: listId }, ...lists[kind].map(({ value, label, disabled }) => el('option', { value, label, disabled }))));
  });
  // One transfer at a time (modal-dialog.ts ignores a second submit): a second one could follow
  // one the server already applied.
  return openModalDialog({
    name: 'transfer',
    title: `Transfer chat with ${visitorName || 'visitor'}`,
    body: [el('fieldset', {}, el('legend', {}, 'Transfer to'), ...rows)],
    afterError: [progress],
    submit: el('button', { type: 'submit', class: 'primary' }, 'Transfer'),
    focus: fields.agentId,
    opener,
    fallback,
    failure: 'Transfer failed',
    run: (showError) => {
      const kind = (radios.find((r) => r.checked)?.value ?? 'agentId') as Kind;
      const value = fields[kind].value.trim();
      if (!value) {
        showError(`Enter the ${labels[kind].toLowerCase()} to transfer to.`);
        fields[kind].focus();
        return undefined;
      }
      // A name typed for an agent, or a label for a button, is resolved to its id.
      const target = kind === 'agentId' ? options.agents.find((a) => a.name === value)?.id ?? value
        : kind === 'buttonId' ? options.buttons.find((b) => b.label === value)?.id ?? value : value;
      const closed = kind === 'buttonId' ? options.buttons.find((b) => b.id === target && b.closed) : undefined;
      if (closed) {
        // The server would refuse it (409 BUTTON_CLOSED): said here, without a request.
        showError(`${closed.label} is closed: it is outside its business hours.`);
        fields[kind].focus();
        return undefined;
      }
      return submit({ [kind]: target }, (text) => { progress.textContent = text; }).catch((err: unknown) => {
        progress.textContent = '';
        throw err;
      });
    },
  });
}
