/**
 * The committed nginx configs (deploy/nginx/) run for real in front of test servers: only their
 * addresses are rewritten (listen ports, the upstreams, the certificate paths), each of them required
 * to appear exactly as often as the test says (once, or once per shard), so a config that changes
 * shape fails here rather than being tested in some other shape. Self-signed certificates are made
 * with openssl.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const NGINX_CONF = join(REPO_ROOT, 'deploy', 'nginx', 'switchboard.conf');
export const NGINX_CLUSTER_CONF = join(REPO_ROOT, 'deploy', 'nginx', 'switchboard-cluster.conf');

/** A port nobody listens on now, on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolvePort(port));
    });
  });
}

/** One rewrite of a committed config: `from` must occur exactly `times` times (1 unless told). */
export interface Rewrite {
  readonly from: string;
  readonly to: string;
  readonly times?: number;
}

/** Applies `rewrites` to `text` (the config at `file`), each checked to occur as often as it says. */
function rewrite(file: string, text: string, rewrites: readonly Rewrite[]): string {
  for (const { from, to, times = 1 } of rewrites) {
    const found = text.split(from).length - 1;
    if (found !== times) throw new Error(`${relative(REPO_ROOT, file)}: expected "${from}" ${times === 1 ? 'exactly once' : `exactly ${times} times`}, found ${found}`);
    text = text.split(from).join(to);
  }
  return text;
}

function waitForPort(port: number, child: ChildProcess, log: () => string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  return new Promise((ready, fail) => {
    const attempt = (): void => {
      if (child.exitCode !== null) return fail(new Error(`nginx exited ${String(child.exitCode)}: ${log()}`));
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        ready();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) fail(new Error(`nginx not listening on ${port} after ${ms} ms: ${log()}`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

export interface NginxFront {
  /** https://127.0.0.1:<tls port> */
  readonly httpsUrl: string;
  /** http://127.0.0.1:<plain port> (the redirecting server block) */
  readonly httpUrl: string;
  /** The config nginx runs, as rewritten. */
  readonly conf: string;
  stop(): Promise<void>;
}

/** A self-signed certificate made for a test, and its files in nginx's prefix. */
export interface TestCertificate {
  readonly certFile: string;
  readonly keyFile: string;
  /** The certificate (PEM), for a client to trust it as its only CA. */
  readonly pem: string;
}

export interface RunningNginx {
  /** The config nginx runs, as rewritten. */
  readonly conf: string;
  /** The certificates made for it, by the name given. */
  readonly certs: Readonly<Record<string, TestCertificate>>;
  stop(): Promise<void>;
}

export interface NginxRun {
  /** The committed config file, put into `http {}`. */
  readonly confFile: string;
  /** Certificates to make, by a name of the test's choice: each the subjectAltName list (`DNS:…`, `IP:…`). */
  readonly certs: Readonly<Record<string, readonly string[]>>;
  /** The addresses and paths to rewrite, given the certificates' files. */
  readonly rewrites: (certs: Readonly<Record<string, TestCertificate>>) => readonly Rewrite[];
  /** The ports nginx listens on, waited for. */
  readonly ports: readonly number[];
}

/**
 * Starts nginx from its own prefix with a committed config in `http {}`, rewritten as `run` says.
 * Fails with the install command when nginx is missing.
 */
export async function runNginx(run: NginxRun): Promise<RunningNginx> {
  try {
    execFileSync('nginx', ['-v'], { stdio: 'ignore' });
  } catch {
    throw new Error('nginx is not installed: apt-get install -y nginx (.ci/run installs it)');
  }
  const prefix = mkdtempSync(join(tmpdir(), 'switchboard-nginx-'));
  // nginx's workers run as `nobody` under a root master: they need to reach the temp directories.
  chmodSync(prefix, 0o755);
  for (const d of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) {
    mkdirSync(join(prefix, 'tmp', d), { recursive: true });
    chmodSync(join(prefix, 'tmp', d), 0o777);
  }
  const certs: Record<string, TestCertificate> = {};
  for (const [name, altNames] of Object.entries(run.certs)) {
    const keyFile = join(prefix, `${name}-key.pem`);
    const certFile = join(prefix, `${name}-cert.pem`);
    const cn = (altNames[0] ?? name).replace(/^(DNS|IP):/, '');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile,
      '-days', '1', '-subj', `/CN=${cn}`, '-addext', `subjectAltName=${altNames.join(',')}`], { stdio: 'ignore' });
    certs[name] = { certFile, keyFile, pem: readFileSync(certFile, 'utf8') };
  }

  const conf = rewrite(run.confFile, readFileSync(run.confFile, 'utf8'), run.rewrites(certs));
  writeFileSync(join(prefix, 'switchboard.conf'), conf);
  writeFileSync(join(prefix, 'nginx.conf'), `daemon off;
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${prefix}/tmp/body;
  proxy_temp_path ${prefix}/tmp/proxy;
  fastcgi_temp_path ${prefix}/tmp/fastcgi;
  uwsgi_temp_path ${prefix}/tmp/uwsgi;
  scgi_temp_path ${prefix}/tmp/scgi;
  include ${prefix}/switchboard.conf;
}
`);
  let log = '';
  const child = spawn('nginx', ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-e', join(prefix, 'error.log')], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (c: Buffer) => (log += c.toString()));
  child.stderr.on('data', (c: Buffer) => (log += c.toString()));
  const errorLog = (): string => {
    try {
      return log + readFileSync(join(prefix, 'error.log'), 'utf8');
    } catch {
      return log;
    }
  };
  try {
    for (const port of run.ports) await waitForPort(port, child, errorLog);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    conf,
    certs,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM'); // nginx's fast shutdown
        await exited;
      }
      // As the harness keeps a server's data directory: the error log, to see why a request failed.
      if (process.env['SWITCHBOARD_KEEP_DATA'] === '1') process.stderr.write(`nginx prefix kept: ${prefix}\n`);
      else rmSync(prefix, { recursive: true, force: true });
    },
  };
}

/**
 * deploy/nginx/switchboard.conf in front of `upstream` (host:port), with a self-signed
 * certificate for 127.0.0.1.
 */
export async function startNginxFront(upstream: string, ports: { https: number; http: number }): Promise<NginxFront> {
  const nginx = await runNginx({
    confFile: NGINX_CONF,
    certs: { front: ['IP:127.0.0.1'] },
    rewrites: ({ front }) => [
      { from: 'server 127.0.0.1:8080;', to: `server ${upstream};` },
      { from: 'listen 80;', to: `listen 127.0.0.1:${ports.http};` },
      { from: 'listen [::]:80;', to: '' },
      { from: 'listen 443 ssl http2;', to: `listen 127.0.0.1:${ports.https} ssl http2;` },
      { from: 'listen [::]:443 ssl http2;', to: '' },
      { from: '/etc/letsencrypt/live/chat.example.com/fullchain.pem', to: front!.certFile },
      { from: '/etc/letsencrypt/live/chat.example.com/privkey.pem', to: front!.keyFile },
    ],
    ports: [ports.https, ports.http],
  });
  return {
    httpsUrl: `https://127.0.0.1:${ports.https}`,
    httpUrl: `http://127.0.0.1:${ports.http}`,
    conf: nginx.conf,
    stop: () => nginx.stop(),
  };
}
