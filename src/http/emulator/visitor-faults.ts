/**
 * Fault injection for the visitor API (emulator mode: docs/emulator.md, ADR 0022).
 * An admin arms faults such as "the next 2 ChatMessage requests answer 500" or
 * "the next Messages poll is dropped"; the request gate asks here once it knows
 * the noun and before it reads the session or changes anything, so an injected
 * failure leaves the session as it was: no sequence applied, no cursor moved,
 * not even `lastSeenAt`. The one exception is the lost node's 503: like a real
 * one it permits the recovery that follows (ResyncSession, ReconnectSession),
 * or a client that recovers as the guide says would get 405 for it.
 */
import { fail, SwitchboardError, type ErrorCode } from '../../protocol/errors.js';
import type { ArmFaultRequest, Fault, FaultKind } from '../../protocol/emulator-types.js';
import { ERROR_CATALOGUE, renderError } from '../error-catalogue.js';
import type { NounSpec } from '../visitor/visitor-nouns.js';

/**
 * The visitor API's own answer for each status a fault may give: the catalogue
 * entry a real client meets with that status (503 is the lost node's, kind `affinity`).
 */
const CODE_FOR_STATUS: Readonly<Record<number, ErrorCode>> = {
  400: 'BODY_INVALID',
  403: 'SESSION_INVALID',
  404: 'RESOURCE_NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'POLL_REPLACED',
  413: 'BODY_TOO_LARGE',
  429: 'RATE_LIMITED',
  500: 'INTERNAL',
  503: 'AFFINITY_INVALID',
};

/** Faults kept, spent ones included; past it the oldest spent ones go. */
const MAX_FAULTS = 1_000;

/** Retry-After of an injected 429: short, tests wait for it. */
const INJECTED_RETRY_AFTER_SECONDS = 1;

interface ArmedFault {
  id: string;
  kind: FaultKind;
  /** `Prefix/Noun`, or `*`. */
  noun: string;
  method: string | undefined;
  sessionId: string | undefined;
  /** What `status` and `affinity` faults answer. */
  code: ErrorCode | undefined;
  count: number;
  remaining: number;
  fired: number;
}

/** What the gate does with a request a fault took. */
export type Injection = { drop: true } | { drop: false; error: SwitchboardError; grantsRecovery: boolean };

export class VisitorFaults {
  private readonly faults: ArmedFault[] = [];
  private nextId = 1;
  /** Faults with requests left to fail: the gate looks further only while there are any. */
  active = 0;
  /** Methods by `Prefix/Noun` (SessionId has two), and the canonical name by lower-cased full name and noun. */
  private readonly methods = new Map<string, string[]>();
  private readonly canonical = new Map<string, string>();

  constructor(nouns: readonly NounSpec[]) {
    for (const n of nouns) {
      const name = `${n.prefix}/${n.noun}`;
      this.methods.set(name, [...(this.methods.get(name) ?? []), n.method]);
      this.canonical.set(name.toLowerCase(), name);
      this.canonical.set(n.noun.toLowerCase(), name);
    }
  }

