/**
 * Black-box harness for the protocol suite.
 *
 * Either points at an already running Live Agent implementation
 * (`SWITCHBOARD_BASE_URL`, e.g. another vendor's server or a deployed
 * Switchboard) or starts the real Switchboard process from `dist/` with a
 * fresh data dir and a test config. Everything goes over real sockets with
 * the global `fetch`; nothing in here knows about the server's internals.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { scratchDatabase, type ScratchDatabase } from '../../src/adapters/postgres/scratch-database.test-support.js';

/** Base URL of an external server; when set, no process is started. */
export const EXTERNAL_BASE_URL: string | undefined = process.env['SWITCHBOARD_BASE_URL'] || undefined;

/** True when the suite owns the server process (can restart it, configure it, kill it). */
export const OWNS_PROCESS = EXTERNAL_BASE_URL === undefined;

/** Reason shown for tests that need process control or a custom config. */
export const NEEDS_PROCESS =
  'needs process control and a test config (SWITCHBOARD_BASE_URL points at an external server)';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MAIN_JS = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');
const LISTENING = /listening on (http:\/\/[^\s"]+)/;

/** The subset of the server's `settings` config the suite overrides. */
export interface TestSettings {
  pollHoldSeconds?: number;
  clientPollTimeoutSeconds?: number;
  sessionGraceSeconds?: number;
  messagesPerPayload?: number;
  maxBodyBytes?: number;
  maxMessageLength?: number;
  [name: string]: unknown;
}

/** Greeting the test config gives the demo bot (an external server may use another). */
export const DEMO_GREETING = 'Hello! I am the Switchboard demo bot. Everything you type is echoed back.';

/** The demo deployment, exactly as the server loads it without a config, with test settings. */
export function demoConfig(settings: TestSettings = {}): object {
  return {
    settings: { pollHoldSeconds: 1, clientPollTimeoutSeconds: 40, ...settings },
    orgs: [
      {
        id: '00D000000000001',
        deployments: [
          {
            id: '572000000000001',
            buttons: [
              { id: '573000000000001', type: 'Standard', skills: ['demo-bot'] },
              { id: '573000000000002', type: 'Standard', skills: ['nobody'] },
            ],
          },
        ],
        agents: [
          {
            id: '005000000000001',
            name: 'Demo Bot',
            skills: ['demo-bot'],
            capacity: 0,
            bot: 'echo',
            greeting: DEMO_GREETING,
          },
        ],
      },
    ],
  };
}

/** What a test sees of one HTTP exchange. */
export interface Res {
  status: number;
  text: string;
  /** Parsed body when the body is JSON, else undefined. */
  json?: unknown;
  headers: Headers;
  /** Wall time of the exchange in ms. */
  ms: number;
}

export interface ReqOptions {
  headers?: Record<string, string>;
  /**
   * A string or bytes are sent as they are (a string gets fetch's default
   * `text/plain` type, bytes get no Content-Type); anything else is JSON with
   * `application/json`. Undefined sends no body.
   */
  body?: unknown;
  /** A record is URL-encoded; a string is appended verbatim after `?`. */
  query?: Record<string, string | number> | string;
  signal?: AbortSignal;
  /** Client-side limit; the request is aborted after it (default 40 s). */
  timeoutMs?: number;
}

/** Builds `/chat/rest/<path>` unless the path is absolute. */
export function restPath(path: string): string {
  return path.startsWith('/') ? path : `/chat/rest/${path}`;
}

/** The headers and body of a request as {@link ReqOptions} describes them (see `body` there). */
export function requestBody(opts: ReqOptions): { headers: Record<string, string>; body: string | Uint8Array | undefined } {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.body === undefined) return { headers, body: undefined };
  if (typeof opts.body === 'string' || opts.body instanceof Uint8Array) return { headers, body: opts.body };
  if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json';
  return { headers, body: JSON.stringify(opts.body) };
}

/** One HTTP request with the global fetch. Never throws on a status; throws on network errors. */
export async function request(baseUrl: string, method: string, path: string, opts: ReqOptions = {}): Promise<Res> {
  let url = baseUrl.replace(/\/$/, '') + restPath(path);
  if (typeof opts.query === 'string') url += `?${opts.query}`;
  else if (opts.query) url += `?${new URLSearchParams(Object.entries(opts.query).map(([k, v]): [string, string] => [k, String(v)])).toString()}`;

  const { headers, body } = requestBody(opts);

  const signals = [AbortSignal.timeout(opts.timeoutMs ?? 40_000)];
  if (opts.signal) signals.push(opts.signal);
  const started = performance.now();
  const res = await fetch(url, { method, headers, body, signal: AbortSignal.any(signals), redirect: 'manual' });
  const text = await res.text();
  let json: unknown;
  if (text.length > 0) {
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
  }
  return { status: res.status, text, json, headers: res.headers, ms: performance.now() - started };
}

/** One answer read off a raw socket: header names lower-cased (repeated ones joined with `, `). */
export interface RawRes {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Writes `head` (and `body`) to a fresh TCP connection as they are and reads the
 * first answer until the server closes the connection. For what fetch will not
 * send: malformed requests, absolute-form targets, huge headers. Send
 * `Connection: close` with a well-formed request, or the read waits for the
 * keep-alive timeout.
 */
export function rawRequest(baseUrl: string, head: string, body = ''): Promise<RawRes> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise<RawRes>((resolveRes, rejectRes) => {
    const chunks: Buffer[] = [];
    const socket = connect(Number(port), hostname, () => socket.write(head + body));
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer within 10 s')));
    socket.on('data', (c: Buffer) => chunks.push(c));
    // The server may reset a connection it refused while bytes were still arriving: what it wrote before counts.
    socket.on('error', (err) => (chunks.length ? undefined : rejectRes(err)));
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) {
        rejectRes(new Error(`no complete answer: ${JSON.stringify(text.slice(0, 200))}`));
        return;
      }
      const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        const name = line.slice(0, colon).trim().toLowerCase();
        const value = line.slice(colon + 1).trim();
        headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
      }
      let rest = text.slice(end + 4);
      const length = headers['content-length'];
      if (length !== undefined) rest = rest.slice(0, Number(length));
      resolveRes({ status: Number(statusLine?.split(' ')[1]), headers, body: rest });
    });
  });
}

