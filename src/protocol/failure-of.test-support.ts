/** What the protocol parsers' tests share: the catalogue code a call fails with. */
import { SwitchboardError, type ErrorCode } from './errors.js';

/** The catalogue code `fn` fails with, or undefined when it succeeds; any other error is thrown on. */
export function failureOf(fn: () => unknown): ErrorCode | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof SwitchboardError) return err.code;
    throw err;
  }
  return undefined;
}
