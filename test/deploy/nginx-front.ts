/**
 * The committed nginx config (deploy/nginx/switchboard.conf) run for real in front of a test server:
 * only its addresses are rewritten (listen ports, the upstream, the certificate paths), each of them
 * required to appear exactly once, so a config that changes shape fails here rather than being
 * tested in some other shape. A self-signed certificate for 127.0.0.1 is made with openssl.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const NGINX_CONF = join(REPO_ROOT, 'deploy', 'nginx', 'switchboard.conf');

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

/** Replaces `from` in `text`, which must occur exactly once. */
function replaceOnce(text: string, from: string, to: string): string {
  const at = text.indexOf(from);
  if (at < 0 || text.indexOf(from, at + 1) >= 0) throw new Error(`deploy/nginx/switchboard.conf: expected "${from}" exactly once`);
  return text.slice(0, at) + to + text.slice(at + from.length);
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

/**
 * Starts nginx from its own prefix with the committed config in `http {}`, proxying to `upstream`
 * (host:port). Fails with the install command when nginx is missing.
 */
export async function startNginxFront(upstream: string, ports: { https: number; http: number }): Promise<NginxFront> {
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
  const key = join(prefix, 'key.pem');
  const cert = join(prefix, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert,
    '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });

  let conf = readFileSync(NGINX_CONF, 'utf8');
  conf = replaceOnce(conf, 'server 127.0.0.1:8080;', `server ${upstream};`);
  conf = replaceOnce(conf, 'listen 80;', `listen 127.0.0.1:${ports.http};`);
  conf = replaceOnce(conf, 'listen [::]:80;', '');
  conf = replaceOnce(conf, 'listen 443 ssl http2;', `listen 127.0.0.1:${ports.https} ssl http2;`);
  conf = replaceOnce(conf, 'listen [::]:443 ssl http2;', '');
  conf = replaceOnce(conf, '/etc/letsencrypt/live/chat.example.com/fullchain.pem', cert);
  conf = replaceOnce(conf, '/etc/letsencrypt/live/chat.example.com/privkey.pem', key);
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
    await waitForPort(ports.https, child, errorLog);
    await waitForPort(ports.http, child, errorLog);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    httpsUrl: `https://127.0.0.1:${ports.https}`,
    httpUrl: `http://127.0.0.1:${ports.http}`,
    conf,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM'); // nginx's fast shutdown
        await exited;
      }
      rmSync(prefix, { recursive: true, force: true });
    },
  };
}
