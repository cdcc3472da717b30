/**
 * The chat lifecycle: a visitor asks for a chat, the router offers it to an
 * agent, the agent accepts, both sides talk, someone ends it. Every change is an
 * event appended to the session's log; notifications (poll wake-ups, agent
 * listeners) run only after the group commit made those events durable.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { ButtonConfig, FileTransferConfig, SettingsConfig } from '../config/config-schema.js';
import type { ChatStore } from '../ports/chat-store.js';
import type { Clock } from '../ports/clock.js';
import type { Actor, LogEvent, SessionRecord } from '../ports/records.js';
import { fail } from '../protocol/errors.js';
import type { GeoLocation } from '../protocol/geo-location.js';
import type { ChasitorInit } from '../protocol/visitor-requests.js';
import { AgentActions } from './agent-actions.js';
import { AgentDirectory } from './agent-directory.js';
import type { ButtonEntry, Catalog } from './catalog.js';
import { OrgShards } from './org-shards.js';
import { holdersInLog } from './chat-holders.js';
import { ChatFlags } from './chat-flags.js';
import { ChatOutcomes } from './chat-outcomes.js';
import { appliedOf, ChatSession, type AppliedSequences } from './chat-session.js';
import { CommitQueue } from './commit-queue.js';
import { Conferences } from './conferences.js';
import { EventType, isResentCopy } from './event-types.js';
import { FileTransfers } from './file-transfers.js';
import { IdleTimeouts } from './idle-timeout.js';
import { SensitiveDataMasker } from './sensitive-data-masker.js';
import { VisitorBlocks } from './visitor-blocks.js';
import { Dispatcher, fallbackButtonRemoved, isNamedOnlyRequest, skillQueueKey } from './routing/dispatcher.js';
import { ButtonHours } from './routing/button-hours.js';
import { Router } from './routing/router.js';
import { lastToldInLog, QUEUE_TOLD_TYPES } from './routing/queue-updates-told.js';
import { WaitEstimator } from './routing/wait-estimator.js';

/** The flag is between the holder and the supervisors (ADR 0056): a conference's participants are not pushed its events. */
const HOLDER_AND_SUPERVISORS_ONLY: ReadonlySet<string> = new Set([EventType.FlagRaised, EventType.FlagLowered]);

/** Agent actions not echoed back on the acting agent's own stream. */
const SELF_AUTHORED: ReadonlySet<string> = new Set([EventType.AgentMessage, EventType.AgentTyping, EventType.AgentNotTyping, EventType.AgentCustomEvent]);

export interface EngineLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface EngineDeps {
  store: ChatStore;
  clock: Clock;
  catalog: Catalog;
  settings: SettingsConfig;
  /** This node's affinity token (8 hex characters). */
  nodeId: string;
  logger: EngineLogger;
  /** Real time, for how long writes wait (readiness), whatever `clock` does in emulator mode; `clock` by default. */
  realTime?: Pick<Clock, 'now'>;
  /** config `fileTransfer`; on, 10 MiB, when not given. */
  fileTransfer?: FileTransferConfig;
  /** config `server.publicUrl`: the base of the URLs the server hands out; else the origin each request came to. */
  publicUrl?: string | undefined;
  /** The orgs' sensitive data rules (ADR 0052); none when not given. */
  sensitiveData?: SensitiveDataMasker;
  /** Visitor blocks (ADR 0055), loaded; none when not given. */
  blocks?: VisitorBlocks;
}

/** The `endReason` of a chat that waited on a button removed from the config (endOnRemovedButton). */
const BUTTON_REMOVED = 'ButtonRemoved';

/** The `endReason` of a chat refused or ended because its visitor's address is blocked (ADR 0055). */
export const BLOCKED = 'Blocked';

/** The `endReason` of a chat request refused because its button was outside its business hours (ADR 0062). */
export const OUTSIDE_BUSINESS_HOURS = 'OutsideBusinessHours';

