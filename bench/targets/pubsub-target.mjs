// Client side of the two reference servers (bare baseline and Nchan): a channel
// is /sub/<id> + /pub/<id>; a message body is {"id": "<unique id>"}.
import path from 'node:path';
import { MESSAGE_ID_PATTERN, freePort } from '../lib/load-generator.mjs';
import { startServerProcess } from '../lib/server-process.mjs';
import { startNchan, nchanUnavailableReason } from '../nchan/nchan-server.mjs';

const BASELINE_SCRIPT = path.join(import.meta.dirname, '..', 'baseline', 'server.mjs');

function pubsubClient(target) {
  let channelCounter = 0;
  return {
    /** Channels need no set-up on these servers; ids are unique per run. */
    async openChannels(pool, count) {
      const channels = [];
      for (let i = 0; i < count; i += 1) {
        channelCounter += 1;
        channels.push({ id: `c${channelCounter}`, slot: channelCounter, etag: null, lastModified: null });
      }
      return { channels, failures: 0 };
    },

    async poll(pool, channel, { timeoutMs, onFlushed } = {}) {
      const headers = {};
      if (channel.lastModified) headers['if-modified-since'] = channel.lastModified;
      if (channel.etag) headers['if-none-match'] = channel.etag;
      const res = await pool.request({ slot: channel.slot, path: `/sub/${channel.id}`, headers, timeoutMs, onFlushed });
      if (res.status === 200) {
        if (res.headers['last-modified']) channel.lastModified = res.headers['last-modified'];
        if (res.headers.etag) channel.etag = res.headers.etag;
        return { kind: 'messages', ids: res.body.match(MESSAGE_ID_PATTERN) ?? [], res };
      }
      if (res.status === target.timeoutStatus) return { kind: 'timeout', ids: [], res };
      return { kind: 'error', ids: [], res };
    },

    async agentSend(pool, channel, id, slot) {
      const res = await pool.request({ slot, method: 'POST', path: `/pub/${channel.id}`, body: { id } });
      return { ok: res.status >= 200 && res.status < 300, res };
    },

    /** The closed loop on a bare pub/sub server: the visitor's message comes straight back. */
    async visitorSend(pool, channel, id, slot) {
      return this.agentSend(pool, channel, id, slot);
    },
  };
}

export function baselineTarget({ runDir }) {
  const target = {
    name: 'baseline',
    label: 'bare node:http baseline',
    timeoutStatus: 204,
    persistent: false,
    host: '127.0.0.1',
    port: null,
    server: null,
    unavailable: null,
    async start({ holdSeconds }) {
      target.port = await freePort();
      target.server = await startServerProcess({
        command: process.execPath,
        args: [...(process.env.BENCH_BASELINE_NODE_ARGS?.split(' ').filter(Boolean) ?? []), BASELINE_SCRIPT, '--port', String(target.port), '--hold-ms', String(holdSeconds * 1000)],
        logPath: path.join(runDir, `baseline-${target.port}.log`),
      });
      return { readyMs: target.server.readyMs };
    },
    serverPids: () => (target.server ? [target.server.pid] : []),
    async stop() {
      const ms = await target.server?.stop();
      target.server = null;
      return ms;
    },
  };
  return Object.assign(target, pubsubClient(target));
}

export function nchanTarget({ runDir, fdLimit }) {
  const target = {
    name: 'nchan',
    label: 'nginx + Nchan (1 worker)',
    timeoutStatus: 408,
    persistent: false,
    host: '127.0.0.1',
    port: null,
    server: null,
    unavailable: nchanUnavailableReason(),
    async start({ holdSeconds }) {
      target.port = await freePort();
      target.server = await startNchan({ runDir, port: target.port, holdSeconds, fdLimit });
      return { readyMs: target.server.readyMs };
    },
    serverPids: () => (target.server ? target.server.pids() : []),
    async stop() {
      const ms = await target.server?.stop();
      target.server = null;
      return ms;
    },
  };
  return Object.assign(target, pubsubClient(target));
}
