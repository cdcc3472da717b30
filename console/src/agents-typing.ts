/**
 * Which other agents are typing in a conference chat (ADR 0051, note "typing per agent"): each
 * agent's AgentTyping / AgentNotTyping reach the others as their own `chat.event`, with the
 * typing agent's `agentId` and `name` (never echoed to their author). One agent typing reads
 * "<name> is typing…", two or more "Several agents are typing…", as the widget says it.
 *
 * A polite live region that stays in the page (a region added or unhidden together with its text
 * is not reliably read) and changes its text only when the words change: a second AgentTyping of
 * the same agent, or a third agent joining two, says nothing new.
 */
import { el } from './dom-builder.ts';
import type { ChatEventWire } from './wire-types.ts';

/** The words for the agents typing now (by name, in the order they started); '' for none. */
export function agentsTypingText(names: readonly string[]): string {
  if (names.length === 0) return '';
  if (names.length === 1) return `${names[0] || 'Another agent'} is typing…`;
  return 'Several agents are typing…';
}

export class AgentsTyping {
  readonly element = el('p', { class: 'agents-typing', 'aria-live': 'polite' });
  /** agentId → name, of the agents typing now. */
  private readonly typing = new Map<string, string>();

  /** `me`: this console's user, whose own typing is never shown (another tab's would be). */
  constructor(private readonly me: string) {}

  /** A chat event; `live`: from the stream (a replayed AgentTyping is long over). */
  observe(e: ChatEventWire, live: boolean): void {
    const agentId = typeof e.data['agentId'] === 'string' ? e.data['agentId'] : '';
    switch (e.type) {
      case 'AgentTyping':
        if (live && agentId && agentId !== this.me) this.typing.set(agentId, typeof e.data['name'] === 'string' ? e.data['name'] : '');
        break;
      // An agent's message ends its own typing; its leave removes it.
      case 'AgentNotTyping':
      case 'ChatMessage':
      case 'AgentLeftConference':
        this.typing.delete(agentId);
        break;
      // The conference ends when the chat moves or ends (ADR 0051): nobody is typing in it any more.
      case 'ChatTransferred':
      case 'ChatReassigned':
      case 'TransferRequested':
      case 'AgentDisconnect':
      case 'ChatEnded':
      case 'ChasitorChatEnded':
      case 'ChasitorTimedOut':
        this.typing.clear();
        break;
      default:
        return;
    }
    this.render();
  }

  /** Nobody typing (the chat ended or left this agent). */
  clear(): void {
    this.typing.clear();
    this.render();
  }

  private render(): void {
    const text = agentsTypingText([...this.typing.values()]);
    if (this.element.textContent !== text) this.element.textContent = text;
  }
}
