/**
 * A client of one host name that a test's nginx serves on 127.0.0.1, as a browser whose DNS
 * answers 127.0.0.1 for la-a.example.com: the URL, the TLS server name (SNI) and the Host
 * header are the host name's, only the address lookup is pinned to loopback. nginx picks the
 * server block (and its certificate) by those names, as in production. The certificate is
 * checked against the test's own, host name included, so no TLS check is turned off.
 * (fetch cannot do this: it drops a Host header it is given, and has no lookup option.)
 */
import { request as httpsRequest, Agent } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { Res, ReqOptions, TestServer } from '../protocol/harness.js';
import { requestBody, restPath } from '../protocol/harness.js';

/** Every name resolves to 127.0.0.1 (both forms of the callback: net asks for `all` with autoSelectFamily). */
const loopback: LookupFunction = (_hostname, options, callback) => {
  if ((options as { all?: boolean }).all) (callback as unknown as (err: null, addresses: { address: string; family: number }[]) => void)(null, [{ address: '127.0.0.1', family: 4 }]);
  else callback(null, '127.0.0.1', 4);
};

export class HostClient {
  /** https://<host name>:<port> */
  readonly baseUrl: string;
  private readonly agent: Agent;

  /**
   * @param ca the certificates (PEM) trusted, the test's self-signed ones.
   * @param pollHoldMs the long-poll hold of the nodes behind, for a Visitor's poll timeout.
   */
  constructor(readonly hostname: string, port: number, ca: readonly string[], readonly pollHoldMs: number) {
    this.baseUrl = `https://${hostname}:${port}`;
    this.agent = new Agent({ keepAlive: true, ca: [...ca], lookup: loopback });
  }

  /** One request, answered as the harness's `request` answers it (never throws on a status). */
  req(method: string, path: string, opts: ReqOptions = {}): Promise<Res> {
    const url = new URL(this.baseUrl + restPath(path));
    if (typeof opts.query === 'string') url.search = opts.query;
    else if (opts.query) for (const [k, v] of Object.entries(opts.query)) url.searchParams.append(k, String(v));
    const { headers, body } = requestBody(opts);
    if (body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(body));
    const signals = [AbortSignal.timeout(opts.timeoutMs ?? 40_000)];
    if (opts.signal) signals.push(opts.signal);
    const started = performance.now();
    return new Promise<Res>((resolveRes, reject) => {
      const req = httpsRequest(url, { method, headers, agent: this.agent, signal: AbortSignal.any(signals) }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const h = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            for (const v of Array.isArray(value) ? value : value === undefined ? [] : [value]) h.append(name, v);
          }
          let json: unknown;
          try {
            json = text.length > 0 ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolveRes({ status: res.statusCode ?? 0, text, json, headers: h, ms: performance.now() - started });
        });
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  /** What a Visitor talks to (it only calls `req` and reads `pollHoldMs`; the cast says so). */
  get asServer(): TestServer {
    return { req: (...args: Parameters<HostClient['req']>) => this.req(...args), pollHoldMs: this.pollHoldMs } as unknown as TestServer;
  }

  /** Closes the kept-alive connections. */
  close(): void {
    this.agent.destroy();
  }
}