export class ChatEngine {
  readonly sessions = new Map<string, ChatSession>();
  readonly directory = new AgentDirectory();
  readonly router: Router;
  /** Whether buttons are within their business hours now (ADR 0062). */
  readonly hours: ButtonHours;
  readonly waits = new WaitEstimator();
  readonly queue: CommitQueue;
  readonly idle: IdleTimeouts;
  /** Queues, offers and queue updates (routing/dispatcher.ts). */
  readonly dispatcher: Dispatcher;
  /** What agents and supervisors do to chats (agent-actions.ts). */
  readonly agentActions: AgentActions = new AgentActions(this);
  /** Conferences: other agents the holder brings into a chat (conferences.ts, ADR 0051). */
  readonly conferences: Conferences = new Conferences(this);
  /** Flags holders raise for a supervisor's help (chat-flags.ts, ADR 0056). */
  readonly flags: ChatFlags = new ChatFlags(this);
  /** Files agents ask visitors for (file-transfers.ts). */
  readonly files: FileTransfers;
  /** Masks sensitive data in chat text before it is appended (ADR 0052). */
  readonly sensitiveData: SensitiveDataMasker;
  /** Addresses refused a chat with an org (ADR 0055). */
  readonly blocks: VisitorBlocks;
  readonly catalog: Catalog;
  readonly clock: Clock;
  readonly settings: SettingsConfig;
  readonly nodeId: string;
  private readonly store: ChatStore;
  private readonly logger: EngineLogger;
  /**
   * The agent that held the chat when each event was appended: it hears of the
   * event once it is durable (unless it did it itself), and supervisors watching
   * the org hear of it unless they held the chat then (agent-stream-hub). Fixed
   * at append, so an event appended just before a takeover reaches exactly one
   * of the two. Entries leave in onDurable. A Map, not a WeakMap: ephemeron
   * tables make every young-generation GC slower. (A batch whose write keeps
   * failing is written again, ADR 0016, and reaches onDurable then.)
   */
  private readonly heldBy = new Map<LogEvent, string>();
  /**
   * The conference participants of the event's chat when it was appended (ADR 0051): they hear
   * of it as its holder does. Only events of chats with participants have an entry.
   */
  private readonly participantsAt = new Map<LogEvent, readonly string[]>();
  /** The org of sessions closed lately: their last events are fanned out after the close. */
  private readonly closedOrgs = new Map<string, string>();
  /** Runs after each durable batch (poll wake-ups are handled here; others subscribe). */
  private readonly durableListeners: ((events: LogEvent[]) => void)[] = [];
  /** The supervisors' fan-out, per event (onEachEventDurable). */
  private monitorFanOut: (() => ((e: LogEvent) => void) | null) | null = null;
  /** What chats come to, for dashboards (the metrics). */
  readonly outcomes: ChatOutcomes;

  constructor(deps: EngineDeps) {
    this.store = deps.store;
    this.clock = deps.clock;
    this.catalog = deps.catalog;
    this.settings = deps.settings;
    this.nodeId = deps.nodeId;
    this.logger = deps.logger;
    this.sensitiveData = deps.sensitiveData ?? new SensitiveDataMasker([]);
    this.outcomes = new ChatOutcomes((err) => this.logger.error({ err }, 'a chat outcome listener failed'));
    this.blocks = deps.blocks ?? new VisitorBlocks(deps.store, deps.clock);
    this.hours = new ButtonHours(this.catalog, this.clock);
    this.router = new Router(this.catalog, this.directory, this.hours);
    this.files = new FileTransfers(this, this.store, deps.fileTransfer ?? { enabled: true, maxBytes: 10 * 1024 * 1024, maxBytesInFlight: 64 * 1024 * 1024 }, deps.publicUrl);
    this.queue = new CommitQueue(this.store, (events) => this.onDurable(events), (err) => this.logger.error({ err }, 'store write failed: written again after a back-off'), this.clock,
      (failedWrites) => this.logger.info({ failedWrites }, 'store writes resumed'), deps.realTime ?? this.clock);
    for (const a of this.catalog.allAgents()) this.directory.register(a.orgId, a.config);
    this.idle = new IdleTimeouts(this.clock, {
      buttonFor: (s) => (s.record.routedButtonId ? this.catalog.button(s.record.routedButtonId)?.config : undefined),
      warn: (s, type) => { if (this.chatActive(s)) this.append(s, 'ChasitorIdleTimeoutWarningEvent', 'system', { type }, true); },
      expire: (s) => {
        if (!this.chatActive(s)) return;
        this.files.cancelPending(s);
        this.append(s, EventType.ChatEnded, 'system', { reason: 'chasitorIdleTimeout', attachedRecords: [] }, true);
        this.finishChat(s, 'chasitorIdleTimeout');
      },
    });
    this.dispatcher = new Dispatcher({ host: this, router: this.router, directory: this.directory, catalog: this.catalog, waits: this.waits, idle: this.idle, clock: this.clock });
  }

  /** Offers every waiting chat it can (Dispatcher.dispatch). */
  dispatch(): void {
    this.dispatcher.dispatch();
  }

  /** Routing settings for a queue (Dispatcher.queueConfig). */
  queueConfig(queueKey: string, routedButtonId: string): ButtonConfig {
    return this.dispatcher.queueConfig(queueKey, routedButtonId);
  }

  /**
   * Whether a stored open session is this node's to recover. A session is its maker's (its
   * affinity token); in a cluster (ADR 0066) a chat is its org's shard's whoever made it: an org
   * moved to this shard brings its open chats (their tokens are checked against the session, so
   * their visitors carry on).
   */
  private recovers(record: SessionRecord): boolean {
    if (this.catalog.shard !== null && record.request) return this.catalog.serves(record.request.orgId);
    return record.owner === this.nodeId;
  }