  /** Checks and arms a fault; a request it cannot describe is BODY_INVALID, naming why. */
  arm(req: ArmFaultRequest): Fault {
    const noun = req.noun === '*' ? '*' : this.canonical.get(req.noun.trim().toLowerCase());
    if (!noun) fail('BODY_INVALID', `noun ${req.noun.slice(0, 64)} is not a visitor resource (e.g. System/Messages, Chasitor/ChatMessage, or *)`);
    if (req.method && noun !== '*' && !this.methods.get(noun)!.includes(req.method)) fail('BODY_INVALID', `${noun} has no ${req.method}`);
    let kind = req.kind;
    let code: ErrorCode | undefined;
    // What a drop or an affinity fault answers is fixed: a status given with it would be quietly ignored.
    if (kind !== 'status' && (req.status !== undefined || req.code !== undefined)) fail('BODY_INVALID', `status and code are for kind status; kind ${kind} ${kind === 'drop' ? 'answers nothing' : 'answers 503 Invalid Affinity Token'}`);
    if (kind === 'status') {
      if (req.code !== undefined) {
        if (!(req.code in ERROR_CATALOGUE)) fail('BODY_INVALID', `code ${req.code.slice(0, 64)} is not in the error catalogue (docs/errors.md)`);
        code = req.code as ErrorCode;
      } else if (req.status !== undefined) {
        code = CODE_FOR_STATUS[req.status] ?? fail('BODY_INVALID', `status ${req.status}: the visitor API answers ${Object.keys(CODE_FOR_STATUS).join(', ')} (or give a catalogue code)`);
      } else {
        fail('BODY_INVALID', 'a status fault needs status or code');
      }
      // The visitor API's only 503: the lost node, with its recovery.
      if (code === 'AFFINITY_INVALID') kind = 'affinity';
    } else if (kind === 'affinity') {
      code = 'AFFINITY_INVALID';
    }
    const count = req.count ?? 1;
    if (this.faults.length >= MAX_FAULTS) {
      const spent = this.faults.findIndex((f) => f.remaining === 0);
      if (spent < 0) fail('CONFLICT', `${MAX_FAULTS} faults are armed: clear some first`);
      this.faults.splice(spent, 1);
    }
    const fault: ArmedFault = { id: String(this.nextId++), kind, noun, method: req.method, sessionId: req.sessionId, code, count, remaining: count, fired: 0 };
    this.faults.push(fault);
    this.active += 1;
    return view(fault);
  }

  /** Every fault, armed first first, spent ones included. */
  list(): Fault[] {
    return this.faults.map(view);
  }

  /** Clears one fault (false when there is none with that id). */
  clearOne(id: string): boolean {
    const i = this.faults.findIndex((f) => f.id === id);
    if (i < 0) return false;
    if (this.faults[i]!.remaining > 0) this.active -= 1;
    this.faults.splice(i, 1);
    return true;
  }

  /** Clears every fault; returns how many there were. */
  clearAll(): number {
    const n = this.faults.length;
    this.faults.length = 0;
    this.active = 0;
    return n;
  }

  /**
   * The gate's question, for a request to `spec` with `method` in session `sessionId`
   * (the key's id part; undefined without a key): the injection of the first armed
   * fault that matches it, which is spent by one; undefined when none matches.
   */
  take(spec: NounSpec, method: string, sessionId: string | undefined): Injection | undefined {
    const noun = `${spec.prefix}/${spec.noun}`;
    const f = this.faults.find((x) => x.remaining > 0 && (x.noun === '*' || x.noun === noun) && (x.method === undefined || x.method === method)
      && (x.sessionId === undefined || x.sessionId === sessionId));
    if (!f) return undefined;
    f.remaining -= 1;
    f.fired += 1;
    if (f.remaining === 0) this.active -= 1;
    if (f.kind === 'drop') return { drop: true };
    const code = f.code!;
    return { drop: false, error: new SwitchboardError(code, undefined, code === 'RATE_LIMITED' ? INJECTED_RETRY_AFTER_SECONDS : undefined, true), grantsRecovery: f.kind === 'affinity' };
  }
}

/**
 * The id part of a visitor session key (`id!epoch-ms!opaque`), the first value of a
 * header sent twice; undefined for none. No lookup: the gate has changed nothing yet.
 */
export function sessionIdOfKey(key: string | string[] | undefined): string | undefined {
  const first = (Array.isArray(key) ? key[0] : key)?.split(',')[0]?.trim();
  if (!first) return undefined;
  // A key in a path (DELETE SessionId/{key}) may come with its `!` encoded.
  const bang = first.search(/!|%21/i);
  return bang < 0 ? first : first.slice(0, bang);
}

function view(f: ArmedFault): Fault {
  const answer = f.code ? renderError(f.code) : undefined;
  return {
    id: f.id, kind: f.kind, noun: f.noun,
    ...(f.method ? { method: f.method } : {}),
    ...(f.sessionId ? { sessionId: f.sessionId } : {}),
    ...(answer ? { status: answer.status, body: answer.body } : {}),
    count: f.count, remaining: f.remaining, fired: f.fired,
  };
}
