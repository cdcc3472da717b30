/** What the status line says while the chat waits in the queue. */

/** "about 2 min", "less than a minute", or "" when unknown. */
export function waitText(seconds: number | undefined): string {
  if (seconds === undefined || seconds < 0) return '';
  return seconds < 60 ? 'less than a minute' : `about ${Math.round(seconds / 60)} min`;
}

/**
 * The visitor's place in the queue, and the estimated wait when the server gave one. Position 0
 * means the chat stands in no line: it waits for one named agent (ADR 0043), so there is no
 * place to tell — saying "position 1" would promise the next free agent.
 */
export function queueStatusText(position: number, waitSeconds: number | undefined): string {
  const w = waitText(waitSeconds);
  const place = position <= 0
    ? 'Waiting for your agent to answer.'
    : position === 1 ? 'You are next in line (position 1).' : `You are number ${position} in line.`;
  return `${place}${w ? ` Estimated wait: ${w}.` : ''}`;
}
