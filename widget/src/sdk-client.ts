/**
 * The one place that knows the SDK's event shapes: it starts a VisitorClient
 * and turns its events into the few callbacks the widget renders. The SDK does
 * the Live Agent loop itself (long poll, acks, retries, 503 recovery).
 */
import { SwitchboardClosedError, SwitchboardHttpError, VisitorClient, type UploadBusyWait, type VisitorSnapshot } from '../../packages/sdk/src/index.ts';

export interface PrechatDetail {
  label: string;
  value: string;
}

export interface ChatStart {
  baseUrl: string;
  organizationId: string;
  deploymentId: string;
  buttonId: string;
  visitorName: string;
  prechatDetails: PrechatDetail[];
}

/**
 * How a visitor's message went: `sent` (the server has it), `tooLong` (refused, MESSAGE_TOO_LONG; `max`
 * is the server's limit as its answer says it), `refused` (another 4xx), `undelivered` (the chat ended
 * while it waited to go out: the server never took it), `detached` (the widget left the page: the
 * message is in the saved chat and goes out from the next page).
 */
export type SendResult = { status: 'sent' } | { status: 'tooLong'; max: number | undefined } | { status: 'refused' | 'undelivered' | 'detached' };

export interface ChatCallbacks {
  queue(position: number, waitSeconds: number | undefined): void;
  established(agentName: string, sneakPeekEnabled: boolean): void;
  /** `agentId`: whose message (empty when the server sent none). */
  message(name: string, text: string, agentId: string): void;
  /** AgentTyping / AgentNotTyping, with who (empty when the server sent none): a conference has several agents. */
  agentTyping(on: boolean, name: string, agentId: string): void;
  transferred(agentName: string): void;
  /** The agent dropped (AgentDisconnect): the server put the chat back in its queue until another agent takes it. */
  agentLeft(): void;
  /** Another agent joined the chat (AgentJoinedConference): the chat's agent brought it in. */
  conferenceJoined(name: string): void;
  /** An agent of the conference left (AgentLeftConference); the chat's own agent stays. */
  conferenceLeft(name: string): void;
  /** The agent (or the server) ended the chat. */
  ended(reason: string): void;
  failed(reason: string): void;
  /** false while the SDK is recovering a lost connection, true once it is back. */
  connection(ok: boolean): void;
  /** The agent asked for a file (FileTransfer Requested); `resumed`: a request still open that a previous page showed. */
  fileRequested(fileToken: string, resumed: boolean): void;
  /** The agent withdrew the request (FileTransfer Canceled: by hand, or the chat ended or left that agent). */
  fileCanceled(fileToken: string): void;
  /** The button's post-chat page, as ChatRequestSuccess, ChatRequestFail or ChasitorSessionData gives it (`""`: none). Told before `failed`. */
  postChatUrl(url: string): void;
  /**
   * The chasitor idle timeout (ChasitorIdleTimeoutWarningEvent): `true` when the server warns that the
   * chat ends unless the visitor writes, `false` when a visitor message cleared it. The SDK has no event for it.
   */
  idleWarning(on: boolean): void;
}

export interface ChatConnection {
  /** Sends a visitor message; resolves (never rejects) with how it went. */
  send(text: string): Promise<SendResult>;
  typing(on: boolean): void;
  sneakPeek(text: string): void;
  /** Uploads `file` for the request `fileToken`; rejects with the SDK's SwitchboardHttpError (status, reason, `code`, `maxBytes`). */
  upload(fileToken: string, file: File, busy?: (wait: UploadBusyWait) => void): Promise<void>;
  end(): Promise<void>;
  /** The session's id (System/SessionId `id`, the agent API's chatId), once known; not a secret, unlike its key. */
  readonly sessionId: string | undefined;
  /** The chat as JSON for another page to continue (null before the chat request is through). */
  snapshot(): VisitorSnapshot | null;
  /** Stops listening, to the SDK and to the browser's network and visibility events (the chat itself is left as it is). */
  dispose(): void;
  /**
   * dispose(), and the client lets go of the chat without ending it (VisitorClient.detach()):
   * no request goes out any more, and what it had not sent is in the snapshot taken before.
   */
  detach(): void;
}

/**
 * Starts a chat, or with `resume` continues one a previous page saved; the
 * callbacks fire until the chat ends or `dispose()` is called.
 */
