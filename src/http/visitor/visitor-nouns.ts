/**
 * The visitor resources of the Live Agent REST API, one entry per noun. The gate
 * (visitor-gate.ts) has already checked version, session, affinity and sequence
 * by the time a handler runs. POST nouns are split into `prepare` (validate,
 * may fail) and the thunk it returns (apply, cannot fail), so MultiNoun can
 * validate every part before applying any.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { ChatEngine } from '../../core/chat-engine.js';
import type { ChatSession } from '../../core/chat-session.js';
import type { SessionRecovery } from '../../core/session-recovery.js';
import type { ClientGone, PollOutcome, VisitorPoller } from '../../core/visitor-poller.js';
import { fail } from '../../protocol/errors.js';
import { OrgShards } from '../../core/org-shards.js';
import { geoFromHeaders } from '../../protocol/geo-location.js';
import { canonicalId, listOccurrences, readBoolean, readIdList, readInteger, type JsonObject } from '../../protocol/liberal-values.js';
import {
  parseBreadcrumb, parseChasitorInit, parseChatEnd, parseChatMessage, parseCustomEvent, parseMultiNoun, parseSneakPeek,
} from '../../protocol/visitor-requests.js';

export interface VisitorRequest {
  method: string;
  headers: IncomingHttpHeaders;
  query: Record<string, unknown>;
  body: JsonObject;
  /** Path segments after the noun (DELETE SessionId/{key}). */
  rest: readonly string[];
  session: ChatSession | undefined;
  ip: string;
  visitorCookie: string | undefined;
  baseUrl: string;
  signal: ClientGone;
  /**
   * Set for the parts of a MultiNoun after a ChasitorInit that starts the chat:
   * they are checked before that part is applied, and may count on the chat.
   */
  chatStartsInBatch?: boolean;
}

export type NounResult =
  | { kind: 'ok' }
  | { kind: 'json'; body: unknown; setVisitorCookie?: string }
  | { kind: 'empty' }
  /** A poll's outcome, as the poller gives it (answered as {messages, sequence, offset}, or 204). */
  | PollOutcome;

export interface NounSpec {
  prefix: string;
  noun: string;
  method: 'GET' | 'POST' | 'DELETE';
  /** required: a valid session key; optional: used when present; none: ignored. */
  session: 'required' | 'optional' | 'none';
  /** Checked against the session's owner (ResyncSession/ReconnectSession skip it). */
  affinity: boolean;
  /** X-LIVEAGENT-SEQUENCE applies: a repeated sequence is answered OK and not applied. */
  sequenced: boolean;
  /**
   * A GET noun that changes nothing on the server (RFC 9110's "safe"): HEAD runs it as GET
   * does and answers its headers alone. HEAD on any other GET noun (SessionId makes a session,
   * Messages delivers, the recoveries move the cursor) passes the gate's checks and answers
   * 204 without running it (ADR 0019).
   */
  safe?: boolean;
  /** A POST whose body says nothing (the typing nouns): not parsed, so no body a client sends is refused. */
  bodyIgnored?: boolean;
  prepare?: (req: VisitorRequest) => () => void;
  handle?: (req: VisitorRequest) => Promise<NounResult>;
  /** Query parameters that take every occurrence when repeated; any other counts by its first (firstOccurrences). */
  listParams?: readonly string[];
  /** The long poll (Messages): answers through `done`, once. */
  poll?: (req: VisitorRequest, done: (err: unknown, result: NounResult | null) => void) => void;
}

export interface NounDeps {
  engine: ChatEngine;
  poller: VisitorPoller;
  recovery: SessionRecovery;
}

export const VISITOR_COOKIE = 'liveagent_vid';

function wrap(type: string, message: unknown): { messages: { type: string; message: unknown }[] } {
  return { messages: [{ type, message }] };
}

