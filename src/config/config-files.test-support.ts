/**
 * What the config loader's tests share: a scratch folder for the config and
 * secret files a test hands to the loader, removed after the test file, and the
 * {@link ConfigError} a refused config throws.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect } from 'vitest';
import { ConfigError } from './load-config.js';

/** A test file's scratch folder; see {@link useConfigFiles}. */
export interface ConfigFiles {
  /** The folder itself (for a path that names nothing there, or a folder in it). */
  readonly dir: string;
  /** Writes `text` to the file `name` in the folder; returns its path. */
  file(name: string, text: string): string;
  /** A new secret file (`secret-<n>`) holding exactly `text`; returns its path. */
  secret(text: string): string;
}

/** A scratch folder (`switchboard-<prefix>-…` in the temp dir) for this test file, removed after its tests. */
export function useConfigFiles(prefix: string): ConfigFiles {
  const dir = mkdtempSync(join(tmpdir(), `switchboard-${prefix}-`));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let secrets = 0;
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  return { dir, file, secret: (text) => file(`secret-${++secrets}`, text) };
}

/** The error a config is refused with (fails the test when it is accepted). */
export function refusal(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('config was accepted');
}