export function connectChat(start: ChatStart, cb: ChatCallbacks, resume?: VisitorSnapshot): ChatConnection {
  const client = new VisitorClient({
    baseUrl: start.baseUrl,
    organizationId: start.organizationId,
    deploymentId: start.deploymentId,
    buttonId: start.buttonId,
    visitorName: start.visitorName,
    prechatDetails: start.prechatDetails.map((d) => ({ label: d.label, value: d.value, displayToAgent: true, transcriptFields: [] })),
    receiveQueueUpdates: true,
  });
  /** The SDK reported the connection lost and not back yet. */
  let lost = false;
  /**
   * Back only when the SDK says so and the browser is online: a request that was in flight when the
   * network went can still end well (a held poll), and the visitor was then told the connection was
   * back while it was not, and lost again at the next request.
   */
  const reportConnection = (): void => cb.connection(!lost && navigator.onLine !== false);
  /** Aborted by dispose(): the listeners on the page go with it. */
  const listening = new AbortController();
  /** Set by detach(): the calls the client then rejects are in the saved chat, not failed. */
  let detached = false;
  /** Reports a failed call; the SDK has already retried what a retry could fix. */
  const report = (what: string) => (err: unknown): void => {
    if (!detached) console.warn(`[switchboard] ${what} failed`, err);
  };
  // The SDK has no event of its own for it: the raw message comes before the SDK acts on it
  // (ChatRequestFail's `failed`), so the widget knows the page when it shows the end.
  const POST_CHAT_CARRIERS = ['ChatRequestSuccess', 'ChatRequestFail', 'ChasitorSessionData'];
  const offs = [
    client.on('raw', (m) => {
      const url = m.message['postChatUrl'];
      if (POST_CHAT_CARRIERS.includes(m.type) && typeof url === 'string') cb.postChatUrl(url);
      if (m.type === 'ChasitorIdleTimeoutWarningEvent') cb.idleWarning(m.message['type'] !== 'cleared');
    }),
    client.on('queue', (e) => cb.queue(Number(e.position), Number(e.estimatedWaitTime) >= 0 ? Number(e.estimatedWaitTime) : undefined)),
    client.on('established', (e) => cb.established(String(e.name ?? ''), e.sneakPeekEnabled !== false)),
    client.on('message', (e) => cb.message(String(e.name ?? ''), String(e.text ?? ''), String(e.agentId ?? ''))),
    client.on('agentTypingBy', (e) => cb.agentTyping(e.typing, e.name, e.agentId)),
    client.on('transferred', (e) => cb.transferred(String(e.name ?? ''))),
    client.on('agentDisconnected', () => cb.agentLeft()),
    client.on('agentJoined', (e) => cb.conferenceJoined(String(e.name ?? ''))),
    client.on('agentLeft', (e) => cb.conferenceLeft(String(e.name ?? ''))),
    client.on('ended', (e) => cb.ended(e.reason)),
    client.on('failed', (e) => cb.failed(e.reason)),
    client.on('fileTransfer', (e) => (e.type === 'Requested' ? cb.fileRequested(e.fileToken, false) : cb.fileCanceled(e.fileToken))),
    client.on('connection', (state) => {
      lost = state !== 'online';
      reportConnection();
    }),
  ];
  // The network is back: the SDK's backoff may have put the next poll up to 15 s away, so
  // retry now. A page shown again while the connection is lost does the same: the browser may
  // have held back a background tab's timers, and the visitor just came back to the chat.
  // reconnectNow() also replaces the poll and the visitor's send in flight, which the change may
  // have left on a dead connection: the poll never doubled, the send under its own sequence
  // number so the server applies it once (ADR 0038 and its later note).
  const online = (): void => {
    client.reconnectNow();
    reportConnection();
  };
  const visible = (): void => {
    if (lost && document.visibilityState === 'visible') client.reconnectNow();
  };
  window.addEventListener('online', online, { signal: listening.signal });
  // The browser knows first: "Connection lost" shows at once, not at the next failed request.
  window.addEventListener('offline', reportConnection, { signal: listening.signal });
  document.addEventListener('visibilitychange', visible, { signal: listening.signal });
  const dispose = (): void => {
    offs.forEach((off) => off());
    listening.abort();
  };
  if (resume) {
    try {
      client.resume(resume);
      // Requests the previous page had not answered: the server does not send them again.
      for (const r of client.fileRequests) cb.fileRequested(r.fileToken, true);
    } catch (err) {
      cb.failed(err instanceof Error ? err.message : String(err));
    }
  } else {
    // After detach() the start is cut short on purpose: no failure to show.
    client.start().catch((err: unknown) => { if (!detached) cb.failed(err instanceof Error ? err.message : String(err)); });
  }
  return {
    send: (text) => client.send(text).then((): SendResult => ({ status: 'sent' }), (err: unknown): SendResult => {
      if (err instanceof SwitchboardClosedError) return { status: detached ? 'detached' : 'undelivered' };
      report('send')(err);
      if (!(err instanceof SwitchboardHttpError)) return { status: 'refused' };
      // The session is over on the server (the chat ended meanwhile): it took nothing.
      if (err.status === 403) return { status: 'undelivered' };
      // MESSAGE_TOO_LONG's detail is "<length> > <limit>" (docs/errors.md).
      const limit = /too long: \d+ > (\d+)/i.exec(err.body);
      return err.status === 400 && /too long/i.test(err.body) ? { status: 'tooLong', max: limit ? Number(limit[1]) : undefined } : { status: 'refused' };
    }),
    typing: (on) => { client.typing(on).catch(report('typing')); },
    sneakPeek: (text) => { client.sneakPeek(text).catch(report('sneak peek')); },
    upload: async (fileToken, file, busy) => { await client.uploadFile(fileToken, file, file.name, busy ? { onBusyWait: busy } : {}); },
    end: () => client.end().catch(report('end')),
    get sessionId() { return client.sessionId; },
    snapshot: () => client.snapshot(),
    dispose,
    detach: () => {
      detached = true;
      dispose();
      client.detach();
    },
  };
}