  /** Loads open sessions and routing state from the store (restart recovery). */
  async start(): Promise<void> {
    this.waits.load(await this.store.loadButtonStats());
    const now = this.clock.now();
    const pending: string[] = [];
    const open = await this.store.loadOpenSessions();
    this.dispatcher.continueQueueSeqsAfter(open.reduce((max, r) => Math.max(max, r.queueSeq ?? 0), 0));
    for (const record of open) {
      if (!this.recovers(record)) continue;
      // Visitors could not poll while we were down: give them a fresh timeout window.
      record.lastSeenAt = Math.max(record.lastSeenAt, now);
      record.issuedRecent ??= [];
      const s = new ChatSession(record, this.queue, false);
      this.sessions.set(record.id, s);
      if (record.chatState === 'offered') record.chatState = 'waiting';
      if (record.queueKey?.startsWith('skill:') && record.request && !record.queueKey.startsWith(`skill:${record.request.orgId}:`)) {
        // Written before skill queues were per org (`skill:<name>`).
        record.queueKey = skillQueueKey(record.request.orgId, record.queueKey.slice('skill:'.length));
        s.touchRecord();
      }
      // A transfer or a request for one named agent still waiting waits on for the agents'
      // grace (ADR 0043): the restart took every presence away, not the targets' will to take it.
      // So does a new request some agent passed on (ADR 0071): with every presence gone, it would
      // look passed on by everyone and fail before its other agents could come back.
      if (record.chatState === 'waiting' && (record.transferFrom || isNamedOnlyRequest(record, this.catalog) || (record.establishedAt === null && record.declinedBy.length > 0))) pending.push(record.id);
      if (record.holders === undefined && record.chatState !== 'none') {
        // Written before the record kept its holders: a former holder must hear "no longer
        // yours" (409), not "not yours" (403), as for chats written since. Its log says who.
        record.holders = await holdersInLog(this.store, record.id);
        s.touchRecord();
      }
      if (record.chatState === 'waiting' && record.transferFrom) {
        // A transfer to a skill or button still in progress keeps its place in its sender's capacity.
        this.directory.get(record.transferFrom)?.transfersOut.add(record.id);
        // Its idle count was suspended in memory: kept again, so a transfer that fails back to
        // the sender resumes it, as without the restart (a visitor who went quiet still times out).
        const idle = await this.unansweredAgentMessage(s, record.transferOrigin?.routedButtonId ?? record.routedButtonId);
        if (idle) this.idle.restoreSuspended(s, idle.warned);
      } else if (record.chatState === 'waiting' && record.establishedAt !== null) {
        // Queued again after its agent dropped: suspended too, for a supervisor's reassign to resume.
        const idle = await this.unansweredAgentMessage(s, record.routedButtonId);
        if (idle) this.idle.restoreSuspended(s, idle.warned);
      }
      if (record.chatState === 'waiting' && record.routedButtonId) {
        record.agentId = null;
        const unnumbered = (record.queueSeq ?? null) === null;
        this.dispatcher.enqueue(record.queueKey ?? record.routedButtonId, s, record.queuedAt ?? record.createdAt);
        // Written before the arrival order was stored: the number it gets now is written at once.
        // Kept in memory only, the next start would number it again after any chat of the same
        // millisecond whose record was written meanwhile, and the two would swap places.
        if (unnumbered) s.touchRecord();
        // What it was told before the restart: a QueueUpdate follows only a change (not the restart).
        if (record.request?.receiveQueueUpdates && !record.transferFrom) {
          const told = lastToldInLog(await this.store.readEventsOfTypes(record.id, QUEUE_TOLD_TYPES, 0, 100_000));
          if (told) this.dispatcher.told(record.id, told.position, told.estimatedWaitTime);
        }
      } else if (record.chatState === 'established' && record.agentId) {
        this.directory.get(record.agentId)?.chats.add(record.id);
        await this.rearmIdleTimeout(s);
      }
      if (record.participants?.length || record.conferenceInvite) this.conferences.restore(s);
    }
    if (pending.length) this.dispatcher.holdAfterRestart(this.settings.agentGraceSeconds * 1000, pending);
    this.dispatch();
  }

  /**
   * The chasitor idle timeout's timers live in memory: after a restart a chat
   * whose last agent message is still unanswered counts again, from the restart
   * (visitors could not answer while the server was down), keeping a warning
   * that already fired.
   */
  private async rearmIdleTimeout(s: ChatSession): Promise<void> {
    const idle = await this.unansweredAgentMessage(s, s.record.routedButtonId);
    if (idle) this.idle.armAfterAgentMessage(s, idle.warned);
  }

  /**
   * Whether the chat's last agent message is unanswered (its idle count was running), and
   * whether the warning fired, read from the log's tail; null too when `buttonId` (the
   * button the count would run with) has no idle timeout.
   */
  private async unansweredAgentMessage(s: ChatSession, buttonId: string | null | undefined): Promise<{ warned: boolean } | null> {
    const button = buttonId ? this.catalog.button(buttonId)?.config : undefined;
    if (!button?.chasitorIdleTimeout.isEnabled) return null;
    const tail = await this.store.readEvents(s.id, Math.max(0, s.record.lastOffset - 200), 200);
    let unanswered = false;
    let warned = false;
    let reassigned = false;
    for (const e of tail) {
      if (e.type === EventType.AgentMessage) unanswered = true;
      else if (e.type === EventType.VisitorMessage) { unanswered = false; warned = false; }
      else if (e.type === 'ChasitorIdleTimeoutWarningEvent') warned = e.data.type === 'triggered';
      // An agent who accepted the chat from the queue starts from their own first message (the
      // count was dropped then); a supervisor's reassign (ChatReassigned first) kept it.
      else if (e.type === EventType.ChatTransferred && !reassigned) { unanswered = false; warned = false; }
      reassigned = e.type === 'ChatReassigned';
    }
    return unanswered ? { warned } : null;
  }

