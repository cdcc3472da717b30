/**
 * `--port-file FILE` (or SWITCHBOARD_PORT_FILE): with `--port 0` the OS picks
 * the port, and a script (a CI job) must learn it whatever the log level. The
 * server writes the port to FILE once it listens, and removes the file when it
 * stops. A file is what a shell script can wait for (`[ -s FILE ]`) without
 * parsing a background process's log.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';

/**
 * Removes a file an earlier run left (killed, it could not remove its own), so
 * a script waiting for the file does not read a port nobody listens on any more.
 */
export function clearPortFile(file: string): void {
  rmSync(file, { force: true });
}

/**
 * Writes `PORT\n`, whole or not at all: the text goes to a temporary file beside
 * FILE that is then renamed over it, so a script that sees the file never reads
 * half of it.
 */
export function writePortFile(file: string, port: number): void {
  const partial = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(partial, `${port}\n`);
    renameSync(partial, file);
  } catch (err) {
    rmSync(partial, { force: true });
    throw err;
  }
}

/** Removes FILE at shutdown, unless another server has written its own port there since. */
export function removePortFile(file: string, port: number): void {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // the script that read it removed it
    throw err;
  }
  if (text === `${port}\n`) rmSync(file, { force: true });
}
