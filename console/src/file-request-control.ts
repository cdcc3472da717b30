/**
 * The chat header's "Request file" action (docs/agent-api.md, "File transfer"):
 * one button that asks the visitor for a file and, while that request is open,
 * withdraws it ("Cancel file request"). Whether a request is open comes from the
 * chat's own events (FileTransfer Requested, Canceled, ChasitorFileUploaded),
 * live or replayed, so another tab's request, the visitor's upload and the
 * server's cancel at a transfer all show here.
 */
import type { AgentPort } from './agent-port.ts';
import { el } from './dom-builder.ts';
import type { ChatEventWire } from './wire-types.ts';

export interface FileRequestHost {
  client: AgentPort;
  chatId: string;
  report(message: string): void;
  /** A refusal that may mean the chat left the agent (chat-panel.ts followRefusal). */
  refused(err: unknown): void;
}

export class FileRequestControl {
  /** Kept across the header's re-renders, so the keyboard stays on it when its label changes. */
  readonly button: HTMLButtonElement;
  /** The open request's token, or null. */
  private pending: string | null = null;
  private busy = false;

  constructor(private readonly host: FileRequestHost) {
    this.button = el('button', { type: 'button', onclick: () => void this.toggle() });
    this.render();
  }

  get pendingToken(): string | null {
    return this.pending;
  }

  /** A chat event, live or from a transcript read (in offset order). */
  observe(e: ChatEventWire): void {
    const token = typeof e.data['fileToken'] === 'string' ? e.data['fileToken'] : null;
    if (!token) return;
    if (e.type === 'FileTransfer' && e.data['type'] === 'Requested') this.pending = token;
    else if ((e.type === 'FileTransfer' || e.type === 'ChasitorFileUploaded') && this.pending === token) this.pending = null;
    else return;
    this.render();
  }

  private async toggle(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.render();
    const token = this.pending;
    try {
      if (token === null) {
        this.pending = (await this.host.client.requestFile(this.host.chatId)).fileToken;
        this.host.report('File requested: the visitor can upload one now');
      } else {
        await this.host.client.cancelFileRequest(this.host.chatId, token);
        if (this.pending === token) this.pending = null;
        this.host.report('File request canceled');
      }
    } catch (err) {
      this.refusal(err, token);
    } finally {
      this.busy = false;
      this.render();
    }
  }

  /** The server's no, in words; where it says how things stand, the button follows. */
  private refusal(err: unknown, token: string | null): void {
    const e = err as { status?: unknown; code?: unknown; body?: unknown } | null;
    const body = typeof e?.body === 'string' ? e.body : '';
    switch (e?.code) {
      case 'FILE_REQUEST_PENDING': {
        // Another tab of ours asked first (its stream event is on the way); the detail names its token.
        this.pending = pendingTokenOf(body) ?? this.pending;
        this.host.report('A file request is already open in this chat');
        return;
      }
      case 'FILE_ALREADY_UPLOADED':
        if (this.pending === token) this.pending = null;
        this.host.report('Too late to cancel: the visitor already sent the file');
        return;
      case 'FILE_TRANSFER_DISABLED':
        this.host.report('File transfer is off on this server');
        return;
    }
    if (token !== null && e?.status === 404) {
      // Canceled already (another tab, the server at a transfer): nothing is open.
      if (this.pending === token) this.pending = null;
      this.host.report('The file request was already closed');
      return;
    }
    const what = token === null ? 'Could not request a file' : 'Could not cancel the file request';
    this.host.report(`${what}: ${body || (err instanceof Error ? err.message : String(err))}`);
    this.host.refused(err);
  }

  private render(): void {
    this.button.textContent = this.pending === null ? 'Request file' : 'Cancel file request';
    // Not `disabled`: a disabled button drops the keyboard focus, and the label changes in place.
    if (this.busy) this.button.setAttribute('aria-disabled', 'true');
    else this.button.removeAttribute('aria-disabled');
  }
}

/** The open request's token in a 409 FILE_REQUEST_PENDING body (`…: fileToken <token>`, docs/errors.md). */
export function pendingTokenOf(body: string): string | undefined {
  return /: fileToken (\S+)$/.exec(body.trim())?.[1];
}
