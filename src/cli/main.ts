#!/usr/bin/env node
/**
 * `switchboard` command line: serve, check-config, hash-password, backup, restore, help.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError, ENV_VARS, loadConfig, parseConfigText, portFrom, readConfigFile, validateConfig } from '../config/load-config.js';
import { unknownEnvVarProblems } from '../config/unknown-env-vars.js';
import { unknownSettings } from '../config/unknown-settings.js';
import { postChatUrlProblems } from '../config/widget-button-checks.js';
import type { AddressInfo } from 'node:net';
import { DEMO_IDS, demoLoginsIn } from '../config/demo-deployment.js';
import { hashPassword } from '../core/identity/password-hash.js';
import { clearPortFile, removePortFile, writePortFile } from './port-file.js';
import { listenFailureMessage } from './listen-failure.js';

const HELP = `switchboard — a self-hosted Live Agent (Legacy Chat) REST API server

Usage:
  switchboard serve [--host H] [--port P] [--data-dir DIR] [--config FILE] [--port-file FILE] [--emulator]
  switchboard check-config [--config] FILE
  switchboard hash-password < password.txt
  switchboard backup --data-dir DIR --to FILE
  switchboard restore --from FILE --data-dir DIR
  switchboard --help

Commands:
  serve          Start the server (default: 127.0.0.1:8080, data in ./data, demo deployment)
                 --port-file FILE: once listening, write the port to FILE (\`PORT\\n\`; removed at
                 shutdown): with --port 0 the OS picks it, and a script waits for FILE to learn it
                 --emulator: emulator mode for CI (reset, fault injection; never in production)
  check-config   Validate a config file (JSON or YAML) without starting
  hash-password  Read a password on stdin (one line) and print its scrypt hash for a config's
                 \`password\` (not an argument: it would stay in the shell history and in ps)
  backup         Copy the SQLite store of DIR to FILE while the server runs (a consistent snapshot,
                 checked with quick_check, written atomically); not cp, which can tear the file
  restore        Install a backup FILE as the SQLite store of DIR; the old store and its -wal are
                 moved aside (switchboard.sqlite.before-restore-<time>), the stale -shm removed;
                 refused while a server runs on DIR. PostgreSQL: use pg_dump / pg_restore

Exit codes:
  0  done (serve: stopped cleanly by SIGTERM or SIGINT)
  1  a failure: an invalid config or secret file, a port in use, a store that cannot be opened,
     a backup or restore that failed, no password on stdin, a refused shutdown flush, a PostgreSQL
     node whose node lock another node took or that stayed lost (storage.lockLostExitSeconds)
  2  a usage error: an unknown command or flag, a flag without its value or with a malformed one
     (--port abc), a missing or extra argument; the command's usage line is printed on stderr

Environment:
  HOST, PORT, SWITCHBOARD_DATA_DIR, SWITCHBOARD_CONFIG, SWITCHBOARD_STORAGE (sqlite|postgres|memory),
  SWITCHBOARD_POSTGRES_URL, SWITCHBOARD_POSTGRES_PASSWORD (apart from the URL, which then holds none),
  SWITCHBOARD_LOG_LEVEL, SWITCHBOARD_TRUST_PROXY, SWITCHBOARD_RETENTION_DAYS,
  SWITCHBOARD_LOCK_WAIT_SECONDS, SWITCHBOARD_STANDBY (true|false: hot standby, wait for the store as
  long as it takes and take it over when the active node dies; ADR 0048),
  SWITCHBOARD_LOCK_LOST_EXIT_SECONDS (PostgreSQL: exit 1 when the node lock stays lost this long;
  0 never; default 10; ADR 0073),
  SWITCHBOARD_CLUSTER_SHARD (cluster mode: the shard of cluster.shards this node serves, or * for the
  first free one; ADR 0066),
  SWITCHBOARD_ALLOWED_ORIGINS (comma-separated browser origins),
  SWITCHBOARD_PORT_FILE (as --port-file), SWITCHBOARD_EMULATOR (true|false: emulator mode, docs/emulator.md),
  SWITCHBOARD_METRICS (true|false: serve /metrics), SWITCHBOARD_METRICS_TOKEN (/metrics then needs
  Authorization: Bearer <token>; 16+ characters),
  SWITCHBOARD_FILE_TRANSFER_ENABLED (true|false: agents may ask visitors for files),
  SWITCHBOARD_FILE_TRANSFER_MAX_BYTES (the largest file a visitor may upload, bytes; default 10485760),
  SWITCHBOARD_FILE_TRANSFER_MAX_BYTES_IN_FLIGHT (the bytes all uploads may hold in memory at once; default 67108864)
  SWITCHBOARD_POSTGRES_URL_FILE, SWITCHBOARD_POSTGRES_PASSWORD_FILE, SWITCHBOARD_METRICS_TOKEN_FILE: read
  that variable's value from a file
  (Docker/Kubernetes secrets; one final newline is dropped; set the variable or its _FILE, not both)
`;

/** SIGTERM must answer held polls and exit within 10 s, whatever hangs. */
const SHUTDOWN_DEADLINE_MS = 8_000;