/** Every child we spawned, so a crashed worker never leaves a server behind. */
const livePids = new Set<number>();
process.once('exit', () => {
  for (const pid of livePids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** ms from the signal to the exit. */
  ms: number;
}

/** How a {@link TestServer} is configured. */
export interface ServerOptions {
  /** `false` starts the server with no `--config` (its built-in demo deployment). */
  withConfig?: boolean;
  /**
   * The config file's content, given the test settings, instead of the protocol
   * suite's demo config. A server with its own config is always started here,
   * also when SWITCHBOARD_BASE_URL names an external server (that one would not
   * have this config).
   */
  config?: (settings: TestSettings) => object;
  /** Built files the server needs besides dist/, each with the command that builds it. */
  requires?: readonly (readonly [file: string, build: string])[];
  /** Environment variables set for the process (SWITCHBOARD_STANDBY, say). */
  env?: Record<string, string>;
  /** Another server's data directory, shared with it (a standby of the same SQLite store, ADR 0048). */
  dataDir?: () => string;
}

/**
 * One server under test: a child process we own, or an external URL. Every
 * suite starts the real process through this class (the agent and browser
 * suites with configs of their own). `start`, `stop`, `kill9` and `restart`
 * keep the same data dir, so a restart sees the sessions of the previous run.
 */
export class TestServer {
  baseUrl = '';
  readonly settings: TestSettings;
  private child: ChildProcess | undefined;
  private exited: Promise<ExitInfo> | undefined;
  private root: string | undefined;
  private lastPort = 0;
  private log = '';
  private readonly owned: boolean;

  /**
   * @param settings overrides of the test config's `settings`.
   * @param opts see {@link ServerOptions}.
   */
  constructor(
    settings: TestSettings = {},
    private readonly opts: ServerOptions = {},
  ) {
    // Short holds keep the suite fast: every "nothing more pending" check waits one hold.
    this.settings = opts.withConfig === false ? {} : { pollHoldSeconds: 0.5, ...settings };
    this.owned = OWNS_PROCESS || opts.config !== undefined;
  }

  get ownsProcess(): boolean {
    return this.owned;
  }

  /** The long-poll hold of this server, in ms (external: SWITCHBOARD_POLL_HOLD_SECONDS or 25). */
  get pollHoldMs(): number {
    if (!this.owned) return Number(process.env['SWITCHBOARD_POLL_HOLD_SECONDS'] ?? 25) * 1000;
    return Number(this.settings.pollHoldSeconds ?? 25) * 1000;
  }

  /** The last ~64 KiB the process wrote, for failure messages. */
  get logTail(): string {
    return this.log;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** The data directory of a server this suite owns (after the first start). */
  get dataDir(): string {
    if (this.opts.dataDir) return this.opts.dataDir();
    if (!this.root) throw new Error('server not started by this suite');
    return join(this.root, 'data');
  }

  /** Resolves when the process exits by itself (a fatal stop), or after `limitMs` with ms = Infinity. */
  async exitWithin(limitMs: number): Promise<ExitInfo> {
    const exited = this.exited;
    if (!exited) throw new Error('server not running');
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const info = await Promise.race([exited, new Promise<undefined>((r) => { timer = setTimeout(() => r(undefined), limitMs); })]);
    clearTimeout(timer);
    if (!info) return { code: null, signal: null, ms: Number.POSITIVE_INFINITY };
    this.child = undefined;
    return { ...info, ms: performance.now() - started };
  }

  /**
   * The config file of a server this suite owns (after the first start): a test
   * may rewrite it, as an operator would, and restart to apply it.
   */
  get configFile(): string {
    if (!this.root) throw new Error('server not started by this suite');
    return join(this.root, 'switchboard.json');
  }

  /** Starts the process (or adopts the external URL). A restart reuses the previous port. */
  async start(): Promise<void> {
    if (!this.owned) {
      this.baseUrl = EXTERNAL_BASE_URL ?? '';
      return;
    }
    if (this.child) throw new Error('server already running');
    for (const [file, build] of [[MAIN_JS, 'npm run build'] as const, ...(this.opts.requires ?? [])]) {
      if (!existsSync(file)) throw new Error(`${file} not found: run \`${build}\` first${file === MAIN_JS ? ', or set SWITCHBOARD_BASE_URL' : ''}`);
    }
    if (!this.root) {
      this.root = mkdtempSync(join(tmpdir(), 'switchboard-test-'));
      mkdirSync(join(this.root, 'data'));
      const config = this.opts.config ? this.opts.config(this.settings) : demoConfig(this.settings);
      writeFileSync(join(this.root, 'switchboard.json'), JSON.stringify(config, null, 2));
    }
    try {
      await this.spawnOnce(this.lastPort);
    } catch (err) {
      // The old port can be taken by someone else between runs; any port will do.
      if (this.lastPort === 0) throw err;
      await this.spawnOnce(0);
    }
  }

  private spawnOnce(port: number): Promise<void> {
    const root = this.root as string;
    const env = { ...process.env };
    for (const name of ['HOST', 'PORT', 'SWITCHBOARD_DATA_DIR', 'SWITCHBOARD_CONFIG', 'SWITCHBOARD_BASE_URL']) delete env[name];
    Object.assign(env, this.opts.env);
    const args = [MAIN_JS, 'serve', '--port', String(port), '--host', '127.0.0.1', '--data-dir', this.opts.dataDir?.() ?? join(root, 'data')];
    if (this.opts.withConfig !== false) args.push('--config', join(root, 'switchboard.json'));
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    if (child.pid === undefined) throw new Error(`could not spawn ${MAIN_JS}`);
    const pid = child.pid;
    livePids.add(pid);
    this.child = child;
    this.exited = new Promise<ExitInfo>((resolveExit) => {
      child.once('exit', (code, signal) => {
        livePids.delete(pid);
        resolveExit({ code, signal, ms: 0 });
      });
    });
    const echo = process.env['SWITCHBOARD_TEST_LOG'] === '1';

    return new Promise<void>((resolveStart, rejectStart) => {
      let stdout = '';
      let settled = false;
      const timer = setTimeout(() => fail(new Error(`server did not log "listening on" within 20 s\n${this.log}`)), 20_000);
      const fail = (err: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        child.kill('SIGKILL');
        this.child = undefined;
        rejectStart(err);
      };
      const onData = (chunk: Buffer, stream: 'out' | 'err'): void => {
        const text = chunk.toString('utf8');
        if (echo) process.stderr.write(text);
        this.log = (this.log + text).slice(-65_536);
        if (settled || stream !== 'out') return;
        stdout += text;
        const m = LISTENING.exec(stdout);
        if (m?.[1]) {
          settled = true;
          clearTimeout(timer);
          this.baseUrl = m[1].replace(/\/$/, '');
          this.lastPort = Number(new URL(this.baseUrl).port);
          resolveStart();
        }
      };
      // Keep draining both pipes for the whole life of the process: a full pipe blocks the server.
      child.stdout?.on('data', (c: Buffer) => onData(c, 'out'));
      child.stderr?.on('data', (c: Buffer) => onData(c, 'err'));
      child.once('error', (err) => fail(err));
      child.once('exit', (code, signal) => fail(new Error(`server exited before listening (code ${code}, signal ${signal})\n${this.log}`)));
    });
  }

  private async signal(sig: NodeJS.Signals, limitMs: number): Promise<ExitInfo> {
    const child = this.child;
    const exited = this.exited;
    if (!this.owned) throw new Error(NEEDS_PROCESS);
    if (!child || !exited) throw new Error('server not running');
    const started = performance.now();
    child.kill(sig);
    let timer: NodeJS.Timeout | undefined;
    const info = await Promise.race([
      exited,
      new Promise<undefined>((r) => {
        timer = setTimeout(() => r(undefined), limitMs);
      }),
    ]);
    clearTimeout(timer);
    this.child = undefined;
    if (info) return { ...info, ms: performance.now() - started };
    // Did not exit in time: report it, but never leave it running.
    child.kill('SIGKILL');
    await exited;
    return { code: null, signal: null, ms: Number.POSITIVE_INFINITY };
  }

  /** SIGTERM and wait for the exit (SIGKILL after 15 s, reported as ms = Infinity). */
  stop(): Promise<ExitInfo> {
    return this.signal('SIGTERM', 15_000);
  }

  /** SIGKILL: a crash, with no chance to flush anything. */
  kill9(): Promise<ExitInfo> {
    return this.signal('SIGKILL', 15_000);
  }

  /** Stops (SIGTERM, or SIGKILL with `hard`) and starts again on the same data dir. */
  async restart(opts: { hard?: boolean } = {}): Promise<ExitInfo> {
    const info = opts.hard ? await this.kill9() : await this.stop();
    await this.start();
    return info;
  }

  /** Stops the process if it runs and removes the data dir. */
  async dispose(): Promise<void> {
    if (this.child) await this.signal('SIGKILL', 15_000);
    if (this.root && process.env['SWITCHBOARD_KEEP_DATA'] !== '1') rmSync(this.root, { recursive: true, force: true });
  }

  /** `req(method, path, {headers, body, query})` against this server; see {@link request}. */
  req(method: string, path: string, opts: ReqOptions = {}): Promise<Res> {
    if (!this.baseUrl) throw new Error('server not started');
    return request(this.baseUrl, method, path, opts);
  }
}

/**
 * Registers a server for the current test file: started in `beforeAll`,
 * disposed in `afterAll`. Settings apply only when the suite owns the process.
 */
export function useServer(settings: TestSettings = {}, opts: ServerOptions = {}): TestServer {
  const server = new TestServer(settings, opts);
  beforeAll(() => server.start());
  afterAll(() => server.dispose());
  return server;
}

/**
 * Registers a server on a PostgreSQL database of its own for the current test
 * file: the database (`<prefix>_<pid>_<n>`, see {@link scratchDatabase}) is
 * created and the server started in `beforeAll`, both removed in `afterAll`.
 * `config` gives the config file's content as {@link ServerOptions.config} does;
 * its `storage` is replaced by that database. When the suite does not own the
 * process nothing is created (the tests that need it are skipped then).
 */
export function usePostgresServer(prefix: string, settings: TestSettings, config: (settings: TestSettings) => object): { server: TestServer; database: ScratchDatabase } {
  const database = scratchDatabase(prefix);
  const server = new TestServer(settings, { config: (s) => ({ ...config(s), storage: { kind: 'postgres', postgresUrl: database.url } }) });
  beforeAll(async () => {
    if (!OWNS_PROCESS) return;
    await database.create();
    await server.start();
  }, 60_000);
  afterAll(async () => {
    if (!OWNS_PROCESS) return;
    await server.dispose();
    await database.drop();
  });
  return { server, database };
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A test title that says why the test is skipped when the suite does not own the process. */
export function needsProcess(title: string): string {
  return OWNS_PROCESS ? title : `${title} [skipped: ${NEEDS_PROCESS}]`;
}