  onEventsDurable(listener: (events: LogEvent[]) => void): void {
    this.durableListeners.push(listener);
  }

  /**
   * The supervisors' fan-out (agent-stream-hub): asked once per durable batch for a function
   * that tells watching supervisors of one event (null: nobody watches), then called per event
   * in order with the holders' notifications.
   */
  onEachEventDurable(fanOut: () => ((e: LogEvent) => void) | null): void {
    this.monitorFanOut = fanOut;
  }

  /** Tells an event's agents of it once it is durable: an offer's agent, the holder, the conference's participants. */
  private notifyHolders(e: LogEvent): void {
    if (e.type === EventType.ChatOffered) {
      // Only an offer still open: one withdrawn while its commit ran (agent went away) is not announced.
      const agentId = String(e.data.agentId);
      const r = this.sessions.get(e.sessionId)?.record;
      if (r && r.chatState === 'offered' && r.agentId === agentId) this.directory.notify(agentId, { kind: 'offer', sessionId: e.sessionId });
      return;
    }
    if (e.type === EventType.ConferenceInvited) {
      // Only an invitation still open, as for an offer: the invitee gets `offer` marked `conference`.
      const agentId = String(e.data.agentId);
      if (this.sessions.get(e.sessionId)?.record.conferenceInvite?.agentId === agentId) this.directory.notify(agentId, { kind: 'offer', sessionId: e.sessionId });
    }
    // The chat's agent, and the participants of its conference, hear of everything except
    // what each did itself (it has the API response; its transcript still has it).
    const holder = this.heldBy.get(e);
    if (holder === undefined || isResentCopy(e)) return;
    const author = e.actor === 'agent' && SELF_AUTHORED.has(e.type) ? (typeof e.data.agentId === 'string' ? e.data.agentId : holder) : null;
    if (author !== holder) this.directory.notify(holder, { kind: 'event', event: e });
    if (HOLDER_AND_SUPERVISORS_ONLY.has(e.type)) return;
    for (const id of this.participantsAt.get(e) ?? []) if (id !== author) this.directory.notify(id, { kind: 'event', event: e });
  }

  // ---- sessions -----------------------------------------------------------

  createSession(): ChatSession {
    const id = randomUUID();
    const now = this.clock.now();
    const record: SessionRecord = {
      id,
      key: `${id}!${now}!${randomBytes(16).toString('hex')}`,
      owner: this.nodeId,
      epoch: randomBytes(4).toString('hex'),
      createdAt: now,
      lastSeenAt: now,
      chatState: 'none',
      request: null,
      routedButtonId: null,
      agentId: null,
      queuedAt: null,
      establishedAt: null,
      endedAt: null,
      endReason: null,
      declinedBy: [],
      lastOffset: 0,
      lastVseq: 0,
      cursor: 0,
      confirmed: 0,
      issuedRecent: [],
      appliedSeqMax: 0,
      appliedSeqRecent: [],
      closed: false,
    };
    const s = new ChatSession(record, this.queue, true);
    this.sessions.set(id, s);
    s.touchRecord();
    return s;
  }

  /** Looks a session up by its key (`id!epochMs!opaque`). */
  findByKey(key: string): ChatSession | undefined {
    const bang = key.indexOf('!');
    const id = bang < 0 ? key : key.slice(0, bang);
    const s = this.sessions.get(id);
    return s && s.record.key === key ? s : undefined;
  }

  /**
   * Keys of sessions closed lately, with the sequences they applied (the one that
   * closed it included): a retried ChatEnd or DELETE (its response was lost) gets
   * `200 OK`, not 403. A cache in front of the store, which keeps closed sessions
   * until they are purged: a retry after a restart finds them there.
   */
  private readonly closedKeys = new Map<string, AppliedSequences>();

  /**
   * The sequences (and their nouns) applied by the closed session this key named, or
   * undefined when it names no closed session. A retry is told by isRetryOf: the number
   * of the ChatEnd reused by a ChatMessage is a new request, refused (ADR 0050).
   */
  async closedSequences(key: string): Promise<AppliedSequences | undefined> {
    const cached = this.closedKeys.get(key);
    if (cached) return cached;
    const bang = key.indexOf('!');
    if (bang <= 0) return undefined;
    const record = await this.store.getSession(key.slice(0, bang));
    if (!record?.closed || record.key !== key) return undefined;
    const applied = appliedOf(record);
    this.rememberClosed(key, applied);
    return applied;
  }

