/**
 * The "Invite to conference" dialog (ADR 0051): the holder picks one online agent with room
 * (as the transfer dialog lists them) and invites it into the chat. A modal <dialog>
 * (modal-dialog.ts): focus stays inside while open, Escape cancels, focus goes back to the
 * button that opened it.
 */
import { el, uid } from './dom-builder.ts';
import { openModalDialog } from './modal-dialog.ts';

/** An agent who could join now. */
export interface ConferenceCandidate {
  id: string;
  name: string;
}

/** Sends the invitation; a rejection's message is shown in the dialog, a success closes it. */
export type ConferenceSubmit = (agentId: string) => Promise<void>;

export function openConferenceDialog(visitorName: string, agents: readonly ConferenceCandidate[], opener: HTMLElement, submit: ConferenceSubmit): void {
  const selectId = uid('conference-agent');
  const select = el('select', { id: selectId }, ...agents.map((a) => el('option', { value: a.id }, a.name)));
  openModalDialog({
    name: 'conference',
    title: `Invite an agent into the chat with ${visitorName || 'visitor'}`,
    body: [agents.length
      ? el('p', {}, el('label', { for: selectId }, 'Agent'), ' ', select)
      : el('p', {}, 'No other agent is online with room right now.')],
    submit: agents.length ? el('button', { type: 'submit', class: 'primary' }, 'Invite') : null,
    // With nobody to invite, the keyboard starts on Cancel.
    focus: agents.length ? select : null,
    opener,
    failure: 'Invitation failed',
    run: () => (select.value ? submit(select.value) : undefined),
  });
}