export function visitorNouns({ engine, poller, recovery }: NounDeps): NounSpec[] {
  const settings = engine.settings;
  const session = (req: VisitorRequest): ChatSession => req.session ?? fail('SESSION_INVALID');
  /**
   * The org an Availability or Settings request asks as: its `org_id`, or when that is missing or
   * empty the deployment's (deployment ids are unique in the catalog). `null` when the request names
   * neither (both missing or empty, as some clients in the field send only the ids): then each id
   * answers for its own org (ids are unique in the catalog too). '' when `deployment_id` names no
   * deployment: nothing is the asker's. An `org_id` that is not the deployment's still counts, so
   * one org never reads another's online state by naming its own org.
   */
  const askingOrg = (query: JsonObject): string | null => {
    const org = queryText(query.org_id);
    if (org) return canonicalId(org);
    const deploymentId = queryText(query.deployment_id);
    if (!deploymentId) return null;
    return canonicalId(engine.catalog.orgOfDeployment(deploymentId) ?? '');
  };
  /**
   * Availability or Settings asked of this node for an org another shard of the cluster serves
   * (ADR 0066): 421 with where to go, not an answer that says its buttons are all offline.
   */
  const refuseOtherShard = (query: JsonObject, ids: readonly string[]): void => {
    const org = queryText(query.org_id);
    const deploymentId = queryText(query.deployment_id);
    const there = org || deploymentId ? engine.catalog.elsewhere(org, deploymentId) : engine.catalog.idsElsewhere(ids);
    if (there) fail('MISDIRECTED_REQUEST', OrgShards.misdirectedDetail(there.orgId, there));
  };
  /** Whether an id of `orgId` is answered for a request asking as `asking` (see {@link askingOrg}). */
  const asksFor = (asking: string | null, orgId: string): boolean => asking === null || canonicalId(orgId) === asking;

  const chasitorPost = (noun: string, prepare: (req: VisitorRequest) => () => void): NounSpec =>
    ({ prefix: 'Chasitor', noun, method: 'POST', session: 'required', affinity: true, sequenced: true, prepare });

  const postNouns: NounSpec[] = [
    chasitorPost('ChasitorInit', (req) => {
      const init = parseChasitorInit(req.body);
      if (session(req).record.chatState === 'none') engine.validateInit(init);
      const geo = settings.trustGeoHeaders ? geoFromHeaders(req.headers) : null;
      return () => engine.requestChat(session(req), init, req.ip, req.visitorCookie, geo);
    }),
    chasitorPost('ChatMessage', (req) => {
      const { text } = parseChatMessage(req.body, settings.maxMessageLength);
      const s = session(req);
      if (!req.chatStartsInBatch) engine.requireChat(s);
      // In a MultiNoun an earlier ChatEnd may have closed the chat (or the ChasitorInit before it
      // failed for want of an agent): then there is no one to tell.
      return () => { if (engine.chatActive(s)) engine.visitorMessage(s, text); };
    }),
    { ...chasitorPost('ChasitorTyping', (req) => () => engine.visitorTyping(session(req), true)), bodyIgnored: true },
    { ...chasitorPost('ChasitorNotTyping', (req) => () => engine.visitorTyping(session(req), false)), bodyIgnored: true },
    chasitorPost('ChasitorSneakPeek', (req) => {
      const { position, text } = parseSneakPeek(req.body, settings.maxMessageLength);
      return () => engine.visitorSneakPeek(session(req), position, text);
    }),
    chasitorPost('CustomEvent', (req) => {
      const { type, data } = parseCustomEvent(req.body, settings.maxMessageLength);
      const s = session(req);
      if (!req.chatStartsInBatch) engine.requireChat(s);
      return () => { if (engine.chatActive(s)) engine.visitorCustomEvent(s, type, data); };
    }),
    chasitorPost('ChatEnd', (req) => {
      const { reason } = parseChatEnd(req.body);
      return () => engine.visitorEnd(session(req), reason);
    }),
    // The guide's body is {organizationId}: that is what is logged, not whatever else a body carries (up to 64 KB each time).
    // Sequenced like the others: the guide lists no X-LIVEAGENT-SEQUENCE here, but a client that numbers every
    // POST and counts from 1 again after ResyncSession starts its new count here (ADR 0058, ADR 0031).
    chasitorPost('ChasitorResyncState', (req) => {
      const org = req.body.organizationId;
      const data = typeof org === 'string' ? { organizationId: org.slice(0, 64) } : {};
      return () => { engine.append(session(req), 'ChasitorResyncState', 'visitor', data, false); };
    }),
  ];
  const breadcrumb: NounSpec = {
    prefix: 'Visitor', noun: 'Breadcrumb', method: 'POST', session: 'optional', affinity: false, sequenced: false,
    prepare: (req) => {
      const { location } = parseBreadcrumb(req.body);
      return location === undefined ? () => undefined : () => engine.breadcrumb(req.session, req.visitorCookie, location);
    },
  };
  // A MultiNoun part is found by prefix and noun (Visitor/Breadcrumb batches too); a part whose
  // prefix is off (clients send "Chasitor" for everything, or nothing) is found by its noun alone.
  const batchable = [...postNouns, breadcrumb];
  const byPath = new Map(batchable.map((n) => [`${n.prefix}/${n.noun}`.toLowerCase(), n]));
  const byName = new Map(batchable.map((n) => [n.noun.toLowerCase(), n]));

  return [
    ...postNouns,
    {
      prefix: 'System', noun: 'MultiNoun', method: 'POST', session: 'required', affinity: true, sequenced: true,
      prepare: (req) => {
        const calls = parseMultiNoun(req.body);
        // Validate every part first: a bad part rejects the whole request, nothing applied.
        const thunks: (() => void)[] = [];
        const valid: VisitorRequest = { ...req };
        for (const [i, call] of calls.entries()) {
          const spec = byPath.get(`${call.prefix}/${call.noun}`.toLowerCase()) ?? byName.get(call.noun.toLowerCase());
          if (!spec?.prepare) fail('BODY_INVALID', `nouns[${i}]: ${call.prefix}/${call.noun} cannot be batched`);
          thunks.push(spec.prepare({ ...valid, body: call.body }));
          // Parts are applied in order: after a ChasitorInit that starts the chat (validated just
          // now), a ChatMessage or CustomEvent of the same batch has its chat.
          if (spec.noun === 'ChasitorInit' && session(req).record.chatState === 'none') valid.chatStartsInBatch = true;
        }
        return () => { for (const t of thunks) t(); };
      },
    },
    {
      prefix: 'System', noun: 'SessionId', method: 'GET', session: 'none', affinity: false, sequenced: false,
      handle: async () => {
        const s = engine.createSession();
        await engine.queue.commit(); // the key must survive a crash the moment the client has it
        return { kind: 'json', body: { key: s.record.key, id: s.id, clientPollTimeout: settings.clientPollTimeoutSeconds, affinityToken: s.record.owner } };
      },
    },
    {
      prefix: 'System', noun: 'SessionId', method: 'DELETE', session: 'optional', affinity: false, sequenced: false,
      handle: async (req) => {
        const key = decodedPathKey(req.rest.join('/'));
        // The key in the path names the session; the header is used only when the path has none.
        const s = key ? engine.findByKey(key) : req.session;
        const named = key || String(req.headers['x-liveagent-session-key'] ?? '');
        if (!s && await engine.closedSequences(named)) {
          // A retried DELETE: answered once the end it repeats is durable (it may still be in this turn's commit).
          await engine.queue.commit();
          return { kind: 'ok' };
        }
        // Another shard's open chat (ADR 0066): sent there, not told it does not exist (it would stay open).
        if (!s && engine.catalog.shard !== null) await engine.refuseOtherShardsSession(named);
        if (!s) fail('SESSION_INVALID');
        engine.visitorEnd(s, 'client');
        await engine.queue.commit();
        return { kind: 'ok' };
      },
    },
    {
      prefix: 'System', noun: 'Messages', method: 'GET', session: 'required', affinity: true, sequenced: false,
      // A callback, not a promise: see PollRun (core/visitor-poller.ts) for why a held poll keeps so little.
      poll: (req, done) => {
        const ack = readInteger(req.query.ack);
        // The poller's outcome is itself a NounResult: no mapping closure per held poll.
        poller.poll(session(req), ack, req.signal, done);
      },
    },
    {
      prefix: 'System', noun: 'ResyncSession', method: 'GET', session: 'optional', affinity: false, sequenced: false,
      handle: async (req) => {
        // The session is the key's (the guide's request headers include it). The id alone is not
        // enough: every agent of the org knows it (the chatId), and the answer carries the key.
        const id = typeof req.query.SessionId === 'string' ? req.query.SessionId : undefined;
        const s = req.session;
        const key = req.headers['x-liveagent-session-key'];
        if (!s && typeof key === 'string' && engine.catalog.shard !== null) await engine.refuseOtherShardsSession(key);
        if (!s || (id !== undefined && id !== s.id)) fail('SESSION_INVALID');
        return { kind: 'json', body: await recovery.resync(s) };
      },
    },
    {
      prefix: 'System', noun: 'ReconnectSession', method: 'GET', session: 'required', affinity: false, sequenced: false,
      handle: async (req) => {
        const offset = readInteger(req.query['ReconnectSession.offset']);
        return { kind: 'json', body: wrap('ReconnectSession', await recovery.reconnect(session(req), offset)) };
      },
    },
    {
      prefix: 'Visitor', noun: 'Availability', method: 'GET', session: 'none', affinity: false, sequenced: false, safe: true, listParams: ['Availability.ids'],
      handle: (req) => {
        const ids = readIdList(listOccurrences(req.query, 'Availability.ids'));
        const needWait = readBoolean(req.query['Availability.needEstimatedWaitTime']);
        refuseOtherShard(req.query, ids);
        // Only the asking org's buttons and agents: another org's online state is not its to read.
        const org = askingOrg(req.query);
        const results = ids.map((id) => {
          const button = engine.catalog.button(id);
          if (button && !asksFor(org, button.orgId)) return { id };
          // A blocked address sees the org offline (ADR 0055), as when nobody is available.
          if (button && engine.blocks.blocking(button.orgId, req.ip)) return { id };
          if (button) {
            const available = engine.router.isAvailable(button.config);
            const wait = needWait ? { estimatedWaitTime: engine.waits.estimateForPosition(button.config.id, engine.router.inLine(button.config.id).length + 1) } : {};
            return available ? { id, isAvailable: true, ...wait } : { id, ...wait };
          }
          // The routing directory, not the config: agents made through the admin API count too.
          const agent = engine.directory.get(id);
          return agent && asksFor(org, agent.orgId) && engine.directory.hasRoom(agent) && !engine.blocks.blocking(agent.orgId, req.ip) ? { id, isAvailable: true } : { id };
        });
        return Promise.resolve({ kind: 'json', body: wrap('Availability', { results }) });
      },
    },
    {
      prefix: 'Visitor', noun: 'Settings', method: 'GET', session: 'none', affinity: false, sequenced: false, safe: true, listParams: ['Settings.buttonIds'],
      handle: (req) => {
        const asked = readIdList(listOccurrences(req.query, 'Settings.buttonIds'));
        refuseOtherShard(req.query, asked);
        const org = askingOrg(req.query);
        const deploymentId = queryText(req.query.deployment_id);
        let buttons: Record<string, unknown>[];
        if (deploymentId) {
          const deployment = engine.catalog.deployment(org ?? '', deploymentId);
          const ids = asked.length ? asked : deployment?.buttonIds ?? [];
          // An unknown org or deployment lists no buttons (it listed any org's it was asked for).
          // A blocked address sees every button of the org offline (ADR 0055).
          const blocked = deployment !== undefined && engine.blocks.blocking(deployment.orgId, req.ip) !== null;
          buttons = deployment === undefined ? [] : ids.flatMap((id) => {
            const b = engine.catalog.button(id);
            if (!b || !deployment.buttonIds.some((d) => canonicalId(d) === canonicalId(b.config.id))) return [];
            // Under the id as asked (15 or 18 characters, any case), as Availability answers: clients match by string.
            return [buttonSettings(id, b.config, !blocked && engine.router.isAvailable(b.config))];
          });
        } else {
          // No deployment named: each asked id is its own button (of the org asked as, when one is),
          // as Availability answers. Without asked ids there is no deployment to list.
          buttons = asked.flatMap((id) => {
            const b = engine.catalog.button(id);
            if (!b || !asksFor(org, b.orgId)) return [];
            const blocked = engine.blocks.blocking(b.orgId, req.ip) !== null;
            return [buttonSettings(id, b.config, !blocked && engine.router.isAvailable(b.config))];
          });
        }
        return Promise.resolve({
          kind: 'json',
          body: wrap('Settings', { pingRate: settings.pingRateMs, contentServerUrl: settings.contentServerUrl ?? req.baseUrl, buttons }),
        });
      },
    },
    {
      prefix: 'Visitor', noun: 'VisitorId', method: 'GET', session: 'none', affinity: false, sequenced: false, safe: true,
      handle: (req) => {
        const given = typeof req.query.visitorId === 'string' && /^[\w-]{8,64}$/.test(req.query.visitorId) ? req.query.visitorId : undefined;
        const id = given ?? req.visitorCookie ?? randomUUID();
        // Wrapped like Availability and Settings, and also the guide's bare `sessionId` ("VisitorId
        // response"): a client written to either shape finds the id (visitor-api.md, VisitorId).
        return Promise.resolve({ kind: 'json', body: { ...wrap('VisitorId', { sessionId: id }), sessionId: id }, setVisitorCookie: id });
      },
    },
    breadcrumb,
  ];
}

type ButtonCfg = NonNullable<ReturnType<ChatEngine['catalog']['button']>>['config'];

/** A Button as the guide's Settings response lists it (chapter 8), under the id it was asked by. */
function buttonSettings(id: string, b: ButtonCfg, isAvailable: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { id, type: b.type, isAvailable };
  const optional = [
    'endpointUrl', 'prechatUrl', 'language', 'inviteImageUrl', 'inviteImageWidth', 'inviteImageHeight', 'inviteRenderer',
    'inviteStartPosition', 'inviteEndPosition', 'hasInviteAfterAccept', 'hasInviteAfterReject', 'inviteRejectTime', 'inviteRules',
  ] as const;
  for (const k of optional) if (b[k] !== undefined) out[k] = b[k];
  if (b.prechatForm) out.prechatForm = b.prechatForm;
  return out;
}

/** A query parameter's text, trimmed; '' when absent or not text. */
function queryText(v: unknown): string {
  return typeof v === 'string' ? v.trim() : '';
}

/** A session key from the path; one that does not decode (`%ZZ`) names no session. */
function decodedPathKey(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return fail('SESSION_INVALID', 'the session key in the path does not decode');
  }
}
