/**
 * Transferring a chat from the console: the dialog, the request, and what the
 * console does when the request gets no answer. A transfer is never sent again
 * on its own (ADR 0034): the server may have applied it. The console asks the
 * server what became of it instead (transfer-outcome.ts) and shows that: the
 * chat transferred (read-only, as after an answered transfer), still the
 * agent's (an honest error, the chat stays usable), or, while the server cannot
 * be reached at all, in doubt until the stream is back.
 */
import type { AgentPort } from './agent-port.ts';
import { isRefusal, type ChatPanel } from './chat-panel.ts';
import { ENDED, LEFT, transferTarget } from './chat-standing.ts';
import { openConferenceDialog } from './conference-dialog.ts';
import { openTransferDialog, type TransferDialog, type TransferOptions } from './transfer-dialog.ts';
import { checkTransfer, requestedBy, type TransferOutcome } from './transfer-outcome.ts';
import type { ChatEventWire, PublicUser, TransferTarget, TransferTargets } from './wire-types.ts';

export interface TransfersHost {
  report(message: string): void;
  /** The agent's load changed (a chat left it or came back). */
  updateLoad(): void;
  /** The agent panel of a chat, if the console shows it. */
  panel(chatId: string): ChatPanel | undefined;
}

export class Transfers {
  /** The transfer dialog open now, and the chat it is for. */
  private dialog: { chatId: string; dialog: TransferDialog } | undefined;
  /** Chats whose transfer got no answer and whose outcome is being read from the server now. */
  private readonly reading = new Set<string>();
  /**
   * Chats whose transfer got no answer and whose outcome the server could not be asked for
   * either (the network is down): chat id → the newest offset the panel had when the transfer
   * was sent. Asked again by settle() once the stream is back.
   */
  private readonly inDoubt = new Map<string, number>();
  /** Names of the org's agents and labels of its buttons, as the last transfer targets read had them. */
  private readonly names = new Map<string, string>();
  private namesRead: Promise<void> | undefined;

  constructor(private readonly client: AgentPort, private readonly me: PublicUser, private readonly host: TransfersHost) {}

  /** The outcome of a transfer of this chat is being read: the panel is left to that read. */
  checking(chatId: string): boolean {
    return this.reading.has(chatId);
  }

  /**
   * Reads the names of the org's agents and buttons once (a reload shows where the agent's
   * transfers went by name, as the console did when it sent them). Never rejects: without
   * them a target is named by its id.
   */
  loadNames(): Promise<void> {
    this.namesRead ??= this.client.transferTargets().then((t) => this.learn(t), () => { this.namesRead = undefined; });
    return this.namesRead;
  }

  /** Where a transfer sent a chat, in words. */
  describe(target: TransferTarget): string {
    if (target.skill) return `to the ${target.skill} skill`;
    if (target.agentId) return `to ${this.names.get(`agent:${target.agentId}`) ?? `agent ${target.agentId}`}`;
    if (target.buttonId) return `to the ${this.names.get(`button:${target.buttonId}`) ?? target.buttonId} button`;
    return '';
  }

  private learn(t: TransferTargets): void {
    for (const a of t.agents) this.names.set(`agent:${a.id}`, a.name);
    for (const b of t.buttons) this.names.set(`button:${b.id}`, b.label);
  }

