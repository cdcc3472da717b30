/**
 * Quick texts (canned replies): those of the config file (ADR 0047), read-only here, and
 * stored ones (ADR 0059): the org's, managed by its admins, and each agent's own, seen by
 * that agent only. Stored ones are store documents of kind `quickText`, held in memory
 * (loaded at start-up; one node writes a store, ADR 0017, so nothing changes them behind
 * this one's back). Writes are done one at a time, so a delete and an edit of the same
 * quick text cannot reach the store in the other order than they reach the lists.
 */
import { randomBytes } from 'node:crypto';
import type { OrgConfig } from '../config/config-schema.js';
import type { ChatStore } from '../ports/chat-store.js';
import type { Clock } from '../ports/clock.js';
import { fail } from '../protocol/errors.js';
import { canonicalId } from '../protocol/liberal-values.js';
import { MAX_ORG_QUICK_TEXTS, MAX_OWN_QUICK_TEXTS, type QuickText } from '../protocol/quick-text-types.js';

/** The store document kind of stored quick texts. */
export const QUICK_TEXT_DOCUMENT = 'quickText';

/** A stored quick text, as the store keeps it (a document body). */
export interface StoredQuickTextRecord {
  id: string;
  orgId: string;
  /** The agent it belongs to; null for one of the org's (managed by admins). */
  ownerId: string | null;
  title: string;
  text: string;
  /** Org ones only; empty: everyone in the org. */
  skills: string[];
  createdBy: string;
  createdAt: number;
  updatedAt: number;
}

/** The fields of a new or changed quick text (the API's body). */
export interface QuickTextFields {
  title?: string | undefined;
  text?: string | undefined;
  skills?: string[] | undefined;
}

/**
 * The org's config quick texts for an agent with these skills, in the config file's order
 * (the operator's order is the list's order in the console).
 */
export function quickTextsFor(org: OrgConfig | undefined, skills: readonly string[]): QuickText[] {
  if (!org) return [];
  return org.quickTexts.filter((q) => offered(q.skills ?? [], skills)).map((q) => configView(q));
}

function offered(meantFor: readonly string[], skills: readonly string[]): boolean {
  return !meantFor.length || meantFor.some((s) => skills.includes(s));
}

function configView(q: OrgConfig['quickTexts'][number]): QuickText {
  return { id: q.id, title: q.title, text: q.text, skills: q.skills ?? [], source: 'config' };
}

function storedView(r: StoredQuickTextRecord): QuickText {
  return { id: r.id, title: r.title, text: r.text, skills: r.ownerId === null ? r.skills : [], source: r.ownerId === null ? 'org' : 'personal' };
}

export class QuickTextBook {
  /** Stored ones by canonical org id, oldest first (creation time, then id). */
  private readonly byOrg = new Map<string, StoredQuickTextRecord[]>();
  private readonly configByOrg = new Map<string, OrgConfig>();
  private writes: Promise<unknown> = Promise.resolve();

  constructor(private readonly store: ChatStore, private readonly clock: Clock, orgs: readonly OrgConfig[], private readonly maxMessageLength: number) {
    for (const org of orgs) this.configByOrg.set(canonicalId(org.id), org);
  }

