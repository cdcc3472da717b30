/**
 * The actions an agent takes inside a chat, defined once and reachable two
 * ways: `POST /agent/v1/chats/:chatId/<action>` and a command frame on the
 * agent's stream socket (`{ref, action, chatId, body}`, see docs/agent-api.md).
 * Both check the same role and chat access, validate the body with the same
 * TypeBox schema and the same validator (fastify's Ajv) and answer only once
 * the change is durable.
 */
import AjvCompiler from '@fastify/ajv-compiler';
import type { TSchema } from 'typebox';
import type { ChatEngine } from '../../core/chat-engine.js';
import { roleAtLeast, type Principal, type Role } from '../../core/identity/user-directory.js';
import { fail } from '../../protocol/errors.js';
import * as T from '../../protocol/agent-api-types.js';
import { textHash } from '../../core/chat-session.js';
import { chatFor, sameOrg } from './agent-access.js';

/** What an action may need of the request it came with. */
export interface ActionContext {
  /** The origin the request (or the stream socket's upgrade) was sent to (request-origin.ts). */
  origin: string;
}

export interface ChatAction {
  /** The `action` of a stream command, and the last path segment of the REST route unless `rest` says otherwise. */
  name: string;
  /** A REST route other than `POST …/<name>`: lowering a flag is `DELETE …/flag` (ADR 0056). */
  rest?: { method: 'DELETE'; segment: string };
  summary: string;
  role: Role;
  body?: TSchema;
  response: TSchema;
  /** Error statuses beyond those of every chat action (AgentRouteSpec.errors). */
  errors?: Record<number, string>;
  /** Applies the action; the caller answers after the group commit. */
  run(engine: ChatEngine, p: Principal, chatId: string, body: unknown, ctx: ActionContext): unknown;
}

const ok = { ok: true };

export const CHAT_ACTIONS: ChatAction[] = [
  {
    name: 'accept', summary: 'Accept an offer', role: 'agent', response: T.Ok,
    run(engine, p, chatId) { sameOrg(engine, p, chatId); engine.agentActions.accept(p.userId, chatId); return ok; },
  },
  {
    name: 'decline', summary: 'Decline an offer (it goes to the next agent)', role: 'agent', body: T.DeclineRequest, response: T.Ok,
    run(engine, p, chatId, body) { sameOrg(engine, p, chatId); engine.agentActions.decline(p.userId, chatId, (body as { reason?: string } | undefined)?.reason ?? 'declined'); return ok; },
  },
  {
    name: 'messages', summary: 'Send a message to the visitor (200 once durable)', role: 'agent', body: T.SendMessageRequest, response: T.SentMessage,
    run(engine, p, chatId, body) {
      const b = body as T.SendMessageRequest;
      const s = chatFor(engine, p, chatId, { supervisorMayRead: false });
      const prior = b.clientMessageId ? s.clientIdSend(b.clientMessageId, p.userId) : undefined;
      if (prior !== undefined) {
        // A retry repeats its text (compared as sent, before masking: rules may change at a restart
        // between the two), and its answer is the first's. Other words under the same id are
        // another message: refused, never answered as if they had been stored.
        if (prior.textHash !== undefined && prior.textHash !== textHash(b.text)) fail('CONFLICT', `clientMessageId ${b.clientMessageId!.slice(0, 64)} was sent with other text (offset ${prior.offset}); a retry repeats its text, a new message needs a new id`);
        return { offset: prior.offset, text: engine.agentActions.masked(s, b.text) };
      }
      const e = engine.agentActions.agentMessage(p.userId, s.id, b.text, b.clientMessageId ? { clientMessageId: b.clientMessageId } : {});
      if (b.clientMessageId) s.rememberClientId(b.clientMessageId, e.offset, p.userId, b.text);
      return { offset: e.offset, text: (e.data as { text: string }).text };
    },
  },
  {
    name: 'typing', summary: 'Typing / not typing', role: 'agent', body: T.TypingRequest, response: T.Ok,
    run(engine, p, chatId, body) { chatFor(engine, p, chatId, { supervisorMayRead: false }); engine.agentActions.agentTyping(p.userId, chatId, (body as { typing: boolean }).typing); return ok; },
  },
  {
    name: 'events', summary: 'Send a custom event to the visitor', role: 'agent', body: T.CustomEventRequest, response: T.Ok,
    run(engine, p, chatId, body) {
      const b = body as { type: string; data: string };
      chatFor(engine, p, chatId, { supervisorMayRead: false });
      engine.agentActions.agentCustomEvent(p.userId, chatId, b.type, b.data);
      return ok;
    },
  },
  {
    name: 'transfer', summary: 'Transfer to an agent, a skill or a button', role: 'agent', body: T.TransferRequest, response: T.Ok,
    errors: { 409: 'BUTTON_CLOSED: the button is outside its business hours (ADR 0062); or nobody could take the chat there, or the chat is no longer yours' },
    run(engine, p, chatId, body) { chatFor(engine, p, chatId, { supervisorMayRead: false }); engine.agentActions.transfer(p.userId, chatId, body as T.TransferRequest); return ok; },
  },
  {
    name: 'end', summary: 'End the chat (visitor gets ChatEnded, reason agent)', role: 'agent', response: T.Ok,
    run(engine, p, chatId) { chatFor(engine, p, chatId, { supervisorMayRead: false }); engine.agentActions.agentEnd(p.userId, chatId); return ok; },
  },
  {
    name: 'file-requests', summary: 'Ask the visitor for a file (FileTransfer Requested; 200 once durable)', role: 'agent', body: T.FileRequestBody, response: T.FileRequestCreated,
    errors: { 409: 'FILE_REQUEST_PENDING: a request of this chat is pending; FILE_TRANSFER_DISABLED: fileTransfer.enabled is false; or the chat is not established, has ended or is no longer yours' },
    run(engine, p, chatId, _body, ctx) {
      chatFor(engine, p, chatId, { supervisorMayRead: false });
      engine.conferences.requireHolder(p.userId, chatId, 'file requests');
      return engine.files.request(p.userId, chatId, ctx.origin);
    },
  },
  {
    name: 'conference', summary: 'Invite another agent into the chat (a conference; the invitee gets an offer marked conference)', role: 'agent', body: T.ConferenceInviteRequest, response: T.Ok,
    errors: { 403: 'HOLDER_ONLY: a participant cannot invite', 409: 'CONFERENCE_FULL: settings.conferenceMaxAgents reached; CONFERENCE_INVITE_PENDING: an invitation is open; or the agent cannot join now (another org, not online, no room, already in the chat, the caller)' },
    run(engine, p, chatId, body) {
      chatFor(engine, p, chatId, { supervisorMayRead: false });
      engine.conferences.invite(p.userId, chatId, (body as T.ConferenceInviteRequest).agentId);
      return ok;
    },
  },
  {
    name: 'leave-conference', summary: 'Leave the chat’s conference (a participant; the visitor gets AgentLeftConference)', role: 'agent', response: T.Ok,
    run(engine, p, chatId) { chatFor(engine, p, chatId, { supervisorMayRead: false }); engine.conferences.leave(p.userId, chatId); return ok; },
  },
  {
    name: 'flag', summary: 'Raise the chat’s flag for a supervisor’s help (the holder; again: a new message). The visitor never hears of it', role: 'agent', body: T.FlagRequest, response: T.FlagState,
    errors: { 403: 'HOLDER_ONLY: a conference participant cannot raise the flag' },
    run(engine, p, chatId, body) {
      chatFor(engine, p, chatId, { supervisorMayRead: false });
      return { flag: engine.flags.raise(p.userId, chatId, (body as T.FlagRequest).message ?? '') };
    },
  },
  {
    name: 'lower-flag', rest: { method: 'DELETE', segment: 'flag' }, summary: 'Lower the chat’s flag (the holder, or a supervisor of the org); a flag already down: 200, nothing changes', role: 'agent', response: T.FlagState,
    errors: { 403: 'HOLDER_ONLY: a conference participant cannot lower the flag' },
    run(engine, p, chatId) {
      const s = chatFor(engine, p, chatId, { supervisorMayRead: true });
      return { flag: engine.flags.lower(p.userId, roleAtLeast(p.role, 'supervisor'), s) };
    },
  },
  {
    name: 'whisper', summary: 'Whisper to the chat’s agent (never delivered to the visitor)', role: 'supervisor', body: T.WhisperRequest, response: T.Ok,
    run(engine, p, chatId, body) { chatFor(engine, p, chatId, { supervisorMayRead: true }); engine.agentActions.whisper(p.userId, chatId, (body as { text: string }).text); return ok; },
  },
];

