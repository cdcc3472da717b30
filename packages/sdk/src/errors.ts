/** A non-2xx answer from the server. `body` is the (short, plain-text) error body. */
export class SwitchboardHttpError extends Error {
  override readonly name = 'SwitchboardHttpError';

  constructor(
    readonly status: number,
    readonly body: string,
    what: string,
  ) {
    super(`${what}: ${status} ${body.slice(0, 200)}`);
  }
}

/** The client was stopped (end(), disconnect(), the chat ended) before the request could complete. */
export class SwitchboardClosedError extends Error {
  override readonly name = 'SwitchboardClosedError';
}

/** True for what fetch throws when the request never got an answer (not for an abort we asked for). */
export function isNetworkError(err: unknown): boolean {
  return err instanceof TypeError || (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'NetworkTimeout'));
}
