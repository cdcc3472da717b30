/**
 * The bytes of all uploads held in memory at once (fileTransfer.maxBytesInFlight). Each
 * upload is buffered whole and then sits in a group commit until it is written, so many
 * slow uploads from many addresses (which the per-address rate limit does not see together)
 * could otherwise hold up to maxBytes each. An upload that would go past the budget is
 * refused (503 UPLOADS_BUSY, Retry-After) rather than made to wait: a waiting upload still
 * holds its socket and the bytes it has read. One upload alone always fits, so a budget
 * below maxBytes slows uploads down to one at a time but never refuses every one.
 */

/** What one upload holds of the budget (released once its answer is known). */
export interface UploadHold {
  bytes: number;
}

export class UploadBudget {
  private held = 0;

  constructor(readonly maxBytes: number) {}

  /** The bytes held by all uploads now (tests, metrics). */
  get inFlight(): number {
    return this.held;
  }

  /** Adds `n` bytes to `hold`: false (nothing taken) when that would go past the budget and other uploads hold bytes too. */
  take(hold: UploadHold, n: number): boolean {
    const alone = hold.bytes === this.held;
    if (!alone && this.held + n > this.maxBytes) return false;
    hold.bytes += n;
    this.held += n;
    return true;
  }

  /** Gives back `n` of `hold`'s bytes (all of them by default). */
  release(hold: UploadHold, n = hold.bytes): void {
    const m = Math.min(n, hold.bytes);
    hold.bytes -= m;
    this.held -= m;
  }
}