  /**
   * A key this node does not hold that names an open chat of another shard's org (ADR 0066):
   * refused with 421 and where that shard is. Anything else returns (the caller answers 403).
   * Read from the store, on this error path only.
   */
  async refuseOtherShardsSession(key: string): Promise<void> {
    const bang = key.indexOf('!');
    if (bang <= 0) return;
    const record = await this.store.getSession(key.slice(0, bang));
    if (!record || record.key !== key || record.closed || !record.request) return;
    const there = this.catalog.elsewhere(record.request.orgId);
    if (there) fail('MISDIRECTED_REQUEST', OrgShards.misdirectedDetail(there.orgId, there));
  }

  /** A ChasitorInit body (unchecked) naming another shard's org: refused with 421 and where that shard is (ADR 0066). */
  refuseOtherShardsInit(body: unknown): void {
    const orgId = (body as { organizationId?: unknown } | null)?.organizationId;
    if (typeof orgId !== 'string') return;
    const there = this.catalog.elsewhere(orgId);
    if (there) fail('MISDIRECTED_REQUEST', OrgShards.misdirectedDetail(orgId, there));
  }

  private rememberClosed(key: string, applied: AppliedSequences): void {
    this.closedKeys.set(key, applied);
    if (this.closedKeys.size > 10_000) this.closedKeys.delete(this.closedKeys.keys().next().value!);
  }

  /** Marks a session over: its key answers 403 from now on. */
  close(s: ChatSession): void {
    if (s.record.closed) return;
    this.rememberClosed(s.record.key, appliedOf(s.record));
    s.record.closed = true;
    s.touchRecord();
    const org = s.record.request?.orgId;
    if (org) {
      this.closedOrgs.set(s.id, org);
      if (this.closedOrgs.size > 10_000) this.closedOrgs.delete(this.closedOrgs.keys().next().value!);
    }
    this.sessions.delete(s.id);
    this.router.remove(s.id);
    s.offerTimer?.cancel();
    s.inviteTimer?.cancel();
    s.heldPoll?.wake();
  }

  /**
   * The emulator's reset (emulator-reset.ts, ADR 0022): every session leaves as if it had
   * never been: no event is appended for it and nothing of it is written again. Its timers
   * stop, it leaves its queue, and its held poll wakes to find it gone (403). Returns the
   * sessions dropped.
   */
  discardAllSessions(): ChatSession[] {
    const dropped = [...this.sessions.values()];
    this.sessions.clear();
    for (const s of dropped) {
      this.idle.disarm(s);
      this.router.remove(s.id);
      this.dispatcher.forget(s.id);
      s.discard();
    }
    this.closedKeys.clear();
    this.closedOrgs.clear();
    // Events of a write still under way reach onDurable after the reset: they tell no agent.
    this.heldBy.clear();
    this.participantsAt.clear();
    for (const s of dropped) s.heldPoll?.wake();
    return dropped;
  }

  // ---- visitor side -------------------------------------------------------

  /** Checks a ChasitorInit's ids before anything is applied (a MultiNoun validates every part first). */
  validateInit(init: ChasitorInit): { deployment: { orgId: string; buttonIds: string[] }; button: ButtonEntry } {
    const deployment = this.catalog.deployment(init.organizationId, init.deploymentId);
    if (!deployment) {
      // Another shard's org (ADR 0066): the client is sent there, not told the org does not exist.
      const there = this.catalog.elsewhere(init.organizationId);
      if (there) fail('MISDIRECTED_REQUEST', OrgShards.misdirectedDetail(init.organizationId, there));
      fail('UNKNOWN_DEPLOYMENT', `organizationId ${init.organizationId} / deploymentId ${init.deploymentId}`);
    }
    const button = this.catalog.button(init.buttonId);
    if (!button || !deployment.buttonIds.includes(button.config.id)) fail('UNKNOWN_DEPLOYMENT', `buttonId ${init.buttonId}`);
    return { deployment, button };
  }

