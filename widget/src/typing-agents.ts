/**
 * Who of the chat's agents is typing, for the widget's typing line (ADR 0051, note "typing per
 * agent"). In a conference several agents type: AgentTyping / AgentNotTyping carry each one's
 * `name` and `agentId`, and one agent's "not typing" or message must not end another's line.
 * Keyed by `agentId`, or by `name` from a server that sends no id (Live Agent before
 * conferences: one agent, so one key).
 */
import type { Texts } from './texts.js';

export class TypingAgents {
  /** Typing agents by key, with the name to show (empty: the server sent none). */
  private readonly typing = new Map<string, string>();

  /** AgentTyping (`on`) or AgentNotTyping from one agent. */
  set(on: boolean, name: string, agentId: string): void {
    if (on) this.typing.set(agentId || name, name);
    else this.typing.delete(agentId || name);
  }

  /** That agent's message ends its typing, and only its. */
  messaged(name: string, agentId: string): void {
    this.typing.delete(agentId || name);
    // A message without an id (an older server, a snapshot) cannot say whose typing it ends but its name's.
    if (!agentId) for (const [k, n] of this.typing) if (n === name) this.typing.delete(k);
  }

  /** A conference's agent left (AgentLeftConference carries its name only). */
  left(name: string): void {
    for (const [k, n] of this.typing) if (n === name) this.typing.delete(k);
  }

  /** The chat moved, ended or lost its agent: nobody is typing. */
  clear(): void {
    this.typing.clear();
  }

  /**
   * The line to show: empty when nobody types; "<name> is typing…" for one agent (`fallbackName`,
   * the chat's agent, when the server gave no name); the neutral `typingSeveral` for two or more.
   */
  line(t: Texts, fallbackName: string): string {
    if (this.typing.size === 0) return '';
    if (this.typing.size > 1) return t.typingSeveral;
    const [name] = this.typing.values();
    return t.typing({ name: name || fallbackName });
  }
}
