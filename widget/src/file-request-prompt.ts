/**
 * The visitor's side of an agent's file request (FileTransfer Requested): a
 * labelled group above the message box with a file picker, an Upload button and
 * a status line (a polite live region) for progress and errors. There is no
 * Cancel: a visitor who does not want to send a file just does not; the agent
 * withdraws the request (FileTransfer Canceled), which removes the prompt.
 */
import { h } from './dom.js';
import type { Texts } from './texts.js';

/** What the SDK tells of a wait (its UploadBusyWait): the refusal and how long until the next try. */
export interface BusyWait {
  status: number;
  waitMs: number;
}

let nextId = 0;

/** What the prompt needs done: the upload itself (the SDK), and what to do once it went through. */
export interface FilePromptHost {
  /**
   * Uploads the file; rejects with the SDK's error (status, reason) when the server refuses it.
   * `busy` is called each time the SDK waits out a busy server before it tries again.
   */
  upload(file: File, busy: (wait: BusyWait) => void): Promise<void>;
  /** The file went through: the prompt is gone, the chat says so. */
  sent(file: File): void;
}

export class FileRequestPrompt {
  readonly element: HTMLDivElement;
  private readonly input: HTMLInputElement;
  private readonly button: HTMLButtonElement;
  private readonly status: HTMLParagraphElement;
  private readonly progress: HTMLProgressElement;
  private busy = false;

  constructor(readonly fileToken: string, private readonly host: FilePromptHost, private readonly t: Texts) {
    const id = `sb-file-${++nextId}`;
    this.input = h('input', { id: `${id}-input`, type: 'file', 'aria-describedby': `${id}-status` });
    this.button = h('button', { type: 'button' }, t.upload);
    // Indeterminate: fetch tells nothing of an upload's progress, and the files are small (10 MB by default).
    this.progress = h('progress', { 'aria-label': t.uploadingLabel, hidden: true });
    this.status = h('p', { id: `${id}-status`, class: 'fr-status', role: 'status' });
    this.element = h('div', { class: 'file-req', role: 'group', 'aria-labelledby': `${id}-title` },
      h('p', { id: `${id}-title`, class: 'fr-title' }, t.fileRequest),
      h('label', { for: `${id}-input` }, t.chooseFile), this.input,
      h('div', { class: 'fr-row' }, this.button, this.progress),
      this.status);
    this.button.addEventListener('click', () => void this.upload());
    this.input.addEventListener('change', () => this.say(''));
  }

  /** Puts the keyboard on the file picker. */
  focus(): void {
    this.input.focus();
  }

  private async upload(): Promise<void> {
    const file = this.input.files?.[0];
    if (this.busy) return;
    if (!file) {
      this.say(this.t.chooseFileFirst, true);
      this.input.focus();
      return;
    }
    this.setBusy(true);
    this.say(this.t.uploadingFile({ file: file.name }));
    try {
      // A wait is not an error: the visitor is told the upload goes on by itself.
      await this.host.upload(file, (wait) => this.say(busyWaitText(this.t, wait)));
    } catch (err) {
      this.setBusy(false);
      this.say(uploadErrorText(this.t, err), true);
      return;
    }
    this.host.sent(file);
  }

  private setBusy(on: boolean): void {
    this.busy = on;
    this.input.disabled = on;
    // Not `disabled`: the button the visitor just pressed keeps the keyboard focus while it works.
    if (on) this.button.setAttribute('aria-disabled', 'true');
    else this.button.removeAttribute('aria-disabled');
    this.progress.hidden = !on;
  }

  private say(text: string, error = false): void {
    this.status.textContent = text;
    if (error) this.status.dataset.kind = 'err';
    else delete this.status.dataset.kind;
  }
}

/** The panel's place for the open request's prompt: one at a time, as the server allows no more. */
export class FilePromptSlot {
  private prompt: FileRequestPrompt | undefined;

  /** `fallback`: where the keyboard goes when the prompt it was in goes (null: leave it). */
  constructor(private readonly slot: HTMLElement, private readonly root: ShadowRoot, private readonly fallback: () => HTMLElement | null, private readonly t: Texts) {}

  /** The token of the request shown, if any. */
  get fileToken(): string | undefined {
    return this.prompt?.fileToken;
  }

  /** Shows the prompt of `fileToken` in place of any other; false when it shows already. */
  show(fileToken: string, host: FilePromptHost): boolean {
    if (this.prompt?.fileToken === fileToken) return false;
    this.drop();
    this.prompt = new FileRequestPrompt(fileToken, host, this.t);
    this.slot.appendChild(this.prompt.element);
    return true;
  }

  /** Takes the prompt away; the keyboard goes to the fallback if it was in the prompt. */
  drop(): void {
    const prompt = this.prompt;
    if (!prompt) return;
    this.prompt = undefined;
    const hadFocus = prompt.element.contains(this.root.activeElement);
    prompt.element.remove();
    if (hadFocus) this.fallback()?.focus();
  }
}

/** The status line while the SDK waits out a busy server (503) or this address's limit (429). */
export function busyWaitText(t: Texts, wait: BusyWait): string {
  // No seconds: the line is not a countdown, and a number left standing would soon be wrong.
  return wait.status === 429 ? t.tooManyUploads : t.serverBusy;
}

/** The SDK's refusal in the visitor's words; the server's reason when it is none of those we know. */
export function uploadErrorText(t: Texts, err: unknown): string {
  const e = err as { status?: unknown; code?: unknown; maxBytes?: unknown; body?: unknown } | null;
  switch (e?.code) {
    case 'FILE_TOO_LARGE':
      return typeof e.maxBytes === 'number' ? t.tooLargeMax({ size: megabytes(t, e.maxBytes) }) : t.tooLarge;
    case 'FILE_MISSING':
      return t.fileEmpty;
    case 'FILE_TOKEN_INVALID':
      return t.fileNoLongerAsked;
    case 'FILE_ALREADY_UPLOADED':
      return t.fileAlreadySent;
    case 'FILE_TRANSFER_DISABLED':
      return t.filesDisabled;
    // Only after the SDK has waited and tried again (3 tries at most).
    case 'UPLOADS_BUSY':
      return t.uploadsBusy;
  }
  if (typeof e?.status === 'number') return t.uploadFailed({ reason: `${e.status}${typeof e.body === 'string' && e.body ? `: ${e.body.slice(0, 120)}` : ''}` });
  return t.uploadLost;
}

/** 10485760 → "10 MB", 1572864 → "1.5 MB" ("1,5 Mo" in French), 65536 → "0.06 MB". */
export function megabytes(t: Texts, bytes: number): string {
  const mb = bytes / 1_048_576;
  return t.megabytes({ n: Number(mb.toFixed(mb >= 10 ? 0 : mb >= 1 ? 1 : 2)) });
}

/** 532 → "532 bytes", 1 → "1 byte", 20480 → "20 KB", 3145728 → "3 MB". */
export function fileSize(t: Texts, bytes: number): string {
  if (bytes < 1024) return t.bytes({ n: bytes });
  if (bytes < 1_048_576) return t.kilobytes({ n: Math.round(bytes / 1024) });
  return megabytes(t, bytes);
}
