/**
 * `SWITCHBOARD_X_FILE=/path`: a secret variable's value read from a file, the
 * convention of the official postgres and mariadb images. Docker secrets
 * (/run/secrets/…) and Kubernetes secret volumes are files; without this an
 * operator needs a wrapper script that puts the secret back in the environment,
 * where `docker inspect` and /proc/PID/environ show it.
 */
import { closeSync, openSync, readSync } from 'node:fs';

/**
 * The variables that carry a secret, each of which may be given as `<name>_FILE`.
 * Only these: a port or a log level in a file would be a second way to set
 * something nobody hides. (Agent passwords live in the config file, as hashes.)
 */
export const SECRET_VARS = ['SWITCHBOARD_POSTGRES_URL', 'SWITCHBOARD_POSTGRES_PASSWORD', 'SWITCHBOARD_METRICS_TOKEN'] as const;

/** The `_FILE` forms of SECRET_VARS, in the same order. */
export const SECRET_FILE_VARS = SECRET_VARS.map((name) => `${name}_FILE`);

export interface SecretFiles {
  /** The environment with each secret given by a file filled in from it. */
  env: NodeJS.ProcessEnv;
  /** Why the start must stop: a secret given twice, a file that cannot be read. Never a value. */
  problems: string[];
}

/**
 * Reads every `<name>_FILE` that is set into `<name>`. The file's text is the
 * value with one final newline removed (`echo` and editors add it; \r\n too, from
 * a file written on Windows) and nothing else trimmed: a space may be part of a
 * password. An empty file is the variable set to nothing, and each setting
 * treats that as it does today. `isSet` says whether `<name>` itself counts as
 * set, as the loader reads it: then the two would compete, and neither wins.
 */
export function readSecretFiles(env: NodeJS.ProcessEnv, isSet: (name: string) => boolean): SecretFiles {
  const out = { ...env };
  const problems: string[] = [];
  for (const name of SECRET_VARS) {
    const fileVar = `${name}_FILE`;
    const path = env[fileVar];
    if (path === undefined) continue;
    if (isSet(name)) {
      problems.push(`${name} and ${fileVar} are both set: give the value one way, unset the other`);
    } else if (path === '') {
      // Refused rather than read as unset: `${PG_URL_FILE}` with nothing behind it is a secret that did not arrive.
      problems.push(`${fileVar}: is empty: give the path of the file that holds ${name}, or unset it`);
    } else {
      try {
        const text = readCapped(path);
        if (text === null) problems.push(`${fileVar}: ${path} is longer than ${SECRET_FILE_MAX_BYTES} bytes: not a secret (a device or a log file?)`);
        else out[name] = text.replace(/\r?\n$/, '');
      } catch (err) {
        problems.push(`${fileVar}: cannot read ${path}: ${whyUnreadable(err)}`);
      }
    }
  }
  return { env: out, problems };
}

/** A secret is a token or a URL: a file longer than this is the wrong file (and `/dev/zero` would never end). */
export const SECRET_FILE_MAX_BYTES = 65_536;

/** The file as UTF-8 text, or null when it holds more than SECRET_FILE_MAX_BYTES (read no further). */
function readCapped(path: string): string | null {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(SECRET_FILE_MAX_BYTES + 1);
    let length = 0;
    while (length < buffer.length) {
      const n = readSync(fd, buffer, length, buffer.length - length, null);
      if (n === 0) break;
      length += n;
    }
    return length > SECRET_FILE_MAX_BYTES ? null : buffer.toString('utf8', 0, length);
  } finally {
    closeSync(fd);
  }
}

const REASONS: Record<string, string> = {
  ENOENT: 'no such file',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'it is a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
};

/** Why a file could not be read, in words (its content was never read, so it cannot be in them). */
export function whyUnreadable(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  const reason = code ? REASONS[code] : undefined;
  if (!reason) return err instanceof Error ? err.message : String(err);
  // A secret mounted for root only is the usual cause in a container that runs as another user.
  const uid = process.getuid?.();
  return reason === 'permission denied' && uid !== undefined ? `${reason} for user id ${uid} (${code})` : `${reason} (${code})`;
}