  requestChat(s: ChatSession, init: ChasitorInit, ipAddress: string, cookieVisitorId?: string, geoLocation: GeoLocation | null = null): void {
    const r = s.record;
    if (r.chatState !== 'none') return; // a retried ChasitorInit: the chat already exists
    // A MultiNoun [ChatEnd, ChasitorInit] closed the session first: a chat queued now would
    // belong to no session and hold a queue place (and count towards queueSizeLimit) for ever.
    if (r.closed) return;
    const { deployment, button } = this.validateInit(init);
    const now = this.clock.now();
    const visitorId = init.visitorId ?? cookieVisitorId ?? randomUUID();
    // Masked before anything holds them: the request is stored, offered to agents and echoed in ChatRequestSuccess.
    const prechatDetails = this.sensitiveData.maskDetails(deployment.orgId, init.prechatDetails);
    r.request = {
      orgId: deployment.orgId, deploymentId: init.deploymentId, buttonId: button.config.id, visitorName: init.visitorName || 'Visitor',
      visitorId, agentId: init.agentId, doFallback: init.doFallback, buttonOverrides: init.buttonOverrides,
      receiveQueueUpdates: init.receiveQueueUpdates, prechatDetails, prechatEntities: init.prechatEntities,
      userAgent: init.userAgent, language: init.language, screenResolution: init.screenResolution, extra: init.extra, ipAddress,
      geoLocation,
    };
    r.queuedAt = now;
    r.waitingSince = now;
    this.append(s, EventType.ChatRequested, 'visitor', { ...r.request }, false);
    // The page seen before the chat, from a session that had no visitor id to keep it under
    // then (no cookie): the chat's agents find it among the visitor's breadcrumbs.
    const seen = r.visitorLocation;
    if (seen && seen.storedFor !== visitorId) {
      this.queue.addBreadcrumb(visitorId, deployment.orgId, seen.href, seen.at);
      r.visitorLocation = { ...seen, storedFor: visitorId };
    }
    // A blocked address hears what it would when nobody can take the chat (ADR 0055): nothing says it is blocked.
    const block = this.blocks.blocking(deployment.orgId, ipAddress);
    if (block) {
      this.blocks.refused(block);
      this.outcomes.requested(r, 'blocked');
      this.failRequest(s, 'Unavailable', button.config.postChatUrl, BLOCKED);
      return;
    }
    const target = this.chooseEntryButton(init, deployment.orgId);
    if (!target) {
      // Outside its hours the button is unavailable, in the words for nobody online; the record says why.
      const open = this.hours.openNow(button.config);
      this.outcomes.requested(r, open ? 'unavailable' : 'outside_hours');
      this.failRequest(s, 'Unavailable', button.config.postChatUrl, open ? undefined : OUTSIDE_BUSINESS_HOURS);
      return;
    }
    r.routedButtonId = target;
    r.queueKey = target;
    r.chatState = 'waiting';
    const targetButton = this.catalog.button(target)!.config;
    // A request for one named agent without fallback takes no place in line (ADR 0043 §2): the
    // limit on the line's length is not its to meet, and whether the button's agents have room
    // says nothing of the agent it waits for.
    const full = !isNamedOnlyRequest(r, this.catalog) && targetButton.queueSizeLimit > 0 && this.router.inLine(target).length >= targetButton.queueSizeLimit;
    if (full && !this.router.isAvailable(targetButton)) {
      this.outcomes.requested(r, 'queue_full');
      this.failRequest(s, 'Unavailable', button.config.postChatUrl, 'QueueFull');
      return;
    }
    this.outcomes.requested(r, 'queued');
    this.dispatcher.enqueue(target, s, now);
    const position = this.router.position(s.id);
    const estimatedWaitTime = this.waits.estimateForPosition(target, position);
    r.entryPosition = position;
    this.dispatcher.told(s.id, position, estimatedWaitTime);
    this.append(s, EventType.ChatRequestSuccess, 'system', {
      queuePosition: position,
      estimatedWaitTime,
      connectionTimeout: this.settings.connectionTimeoutMs,
      visitorId,
      customDetails: prechatDetails,
      ...(geoLocation ? { geoLocation } : {}),
      url: r.visitorLocation?.href ?? '',
      oref: '',
      postChatUrl: button.config.postChatUrl ?? '',
      sensitiveDataRules: [],
      transcriptSaveEnabled: false,
    }, true);
    this.dispatch();
  }

  visitorMessage(s: ChatSession, text: string): void {
    this.requireChat(s);
    // Masked before the append (ADR 0052): the log, and all that is read from it, hold the masked text only.
    const masked = this.sensitiveData.mask(s.record.request!.orgId, 'visitor', text);
    this.append(s, EventType.VisitorMessage, 'visitor', { text: masked, name: s.record.request!.visitorName }, false);
    this.idle.onVisitorMessage(s);
  }

  visitorTyping(s: ChatSession, typing: boolean): void {
    if (!this.chatActive(s)) return; // typing outside a chat carries nothing worth keeping
    if (typing) this.idle.onVisitorTyping(s);
    // A state, not a stream of keystrokes: a repeat of the last one tells the agent nothing
    // and would grow the log without bound (some clients send ChasitorTyping per key).
    if (s.visitorTyping === typing) return;
    s.visitorTyping = typing;
    this.append(s, typing ? EventType.VisitorTyping : EventType.VisitorNotTyping, 'visitor', {}, false);
  }

  visitorSneakPeek(s: ChatSession, position: number, text: string): void {
    if (!this.chatActive(s)) return;
    // Typing, whether or not the agent may see it (ADR 0072).
    if (text !== '') this.idle.onVisitorTyping(s);
    // Sneak peek reaches agents only where the button enables it.
    if (!(s.record.routedButtonId && this.catalog.button(s.record.routedButtonId)?.config.sneakPeekEnabled)) return;
    // The agent's sneak peek must not show what the sent message will not.
    this.append(s, EventType.SneakPeek, 'visitor', { position, text: this.sensitiveData.mask(s.record.request!.orgId, 'visitor', text) }, false);
  }

