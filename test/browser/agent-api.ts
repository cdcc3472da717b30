/** A minimal agent-side client over fetch, for the browser suite to play the human agent. */
import { afterEach } from 'vitest';

export interface ChatEvent {
  type: string;
  data: Record<string, unknown>;
}

export class TestAgent {
  private token = '';
  /** Aborts the open event stream (see openStream). */
  private stream: AbortController | undefined;

  constructor(private readonly baseUrl: string) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: { Authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  async login(username: string, password: string): Promise<void> {
    this.token = '';
    const pair = await this.call<{ accessToken: string }>('POST', '/agent/v1/auth/login', { username, password });
    this.token = pair.accessToken;
  }

  /**
   * Opens the agent's event stream (SSE). While it is open the agent stays alive
   * however short the server's agentGraceSeconds; closeStream() starts the grace period.
   */
  async openStream(): Promise<void> {
    const abort = new AbortController();
    const res = await fetch(`${this.baseUrl}/agent/v1/events`, { headers: { Authorization: `Bearer ${this.token}`, Accept: 'text/event-stream' }, signal: abort.signal });
    if (!res.ok || !res.body) throw new Error(`GET /agent/v1/events: ${res.status}`);
    this.stream = abort;
    // Read and drop the events, so the server never waits on a full socket.
    res.body.pipeTo(new WritableStream()).catch(() => undefined);
  }

  closeStream(): void {
    this.stream?.abort();
    this.stream = undefined;
  }

  /** Sets presence; `capacity` as the agent's own setting (until an admin changes it). Answers the capacity in force. */
  presence(status: 'online' | 'away' | 'offline', capacity?: number): Promise<{ status: string; capacity: number; load: number }> {
    return this.call('PUT', '/agent/v1/presence', capacity === undefined ? { status } : { status, capacity });
  }

  chats(): Promise<{ chatId: string; state: string; visitorName: string }[]> {
    return this.call('GET', '/agent/v1/chats');
  }

  details(chatId: string): Promise<{ prechatDetails: { label: string; value: unknown }[]; sneakPeek: { text: string } | null; chat: { state: string } }> {
    return this.call('GET', `/agent/v1/chats/${chatId}`);
  }

  /** Every event of the chat's transcript, page after page. */
  async events(chatId: string): Promise<ChatEvent[]> {
    const events: ChatEvent[] = [];
    for (let after = 0; ;) {
      const page = await this.call<{ events: ChatEvent[]; nextAfter: number; hasMore: boolean }>('GET', `/agent/v1/chats/${chatId}/transcript?after=${after}&limit=1000`);
      events.push(...page.events);
      if (!page.hasMore) return events;
      after = page.nextAfter;
    }
  }

  accept(chatId: string): Promise<unknown> {
    return this.call('POST', `/agent/v1/chats/${chatId}/accept`);
  }

  send(chatId: string, text: string): Promise<unknown> {
    return this.call('POST', `/agent/v1/chats/${chatId}/messages`, { text });
  }

  typing(chatId: string, typing: boolean): Promise<unknown> {
    return this.call('POST', `/agent/v1/chats/${chatId}/typing`, { typing });
  }

  /** Transfers the chat to one agent, a skill or a button (exactly one of them). */
  transfer(chatId: string, target: { agentId: string } | { skill: string } | { buttonId: string }): Promise<unknown> {
    return this.call('POST', `/agent/v1/chats/${chatId}/transfer`, target);
  }

  end(chatId: string): Promise<unknown> {
    return this.call('POST', `/agent/v1/chats/${chatId}/end`);
  }

  /** The holder invites `agentId` into the chat's conference (ADR 0051); the invitee answers with accept(). */
  invite(chatId: string, agentId: string): Promise<unknown> {
    return this.call('POST', `/agent/v1/chats/${chatId}/conference`, { agentId });
  }

  leaveConference(chatId: string): Promise<unknown> {
    return this.call('POST', `/agent/v1/chats/${chatId}/leave-conference`);
  }
}

/** Polls `probe` until it returns a value other than undefined (or throws after `ms`). */
export async function eventually<T>(probe: () => Promise<T | undefined>, ms = 10_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Agents signed in, with their stream open (alive), online, for one test: each goes offline and
 * closes its stream after the test. `baseUrl` is read when an agent is made (the server runs by then).
 */
export function useOnlineAgents(baseUrl: () => string): (user: { username: string; password: string }) => Promise<TestAgent> {
  const agents: TestAgent[] = [];
  afterEach(async () => {
    for (const a of agents.splice(0)) {
      a.closeStream();
      await a.presence('offline').catch(() => undefined);
    }
  });
  return async (user) => {
    const agent = new TestAgent(baseUrl());
    agents.push(agent);
    await agent.login(user.username, user.password);
    await agent.openStream();
    await agent.presence('online');
    return agent;
  };
}