  /** Opens the "Invite to conference" dialog for `panel`'s chat: the agents online with room (ADR 0051). */
  async openConference(panel: ChatPanel, opener: HTMLElement): Promise<void> {
    let agents: { id: string; name: string }[];
    try {
      const t = await this.client.transferTargets();
      this.learn(t);
      agents = t.agents.filter((a) => a.available).map((a) => ({ id: a.id, name: a.name }));
    } catch (err) {
      this.host.report(`Could not list the agents: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    if (!panel.element.isConnected) return;
    openConferenceDialog(panel.heading.textContent ?? '', agents, opener, (agentId) => this.client.inviteToConference(panel.chatId, agentId));
  }

  /** Opens the transfer dialog for `panel`'s chat. */
  async open(panel: ChatPanel, opener: HTMLElement): Promise<void> {
    const options = await this.options();
    if (!panel.element.isConnected) return; // the chat went away while we asked
    const name = panel.heading.textContent ?? '';
    const dialog = openTransferDialog(name, options, opener, panel.heading, async (target, say) => {
      const since = panel.transcript.newest;
      try {
        await this.client.transfer(panel.chatId, target);
      } catch (err) {
        // A refusal is the server's answer: nothing happened. Except "no longer yours", which may
        // be this very transfer: a browser sends a POST again by itself when the connection it
        // went on dies before the answer, and the copy finds the chat transferred by the first.
        if (isRefusal(err) && !(err as { chatNoLongerYours?: unknown }).chatNoLongerYours) throw err;
        // The stream may have told it already: the server sends the chat's events before the answer.
        if (requestedBy(panel.transcript.eventsAfter(since), this.me.id)) return this.transferred(panel, target);
        say('No answer from the server: checking whether the chat was transferred…');
        const outcome = await this.read(panel, since);
        if (outcome !== 'transferred') throw new Error(outcomeText(panel, outcome, isRefusal(err) ? (err.body ?? '').trim() : ''));
      }
      this.transferred(panel, target);
    });
    this.dialog = { chatId: panel.chatId, dialog };
  }

  /**
   * A live event of a chat (a resumed stream replays what it missed): the agent's own
   * `TransferRequested` after a transfer in doubt is the answer the request never got.
   */
  heard(chatId: string, e: ChatEventWire): void {
    const since = this.inDoubt.get(chatId);
    const panel = this.host.panel(chatId);
    if (since === undefined || !panel || e.offset <= since || !requestedBy([e], this.me.id)) return;
    this.inDoubt.delete(chatId);
    this.transferred(panel, transferTarget(e.data));
  }

  /** Transfers in doubt (no server to ask when they were sent): asked again now that the stream is back. */
  async settle(): Promise<void> {
    for (const [chatId, since] of [...this.inDoubt]) {
      const panel = this.host.panel(chatId);
      if (!panel) {
        this.inDoubt.delete(chatId);
        continue;
      }
      if (this.reading.has(chatId)) continue;
      const outcome = await this.read(panel, since);
      if (outcome === 'transferred') {
        const request = panel.transcript.eventsAfter(since).find((e) => requestedBy([e], this.me.id));
        this.transferred(panel, request && transferTarget(request.data));
      } else if (outcome !== 'unknown') this.host.report(`Transfer failed: ${outcomeText(panel, outcome, '')}`);
    }
  }

  /** Reads what became of a transfer sent after offset `since`, and brings the panel in line. */
  private async read(panel: ChatPanel, since: number): Promise<TransferOutcome> {
    this.reading.add(panel.chatId);
    try {
      const { outcome, events } = await checkTransfer(this.client, panel.chatId, since, this.me.id);
      for (const e of events) panel.ingest(e, false);
      if (outcome === 'unknown') {
        this.inDoubt.set(panel.chatId, Math.min(since, this.inDoubt.get(panel.chatId) ?? since));
        return outcome;
      }
      this.inDoubt.delete(panel.chatId);
      // The server's word over the stream's so far: the stream may not have told it yet.
      if (outcome === 'not-transferred' || outcome === 'returned') panel.reattach(`${panel.visitor} is with you`);
      else if (outcome === 'taken') panel.detach(LEFT.noLonger, undefined, true);
      else if (outcome === 'ended') panel.markEnded(ENDED.unknown);
      this.host.updateLoad();
      return outcome;
    } finally {
      this.reading.delete(panel.chatId);
    }
  }

  /** The chat was transferred (to `target`): read-only, as after a transfer the server answered. */
  private transferred(panel: ChatPanel, target: TransferTarget | undefined): void {
    panel.detach(LEFT.transferred, target);
    this.host.updateLoad();
    this.host.report('Chat transferred');
    if (this.dialog?.chatId === panel.chatId) this.dialog.dialog.close();
  }

  /** Who could take a transfer now; without an answer the dialog still takes typed ids. */
  private async options(): Promise<TransferOptions> {
    try {
      const t = await this.client.transferTargets();
      this.learn(t);
      const room = (available: number, online: number) => (available ? `${available} available` : online ? `${online} online, all busy` : 'nobody online');
      return {
        agents: t.agents.map((a) => ({ id: a.id, name: a.name, hint: a.available ? 'available' : a.presence === 'online' ? `busy, ${a.load}/${a.capacity}` : a.presence })),
        skills: t.skills.map((s) => ({ skill: s.skill, hint: room(s.availableAgents, s.onlineAgents) })),
        buttons: t.buttons.map((b) => ({ id: b.id, label: b.label, hint: room(b.availableAgents, b.onlineAgents), closed: !b.openNow })),
      };
    } catch {
      return { agents: [], skills: this.me.skills.map((skill) => ({ skill })), buttons: [] };
    }
  }
}

/** What the agent is told of a transfer that did not (or may not) happen, after the read. `refusal`: the server's 409 text. */
function outcomeText(panel: ChatPanel, outcome: Exclude<TransferOutcome, 'transferred'>, refusal: string): string {
  switch (outcome) {
    case 'not-transferred': return `the chat was not transferred (the request got no answer). ${panel.visitor} is still with you: try again.`;
    case 'returned': return `it went through, but the chat was not taken and came back: ${panel.visitor} is with you.`;
    case 'taken': return refusal || 'the chat is no longer yours.';
    case 'ended': return 'the chat has ended.';
    case 'unknown': return 'no answer from the server, and it cannot be reached to ask whether the chat was transferred. This chat shows it once the connection is back.';
  }
}
