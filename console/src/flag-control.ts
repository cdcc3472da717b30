/**
 * "Raise flag" / "Lower flag" in an agent's chat panel (Live Agent's Raise Flag, ADR 0056): the
 * holder asks a supervisor for help with a short message, in a small modal dialog. The control
 * follows the chat's own FlagRaised / FlagLowered events (live, and replayed from the transcript
 * after a reload), so every tab shows the flag as the server has it. Not by colour alone: the
 * state is the text "Flagged: <message>" next to a flag sign.
 */
import type { AgentPort } from './agent-port.ts';
import { el, uid } from './dom-builder.ts';
import { openModalDialog } from './modal-dialog.ts';
import type { ChatEventWire } from './wire-types.ts';

/** The server's limit on a flag's message (FLAG_MESSAGE_MAX). */
export const FLAG_MESSAGE_MAX = 255;

export interface FlagControlHost {
  client: AgentPort;
  chatId: string;
  report(message: string): void;
}

/** The words a flag is shown with, in the chat panel and the supervisor view. */
export function flaggedText(message: string): string {
  return message ? `Flagged: ${message}` : 'Flagged';
}

export class FlagControl {
  /** The button(s) and the flag's text, for the panel's header. */
  readonly element: HTMLElement;
  private readonly status = el('span', { class: 'flag-status', role: 'status' });
  private readonly raiseButton: HTMLButtonElement;
  private readonly lowerButton: HTMLButtonElement;
  private message: string | null = null;

  constructor(private readonly host: FlagControlHost) {
    this.raiseButton = el('button', { type: 'button', onclick: (ev: Event) => this.openDialog(ev.currentTarget as HTMLElement) }, 'Raise flag…');
    this.lowerButton = el('button', { type: 'button', onclick: () => void this.lower() }, 'Lower flag');
    this.element = el('span', { class: 'flag-control' }, this.status, this.raiseButton, this.lowerButton);
    this.show();
  }

  /** Whether a flag is up. */
  get raised(): boolean {
    return this.message !== null;
  }

  /** A chat event, live or read from the transcript: the flag as it is after it. */
  observe(e: ChatEventWire): void {
    if (e.type === 'FlagRaised') this.set(typeof e.data['message'] === 'string' ? e.data['message'] : '');
    else if (e.type === 'FlagLowered') this.set(null);
  }

  private set(message: string | null): void {
    if (this.message === message) return;
    this.message = message;
    this.show();
  }

  private show(): void {
    const up = this.message !== null;
    this.status.replaceChildren(...(up ? [el('span', { 'aria-hidden': 'true' }, '⚑ '), flaggedText(this.message ?? '')] : []));
    this.status.hidden = !up;
    this.raiseButton.textContent = up ? 'Change flag…' : 'Raise flag…';
    this.lowerButton.hidden = !up;
  }

  private async lower(): Promise<void> {
    try {
      await this.host.client.lowerFlag(this.host.chatId);
      this.set(null);
      this.raiseButton.focus();
    } catch (err) {
      this.host.report(`Could not lower the flag: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** The small dialog for the message: a modal <dialog>, Escape cancels, focus goes back to the opener. */
  private openDialog(opener: HTMLElement): void {
    const inputId = uid('flag-message');
    const input = el('input', { id: inputId, type: 'text', maxlength: FLAG_MESSAGE_MAX, value: this.message ?? '', autocomplete: 'off' });
    openModalDialog({
      name: 'flag',
      title: 'Ask a supervisor for help',
      body: [el('p', {}, el('label', { for: inputId }, 'Message for the supervisor (optional; the visitor does not see it)'), ' ', input)],
      submit: el('button', { type: 'submit', class: 'primary' }, 'Raise flag'),
      focus: input,
      opener,
      failure: 'Could not raise the flag',
      run: () => this.host.client.raiseFlag(this.host.chatId, input.value.trim()).then((flag) => this.set(flag.message)),
    });
  }
}
