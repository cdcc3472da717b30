/** What the status line says while the chat waits in the queue. */
import type { Texts } from './texts.js';

/** "about 2 minutes", "less than a minute", or "" when unknown. */
export function waitText(t: Texts, seconds: number | undefined): string {
  if (seconds === undefined || seconds < 0) return '';
  return seconds < 60 ? t.lessThanAMinute : t.aboutMinutes({ n: Math.round(seconds / 60) });
}

/**
 * The visitor's place in the queue, and the estimated wait when the server gave one. Position 0
 * means the chat stands in no line: it waits for one named agent (ADR 0043), so there is no
 * place to tell — saying "position 1" would promise the next free agent.
 */
export function queueStatusText(t: Texts, position: number, waitSeconds: number | undefined): string {
  const w = waitText(t, waitSeconds);
  const place = position <= 0 ? t.waitingForYourAgent : position === 1 ? t.nextInLine : t.placeInLine({ n: position });
  return w ? `${place} ${t.estimatedWait({ wait: w })}` : place;
}