  visitorCustomEvent(s: ChatSession, type: string, data: string): void {
    this.requireChat(s);
    this.append(s, EventType.VisitorCustomEvent, 'visitor', { type, data }, false);
  }

  /** The visitor ended the chat (ChatEnd or DELETE SessionId): the session closes at once. */
  visitorEnd(s: ChatSession, reason: string): void {
    if (this.chatActive(s)) {
      this.files.cancelPending(s);
      this.append(s, EventType.VisitorEnded, 'visitor', { reason }, false);
      this.finishChat(s, 'client');
    }
    s.endedByVisitor = true;
    this.close(s);
  }

  /** A visitor that stopped polling: the agent side is told, the session closes. */
  visitorTimedOut(s: ChatSession): void {
    if (this.chatActive(s)) {
      this.files.cancelPending(s);
      this.append(s, EventType.VisitorTimedOut, 'system', { reason: 'clientTimeout', lastSeenAt: s.record.lastSeenAt }, false);
      this.finishChat(s, 'clientTimeout');
    }
    this.close(s);
  }

  breadcrumb(s: ChatSession | undefined, visitorId: string | undefined, location: string): void {
    const now = this.clock.now();
    if (s && s.record.request) this.append(s, EventType.Breadcrumb, 'visitor', { location }, false);
    const vid = s?.record.request?.visitorId ?? visitorId;
    // The chat's org when there is one; a breadcrumb posted before any chat names no org.
    if (vid) this.queue.addBreadcrumb(vid, s?.record.request?.orgId ?? null, location, now);
    // The session keeps where its visitor is: the `url` Live Agent's messages carry, and, for a
    // client with no cookie, the only trace of a page seen before the chat (stored at ChasitorInit).
    if (s && !s.record.closed) {
      s.record.visitorLocation = { href: location, at: now, storedFor: vid ?? null };
      s.touchRecord();
    }
  }

  // ---- internals ----------------------------------------------------------

  /** Appends an event and fixes which agent hears of it once it is durable. */
  append(s: ChatSession, type: string, actor: Actor, data: Record<string, unknown>, visibleToVisitor: boolean): LogEvent {
    const e = s.append(type, actor, data, visibleToVisitor, this.clock.now());
    // Held, not offered: an agent with an open offer has `offer` / `offer.withdrawn`, and events of
    // a chat it never took (its own OfferDeclined, a message sent meanwhile) are not its chat's.
    if (s.record.agentId && s.record.chatState === 'established') {
      this.heldBy.set(e, s.record.agentId);
      if (s.record.participants?.length) this.participantsAt.set(e, [...s.record.participants]);
    }
    // A held poll takes the event now: its delivery cursor then joins the same
    // group commit, and the poll answers only after that commit (visitor-poller).
    if (visibleToVisitor) s.heldPoll?.wake();
    return e;
  }

  /**
   * The first button of overrides-then-own that is within its business hours and has an agent
   * online; null when none has. A request for one named agent goes through its own button, so
   * that button's hours apply to it too (ADR 0062).
   */
  private chooseEntryButton(init: ChasitorInit, orgId: string): string | null {
    if (init.agentId) {
      // An agent of another org is treated like one who is not online.
      const a = this.directory.get(init.agentId);
      const own = this.catalog.button(init.buttonId)!.config;
      if (a && a.orgId === orgId && a.presence === 'online' && this.hours.openNow(own)) return own.id;
      if (!init.doFallback) return null;
    }
    // Overrides we do not know, or of another org, are skipped (docs/visitor-api.md):
    // a chat never moves into another org's queues. Nor into a button outside its hours.
    const ids = [...init.buttonOverrides, init.buttonId];
    const buttons = ids.map((id) => this.catalog.button(id)).filter((b) => b !== undefined && b.orgId === orgId && this.hours.openNow(b.config)).map((b) => b!.config);
    const withRoom = buttons.find((b) => this.router.isAvailable(b));
    const online = withRoom ?? buttons.find((b) => this.router.onlineAgents(b).length > 0);
    return online?.id ?? null;
  }

  /**
   * A waiting request for one named agent without fallback that agent will not take (it
   * declined, let the offer time out, went away or offline): the visitor hears
   * ChatRequestFail `Unavailable`, as when that agent was not online at the request (ADR 0043).
   * One that asked to fall back to a button removed from the config since ends so too, `endReason`
   * ButtonRemoved: that fallback is what did not happen (ADR 0008, later note).
   */
  failWaitingRequest(s: ChatSession, detail?: string): void {
    const r = s.record;
    s.offerTimer?.cancel();
    s.offerTimer = null;
    if (r.agentId) this.directory.get(r.agentId)?.chats.delete(s.id);
    r.agentId = null;
    this.router.remove(s.id);
    this.dispatcher.forget(s.id);
    const noFallback = r.request?.doFallback === true && fallbackButtonRemoved(r, this.catalog);
    this.failRequest(s, 'Unavailable', r.request ? this.catalog.button(r.request.buttonId)?.config.postChatUrl : undefined, noFallback ? BUTTON_REMOVED : detail);
    s.touchRecord();
  }