const byName = new Map(CHAT_ACTIONS.map((a) => [a.name, a]));

/** An Ajv validate function: true, or false with `errors` set. */
interface BodyValidator {
  (value: unknown): boolean;
  errors?: { instancePath?: string; message?: string }[] | null;
}

/**
 * The validator fastify builds for a route's body: its Ajv compiler with the
 * options createHttpServer leaves at fastify's defaults (coerceTypes 'array',
 * useDefaults, removeAdditional, first error only). A socket command then
 * coerces `"true"` to true and words its errors exactly as the REST route does.
 * (The package's types describe a compile(schema); fastify calls it with the route.)
 */
const compileBody = AjvCompiler()({}, { customOptions: {}, plugins: [] }) as unknown as (route: { schema: TSchema; method: string; url: string; httpPart: 'body' }) => BodyValidator;
const validators = new Map(CHAT_ACTIONS.filter((a) => a.body).map((a) => [a.name, compileBody({ schema: a.body!, method: 'POST', url: `/agent/v1/chats/:chatId/${a.name}`, httpPart: 'body' })]));

export function chatActionNamed(name: string): ChatAction | undefined {
  return byName.get(name);
}

/**
 * Validates a stream command's body the way fastify validates the REST body
 * (400 with the field path, the text of fastify's default schemaErrorFormatter).
 * A missing body is `{}` where every field is optional, as an empty POST is
 * (agent-routes.ts); where one is required it is refused as the POST's is.
 */
export function checkActionBody(action: ChatAction, body: unknown): unknown {
  const validate = validators.get(action.name);
  if (!validate) return body;
  const value = body ?? ((action.body as { required?: unknown[] }).required?.length ? undefined : {});
  if (validate(value)) return value;
  const text = (validate.errors ?? []).map((e) => `body${e.instancePath ?? ''} ${e.message ?? 'is invalid'}`).join(', ');
  return fail('BODY_INVALID', text.slice(0, 200));
}
