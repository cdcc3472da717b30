/**
 * Turns keystrokes into the two signals the agent sees while the visitor types:
 * typing on/off (debounced, so one burst of typing is one Typing and one
 * NotTyping) and sneak peek text (throttled, so a fast typist sends a few
 * requests a second, not one per key, and the last text always goes out).
 */
export interface SignalSink {
  typing(on: boolean): void;
  sneakPeek(text: string): void;
}

export class InputSignals {
  private typing = false;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private peekTimer: ReturnType<typeof setTimeout> | undefined;
  private lastPeekAt = 0;
  private lastPeek = '';
  private pendingPeek: string | undefined;

  constructor(
    private readonly sink: SignalSink,
    private readonly opts: { idleMs: number; peekIntervalMs: number; sneakPeek: () => boolean },
  ) {}

  /** Call on every input event with the composer's current text. */
  input(text: string): void {
    if (text.length > 0 && !this.typing) {
      this.typing = true;
      this.sink.typing(true);
    }
    clearTimeout(this.idleTimer);
    if (text.length === 0) this.stop();
    else this.idleTimer = setTimeout(() => this.stop(), this.opts.idleMs);
    if (this.opts.sneakPeek()) this.peek(text);
  }

  /** The visitor sent or cleared the text: typing stops now, pending peeks are dropped. */
  sent(): void {
    clearTimeout(this.peekTimer);
    this.peekTimer = undefined;
    this.pendingPeek = undefined;
    this.lastPeek = '';
    this.stop();
  }

  dispose(): void {
    clearTimeout(this.idleTimer);
    clearTimeout(this.peekTimer);
  }

  private stop(): void {
    clearTimeout(this.idleTimer);
    if (!this.typing) return;
    this.typing = false;
    this.sink.typing(false);
  }

  private peek(text: string): void {
    const wait = this.lastPeekAt + this.opts.peekIntervalMs - Date.now();
    if (wait <= 0 && this.peekTimer === undefined) {
      this.flushPeek(text);
      return;
    }
    this.pendingPeek = text;
    this.peekTimer ??= setTimeout(() => {
      this.peekTimer = undefined;
      if (this.pendingPeek !== undefined) this.flushPeek(this.pendingPeek);
    }, Math.max(wait, 0));
  }

  private flushPeek(text: string): void {
    this.pendingPeek = undefined;
    this.lastPeekAt = Date.now();
    if (text === this.lastPeek) return;
    this.lastPeek = text;
    this.sink.sneakPeek(text);
  }
}