  /**
   * A chat waiting on a button removed from the config (ADR 0008, later note): nobody serves that
   * button, so the visitor is told at once rather than left waiting until it gives up, in words
   * every Live Agent client knows. A request no agent took yet fails as when nobody is available
   * (ChatRequestFail `Unavailable`, no post-chat URL: the button that had it is gone); a chat
   * that had an agent, who left, ends (ChatEnded, reason `agent`: the service side ended it).
   * Either way the chat's `endReason` is `ButtonRemoved`. The dispatcher calls this while it
   * dispatches: nothing here dispatches again.
   */
  /** An agent let an offer pass: away, if its org says so (AgentActions.offerPassed, ADR 0054). */
  offerPassed(agentId: string, type: string): void {
    this.agentActions.offerPassed(agentId, type);
  }

  endOnRemovedButton(s: ChatSession): void {
    const r = s.record;
    this.idle.disarm(s);
    this.router.remove(s.id);
    this.dispatcher.forget(s.id);
    if (r.establishedAt === null) this.failRequest(s, 'Unavailable', undefined, BUTTON_REMOVED);
    else {
      r.chatState = 'ended';
      r.endedAt = this.clock.now();
      r.endReason = BUTTON_REMOVED;
      this.append(s, EventType.ChatEnded, 'system', { reason: 'agent', attachedRecords: [], $meta: { detail: BUTTON_REMOVED } }, true);
      this.outcomes.ended(r);
    }
    s.touchRecord();
  }

  private failRequest(s: ChatSession, reason: string, postChatUrl: string | undefined, detail?: string): void {
    const r = s.record;
    r.chatState = 'ended';
    r.endedAt = this.clock.now();
    r.endReason = detail ?? reason;
    this.append(s, EventType.ChatRequestFail, 'system', { reason, postChatUrl: postChatUrl ?? '', ...(detail ? { $meta: { detail } } : {}) }, true);
    this.outcomes.ended(r);
  }

  /** Ends the chat: frees the agent, leaves the queue, lets others move up (also for AgentActions). */
  finishChat(s: ChatSession, reason: string): void {
    const r = s.record;
    // Those who end a chat cancel first (the visitor hears of it before ChatEnded); this catches any other end.
    this.files.cancelPending(s);
    // Its flag goes down while the holder still holds it, so the holder hears of it too (ADR 0056).
    this.flags.chatLeavesHolder(s, 'chatEnded');
    this.idle.disarm(s);
    s.offerTimer?.cancel();
    s.offerTimer = null;
    // An agent ringing for this chat drops the card now, not at the offer's expiry (and a click would only get a 409).
    if (r.agentId && r.chatState === 'offered') this.directory.notify(r.agentId, { kind: 'offer-withdrawn', sessionId: s.id, reason: 'ChatEnded' });
    if (r.agentId) this.directory.get(r.agentId)?.chats.delete(s.id);
    // Its conference's participants and an invitee are free: ChatEnded tells them (ADR 0051).
    this.conferences.chatEnded(s);
    // Ended under transfer: its sender's capacity keeps no place for it any more.
    this.dispatcher.releaseTransferSlot(s);
    this.router.remove(s.id);
    this.dispatcher.forget(s.id);
    r.chatState = 'ended';
    r.endedAt = this.clock.now();
    r.endReason = reason;
    s.touchRecord();
    this.outcomes.ended(r);
    this.dispatch();
  }

  chatActive(s: ChatSession): boolean {
    const st = s.record.chatState;
    return st === 'waiting' || st === 'offered' || st === 'established';
  }

  /** Throws unless the session has a chat that has not ended (visitor sends need one). */
  requireChat(s: ChatSession): void {
    if (s.record.chatState === 'none') fail('CHAT_NOT_STARTED');
    if (s.record.chatState === 'ended') fail('SESSION_INVALID', 'chat has ended');
  }

  /** The agent that held the event's chat when it was appended (null: none); valid while durable listeners run. */
  holderAtAppend(e: LogEvent): string | null {
    return this.heldBy.get(e) ?? null;
  }

  /** The conference participants of the event's chat when it was appended (valid while durable listeners run). */
  participantsAtAppend(e: LogEvent): readonly string[] {
    return this.participantsAt.get(e) ?? [];
  }

  /** The org of a session, also of one closed lately (its last events are still being fanned out). */
  orgOfSession(sessionId: string): string | undefined {
    return this.sessions.get(sessionId)?.record.request?.orgId ?? this.closedOrgs.get(sessionId);
  }

  private onDurable(events: LogEvent[]): void {
    // Supervisors watching hear of each event right after its holder does, so that a user who
    // gets some of a chat's events as its holder and others as a supervisor (a takeover, a
    // reassign) gets them in the log's order.
    const monitor = this.monitorFanOut?.() ?? null;
    for (const e of events) {
      this.notifyHolders(e);
      monitor?.(e);
    }
    for (const l of this.durableListeners) l(events);
    for (const e of events) {
      this.heldBy.delete(e);
      this.participantsAt.delete(e);
    }
  }
}
