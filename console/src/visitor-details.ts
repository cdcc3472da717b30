/**
 * The visitor details panel of a chat: pre-chat data, visitor info and geo,
 * breadcrumbs and earlier chats (GET /agent/v1/chats/:id), in a <details>
 * disclosure so it stays out of the way until needed.
 */
import { el, formatTime, replaceChildren } from './dom-builder.ts';
import type { ChatDetails } from './wire-types.ts';

function prechatRows(list: unknown[]): [string, string][] {
  return list.flatMap((d): [string, string][] => {
    if (typeof d !== 'object' || d === null) return [];
    const r = d as Record<string, unknown>;
    // displayToAgent: false (the guide): a value for routing or the CRM, not for the agent's eyes.
    if (r['displayToAgent'] === false) return [];
    const label = String(r['label'] ?? r['name'] ?? r['fieldName'] ?? 'Field');
    const value = r['value'];
    return [[label, typeof value === 'string' ? value : JSON.stringify(value ?? '')]];
  });
}

function table(caption: string, rows: [string, string][]): HTMLElement {
  if (!rows.length) return el('p', { class: 'muted' }, `${caption}: none`);
  return el('table', { class: 'kv' }, el('caption', {}, caption),
    el('tbody', {}, ...rows.map(([k, v]) => el('tr', {}, el('th', { scope: 'row', dir: 'auto' }, k), el('td', { dir: 'auto' }, v)))));
}

export class VisitorDetails {
  readonly element: HTMLDetailsElement;
  private readonly body: HTMLElement;
  private breadcrumbs: { location: string; at: number }[] = [];
  private details: ChatDetails | undefined;

  constructor() {
    this.body = el('div', { class: 'details-body' }, el('p', { class: 'muted' }, 'Loading…'));
    this.element = el('details', { class: 'visitor-details' }, el('summary', {}, 'Visitor details'), this.body);
  }

  set(details: ChatDetails): void {
    this.details = details;
    this.breadcrumbs = [...details.breadcrumbs];
    this.render();
  }

  /**
   * What a former holder may see (the details answer only the chat's holder, 409 to the
   * agent it left): the pre-chat data its transcript has. Details shown already stay.
   */
  setWithoutHolder(prechatDetails: unknown[]): void {
    if (this.details) return;
    replaceChildren(this.body,
      table('Pre-chat data', prechatRows(prechatDetails)),
      el('p', { class: 'muted' }, 'The rest of the visitor details is for whoever holds the chat now.'));
  }

  addBreadcrumb(location: string, at: number): void {
    if (this.breadcrumbs.some((b) => b.location === location && b.at === at)) return;
    this.breadcrumbs.push({ location, at });
    this.render();
  }

  private render(): void {
    const d = this.details;
    if (!d) return;
    const v = d.visitor;
    const geo = v.geoLocation ? Object.entries(v.geoLocation).map(([k, val]): [string, string] => [k, String(val)]) : [];
    replaceChildren(this.body,
      table('Pre-chat data', prechatRows(d.prechatDetails)),
      table('Visitor', [
        ['Name', v.name], ['Visitor id', v.id], ['Language', v.language], ['Screen', v.screenResolution],
        ['IP address', v.ipAddress], ['Browser', v.userAgent], ...geo,
      ].filter((r): r is [string, string] => Boolean(r[1]))),
      el('h4', {}, 'Pages visited'),
      this.breadcrumbs.length
        ? el('ol', { class: 'crumbs' }, ...this.breadcrumbs.map((b) => el('li', {}, `${formatTime(b.at)} `, b.location)))
        : el('p', { class: 'muted' }, 'None'),
      el('h4', {}, 'Earlier chats'),
      d.earlierChats.length
        ? el('ul', {}, ...d.earlierChats.map((c) => el('li', {}, `${c.chatId} — ${c.endedAt ? `ended ${new Date(c.endedAt).toLocaleString()}` : 'open'}${c.endReason ? ` (${c.endReason})` : ''}`)))
        : el('p', { class: 'muted' }, 'None'));
  }
}