/** The `Usage:` line of `command` in HELP, for the message of its usage errors. */
function usageOf(command: string): string {
  const line = HELP.split('\n').find((l) => l.trim().startsWith(`switchboard ${command}`));
  return `usage: ${line?.trim() ?? `switchboard ${command}`}`;
}

/**
 * parseArgs with its refusals (an unknown flag, a flag without its value, an argument the
 * command does not take) as usage errors: exit 2, with the usage line, not a failure's 1.
 */
function parseCommandLine<T extends ParseArgsConfig>(config: T, command: string): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')) throw new UsageError(`switchboard ${command}: ${(err as Error).message}\n${usageOf(command)}`);
    throw err;
  }
}

async function serve(argv: string[]): Promise<void> {
  const { values } = parseCommandLine({
    args: argv,
    options: { host: { type: 'string' }, port: { type: 'string' }, 'data-dir': { type: 'string' }, config: { type: 'string' }, 'port-file': { type: 'string' }, emulator: { type: 'boolean' } },
    strict: true,
  }, 'serve');
  const portFile = values['port-file'] || process.env.SWITCHBOARD_PORT_FILE || undefined;
  const file = values.config ?? process.env.SWITCHBOARD_CONFIG;
  const config = loadConfig(file || undefined, process.env, {
    host: values.host,
    port: values.port === undefined ? undefined : portFlag(values.port),
    dataDir: values['data-dir'],
    emulator: values.emulator,
  });
  if (portFile) clearPortFile(portFile);
  // Loaded here so `--help` and `check-config` start without the server's dependencies.
  const { createSwitchboard } = await import('../main.js');
  const { LockWaitAbortedError } = await import('../ports/node-lock.js');
  let fatal: ((reason: string) => void) | null = null;
  // A reason to stop that came while the server was still starting (the node lock lost, ADR 0073): acted on once it exists.
  let fatalWhileStarting: string | null = null;
  // A signal before the server exists (a standby waiting for the store, ADR 0048, or a node
  // waiting lockWaitSeconds) gives the wait up; one during the start proper stops the server
  // as soon as it exists, within the same deadline.
  let shutdown: ((signal: string, exitCode?: number) => void) | null = null;
  let early: string | null = null;
  const giveUpWaiting = new AbortController();
  const onSignal = (signal: string): void => {
    if (shutdown) return shutdown(signal);
    if (early) return;
    early = signal;
    giveUpWaiting.abort();
    setTimeout(() => process.exit(1), SHUTDOWN_DEADLINE_MS).unref();
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
  let sb: Awaited<ReturnType<typeof createSwitchboard>>;
  let standbyPort: number | null = null;
  try {
    sb = await createSwitchboard(config, {
      onFatal: (reason) => {
        if (fatal) fatal(reason);
        else fatalWhileStarting ??= reason;
      },
      signal: giveUpWaiting.signal,
      // The standby listens: a script waiting for the port file learns it now, and probes /readyz.
      onStandby: (p) => {
        standbyPort = p;
        if (portFile) writePortFile(portFile, p);
      },
    });
  } catch (err) {
    if (portFile && standbyPort !== null) removePortFile(portFile, standbyPort);
    // Stopped while standing by: nothing was served, nothing is lost.
    if (err instanceof LockWaitAbortedError) process.exit(0);
    throw err;
  }
  if (file) for (const problem of unknownSettings(parseConfigText(readConfigFile(file), file))) sb.logger.warn({ config: file }, problem);
  for (const problem of postChatUrlProblems(config)) sb.logger.warn(problem);
  for (const problem of unknownEnvVarProblems(process.env, ENV_VARS)) sb.logger.warn(problem.text);
  let url: string;
  try {
    url = await sb.listen();
  } catch (err) {
    // The store is open and the lock held by now: both are given back before the exit.
    await sb.stop().catch((stopErr: unknown) => sb.logger.error({ err: stopErr }, 'shutdown failed'));
    throw new ListenError(listenFailureMessage(err, config.server.host, config.server.port));
  }
  const { port } = sb.app.server.address() as AddressInfo;
  // Only where the demo org is served (a cluster's other shards have none of its logins, ADR
  // 0066), and only the logins its config still has.
  const demoLogins = sb.engine.catalog.org(DEMO_IDS.organizationId) === undefined ? [] : demoLoginsIn(config.orgs);
  if (demoLogins.length > 0) {
    sb.logger.info({ logins: demoLogins, console: `${url}/console`, demo: `${url}/` }, 'demo deployment: agent console logins (demo only)');
  }
  const server = sb;
  let signalled = false;
  shutdown = (signal: string, exitCode = 0) => {
    if (signalled) return;
    signalled = true;
    server.logger.info({ signal }, 'shutting down');
    if (portFile) {
      try {
        removePortFile(portFile, port);
      } catch (err) {
        server.logger.warn({ err, portFile }, 'could not remove the port file');
      }
    }
    const force = setTimeout(() => {
      server.logger.error('shutdown deadline passed; exiting');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS);
    force.unref();
    server.stop().then(
      () => process.exit(exitCode),
      (err: unknown) => {
        // The one line about it (stop() does not log): the store refused the last changes, which are lost.
        server.logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  const stopWith = shutdown;
  fatal = (reason) => stopWith(reason, 1);
  if (fatalWhileStarting !== null) return stopWith(fatalWhileStarting, 1);
  if (early) return stopWith(early);
  // Written last: a script that reads the port may stop the server at once.
  if (portFile) {
    try {
      writePortFile(portFile, port);
    } catch (err) {
      // A script waiting for the file would wait for ever: stop instead.
      sb.logger.error({ err, portFile }, `cannot write the port file ${portFile}`);
      stopWith('port file', 1);
    }
  }
}

/** `--port`'s value: one that is no port is the command line's fault (2), where PORT's is the environment's (1). */
function portFlag(text: string): number {
  try {
    return portFrom(text, '--port');
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(`switchboard serve: ${err.problems.join('; ')}\n${usageOf('serve')}`);
    throw err;
  }
}

/** `--data-dir DIR`, or SWITCHBOARD_DATA_DIR: never the default ./data, so a slip cannot pick the wrong store. */
function dataDirOf(flag: string | undefined, usage: string): string {
  const dir = flag || process.env.SWITCHBOARD_DATA_DIR;
  if (!dir) throw new UsageError(usage);
  return dir;
}

class UsageError extends Error {}
/** serve could not listen: the message names the setting (listen-failure.ts). */
class ListenError extends Error {}

async function backup(argv: string[]): Promise<void> {
  const usage = usageOf('backup');
  const { values } = parseCommandLine({ args: argv, options: { 'data-dir': { type: 'string' }, to: { type: 'string' } }, strict: true }, 'backup');
  const dir = dataDirOf(values['data-dir'], usage);
  if (!values.to) throw new UsageError(usage);
  // Loaded here so the other commands start without the native SQLite module.
  const { backupSqlite } = await import('../adapters/sqlite/sqlite-backup.js');
  const r = backupSqlite(dir, values.to);
  process.stdout.write(`${r.file}: backup of ${dir} (${r.sessions} sessions, ${r.bytes} bytes, quick_check ok)\n`);
}

async function restore(argv: string[]): Promise<void> {
  const usage = usageOf('restore');
  const { values } = parseCommandLine({ args: argv, options: { 'data-dir': { type: 'string' }, from: { type: 'string' } }, strict: true }, 'restore');
  const dir = dataDirOf(values['data-dir'], usage);
  if (!values.from) throw new UsageError(usage);
  const { restoreSqlite } = await import('../adapters/sqlite/sqlite-backup.js');
  const r = await restoreSqlite(values.from, dir);
  process.stdout.write(`${r.file}: restored from ${values.from} (${r.sessions} sessions)${r.previous ? `; the store it replaced is ${r.previous}` : ''}\n`);
}

function checkConfig(argv: string[]): void {
  // `--config FILE` as serve takes it, or the file alone.
  const { values, positionals } = parseCommandLine({ args: argv, options: { config: { type: 'string' } }, allowPositionals: true, strict: true }, 'check-config');
  const files = [...(values.config === undefined ? [] : [values.config]), ...positionals];
  const file = files[0];
  if (!file || files.length > 1) throw new UsageError(usageOf('check-config'));
  const raw = parseConfigText(readConfigFile(file), file);
  const config = validateConfig(raw, file);
  // A misspelled setting would be ignored by serve, and a postChatUrl the widget cannot open is
  // passed on without a link (serve warns of both): here they fail the check.
  const problems = [...unknownSettings(raw), ...postChatUrlProblems(config)];
  if (problems.length) throw new ConfigError(problems, file);
  process.stdout.write(`${file}: ok\n`);
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(HELP);
      return 0;
    }
    if (command === 'serve') {
      await serve(rest);
      return -1; // keep running
    }
    if (command === 'check-config') {
      checkConfig(rest);
      return 0;
    }
    if (command === 'backup') {
      await backup(rest);
      return 0;
    }
    if (command === 'restore') {
      await restore(rest);
      return 0;
    }
    if (command === 'hash-password') {
      // It takes no argument (the password comes on stdin): anything else is a usage error, before stdin is read.
      parseCommandLine({ args: rest, options: {}, strict: true }, 'hash-password');
      const input = await readStdin();
      const password = input.replace(/\r?\n$/, '');
      if (!password) {
        process.stderr.write('hash-password: no password on stdin (e.g. `read -rs P && printf %s "$P" | switchboard hash-password`)\n');
        return 1;
      }
      // One line, as --help says: a line break would be hashed into a password that the
      // console's one-line field can never send. The text is never echoed (a password).
      if (/[\r\n]/.test(password)) {
        process.stderr.write('hash-password: the password on stdin is more than one line; give it alone, without a second line (e.g. `printf %s "$P" | switchboard hash-password`)\n');
        return 1;
      }
      process.stdout.write(`${await hashPassword(password)}\n`);
      return 0;
    }
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      process.stdout.write(HELP);
      return 0;
    }
    process.stderr.write(`unknown command: ${command}\n\n${HELP}`);
    return 2;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n`);
      return 2;
    }
    if (err instanceof ConfigError || err instanceof ListenError) {
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
    process.stderr.write(`switchboard: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

const code = await main(process.argv.slice(2));
if (code >= 0) process.exit(code);
