// The bench's agent on Switchboard's stream socket (/agent/v1/stream): it
// receives chat events as stream frames and sends chat actions as command
// frames, each answered by a reply frame once the server made it durable.
import WebSocket from 'ws';

export class AgentSocket {
  constructor({ host, port, token, localAddress = '127.0.0.1' }) {
    this.url = `ws://${host}:${port}/agent/v1/stream`;
    this.token = token;
    this.localAddress = localAddress;
    this.ws = null;
    this.nextRef = 0;
    this.waiting = new Map(); // ref -> {resolve, startedAt}
    this.chatEventListeners = [];
    this.framesReceived = 0;
  }

  open() {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.url, { headers: { Authorization: `Bearer ${this.token}` }, localAddress: this.localAddress, perMessageDeflate: false });
      this.ws = ws;
      ws.once('open', () => resolve());
      ws.once('error', reject);
      ws.on('message', (raw) => this.onFrame(raw, performance.now()));
      ws.on('close', () => {
        for (const w of this.waiting.values()) w.resolve({ ok: false, res: { status: 0, error: 'socket closed', body: '', startedAt: w.startedAt, endedAt: performance.now() } });
        this.waiting.clear();
      });
    });
  }

  onFrame(raw, at) {
    this.framesReceived += 1;
    const frame = JSON.parse(raw.toString('utf8'));
    if (frame.type === 'reply') {
      const w = this.waiting.get(frame.ref);
      if (!w) return;
      this.waiting.delete(frame.ref);
      const res = { status: frame.ok ? 200 : frame.status, error: frame.ok ? undefined : frame.error, body: '', startedAt: w.startedAt, endedAt: at };
      w.resolve({ ok: frame.ok, res });
    } else if (frame.type === 'chat.event') {
      for (const listener of this.chatEventListeners) listener(frame, at);
    }
  }

  /** Sends a chat action; resolves (never rejects) with {ok, res: {status, error, startedAt, endedAt}}. */
  command(action, chatId, body) {
    return new Promise((resolve) => {
      this.nextRef += 1;
      const ref = this.nextRef;
      const startedAt = performance.now();
      if (this.ws?.readyState !== WebSocket.OPEN) {
        resolve({ ok: false, res: { status: 0, error: 'socket not open', body: '', startedAt, endedAt: startedAt } });
        return;
      }
      this.waiting.set(ref, { resolve, startedAt });
      this.ws.send(JSON.stringify({ ref, action, chatId, body }));
    });
  }

  /** Calls `listener(frame, receivedAt)` for every chat.event frame. */
  onChatEvent(listener) {
    this.chatEventListeners.push(listener);
  }

  close() {
    this.ws?.terminate();
    this.ws = null;
  }
}
