/**
 * An agent's load against its capacity, as the console writes it everywhere. Capacity 0 is
 * "no limit" to the server (bots, supervisors made with it): "2 / 0" would read as over.
 */
export function loadText(load: number, capacity: number, separator = ' / '): string {
  return `${load}${separator}${capacity === 0 ? 'no limit' : capacity}`;
}