  /** Reads the stored quick texts (start-up). */
  async load(): Promise<void> {
    for (const d of await this.store.listDocuments(QUICK_TEXT_DOCUMENT)) {
      const r = d.body as StoredQuickTextRecord;
      this.held(r.orgId).push(r);
    }
    for (const list of this.byOrg.values()) list.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** What an agent may use: the config file's and the org's for everyone or one of `skills`, then the agent's own. */
  usableBy(orgId: string, userId: string, skills: readonly string[]): QuickText[] {
    const stored = this.held(orgId);
    return [
      ...quickTextsFor(this.configByOrg.get(canonicalId(orgId)), skills),
      ...stored.filter((r) => r.ownerId === null && offered(r.skills, skills)).map(storedView),
      ...stored.filter((r) => r.ownerId === userId).map(storedView),
    ];
  }

  /** The org's quick texts for its admins: the config file's (read-only), then the stored org ones. Personal ones are nobody else's business. */
  orgList(orgId: string): QuickText[] {
    return [...(this.configByOrg.get(canonicalId(orgId))?.quickTexts ?? []).map(configView), ...this.held(orgId).filter((r) => r.ownerId === null).map(storedView)];
  }

  /** An agent's own quick texts, oldest first. */
  ownList(orgId: string, userId: string): QuickText[] {
    return this.held(orgId).filter((r) => r.ownerId === userId).map(storedView);
  }

  /** A new quick text, the org's (`ownerId` null) or an agent's own. */
  add(orgId: string, ownerId: string | null, createdBy: string, fields: QuickTextFields): Promise<QuickText> {
    return this.serially(async () => {
      const title = this.checkedTitle(fields.title ?? '');
      const text = this.checkedText(fields.text ?? '');
      const skills = ownerId === null ? checkedSkills(fields.skills ?? []) : [];
      const list = this.held(orgId);
      const count = list.filter((r) => r.ownerId === ownerId).length;
      const max = ownerId === null ? MAX_ORG_QUICK_TEXTS : MAX_OWN_QUICK_TEXTS;
      if (count >= max) fail('QUICK_TEXT_LIMIT', ownerId === null ? `the organization has ${count} stored quick texts, the most it may have: delete one first` : `you have ${count} quick texts of your own, the most you may have: delete one first`);
      const now = this.clock.now();
      const record: StoredQuickTextRecord = { id: this.newId(orgId), orgId, ownerId, title, text, skills, createdBy, createdAt: now, updatedAt: now };
      await this.store.putDocument(QUICK_TEXT_DOCUMENT, record.id, record);
      list.push(record);
      return storedView(record);
    });
  }

  /** Changes a stored quick text of the org (`ownerId` null) or of that agent: NOT_FOUND when there is none such, QUICK_TEXT_IN_CONFIG for a config one. */
  update(orgId: string, ownerId: string | null, id: string, fields: QuickTextFields): Promise<QuickText> {
    return this.serially(async () => {
      const found = this.find(orgId, ownerId, id);
      const record: StoredQuickTextRecord = {
        ...found,
        title: fields.title === undefined ? found.title : this.checkedTitle(fields.title),
        text: fields.text === undefined ? found.text : this.checkedText(fields.text),
        skills: ownerId !== null || fields.skills === undefined ? found.skills : checkedSkills(fields.skills),
        updatedAt: this.clock.now(),
      };
      await this.store.putDocument(QUICK_TEXT_DOCUMENT, id, record);
      const list = this.held(orgId);
      list[list.indexOf(found)] = record;
      return storedView(record);
    });
  }

  /** Deletes a stored quick text of the org (`ownerId` null) or of that agent: NOT_FOUND, QUICK_TEXT_IN_CONFIG as `update`. */
  remove(orgId: string, ownerId: string | null, id: string): Promise<void> {
    return this.serially(async () => {
      const found = this.find(orgId, ownerId, id);
      await this.store.deleteDocument(QUICK_TEXT_DOCUMENT, id);
      const list = this.held(orgId);
      list.splice(list.indexOf(found), 1);
    });
  }

  private find(orgId: string, ownerId: string | null, id: string): StoredQuickTextRecord {
    if (ownerId === null && this.configIds(orgId).has(id)) fail('QUICK_TEXT_IN_CONFIG', `${id} is in orgs[].quickTexts of the config file: change it there`);
    const found = this.held(orgId).find((r) => r.id === id && r.ownerId === ownerId);
    if (!found) fail('NOT_FOUND', ownerId === null ? `quick text ${id} of the organization` : `quick text ${id} of yours`);
    return found;
  }

  private checkedTitle(title: string): string {
    const t = title.trim();
    if (!t) fail('BODY_INVALID', 'title is blank');
    return t;
  }

  private checkedText(text: string): string {
    if (!text.trim()) fail('BODY_INVALID', 'text is blank: the quick text would insert nothing');
    if (text.length > this.maxMessageLength) fail('BODY_INVALID', `text is ${text.length} characters, longer than an agent may send (settings.maxMessageLength ${this.maxMessageLength})`);
    return text;
  }

  /** A random id that no quick text of the org, stored or in the config file, has. */
  private newId(orgId: string): string {
    const config = this.configIds(orgId);
    const taken = new Set(this.held(orgId).map((r) => r.id));
    for (;;) {
      const id = `qt_${randomBytes(9).toString('base64url')}`;
      if (!config.has(id) && !taken.has(id)) return id;
    }
  }

  private configIds(orgId: string): Set<string> {
    return new Set((this.configByOrg.get(canonicalId(orgId))?.quickTexts ?? []).map((q) => q.id));
  }

  private serially<T>(work: () => Promise<T>): Promise<T> {
    const next = this.writes.then(work, work);
    this.writes = next.catch(() => undefined);
    return next;
  }

  private held(orgId: string): StoredQuickTextRecord[] {
    const key = canonicalId(orgId);
    let list = this.byOrg.get(key);
    if (!list) this.byOrg.set(key, (list = []));
    return list;
  }
}

/** Skills as the config file takes them: each not blank and without white space around it. */
function checkedSkills(skills: string[]): string[] {
  skills.forEach((s, i) => {
    if (s.trim() === '') fail('BODY_INVALID', `skills/${i} is blank`);
    if (s.trim() !== s) fail('BODY_INVALID', `skills/${i} ${JSON.stringify(s)} has white space around it`);
  });
  return [...new Set(skills)];
}
