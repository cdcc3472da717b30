/**
 * Users (agents, supervisors, admins) and API keys. Users come from the config
 * file and from the admin API (stored as documents, which also carry changes to
 * config users such as a bumped token version). API keys are stored hashed.
 *
 * Every config user has a stored document, which remembers a fingerprint of the
 * config entry it started from. At start-up the config wins whenever that entry has
 * changed since (an operator rotated a password, demoted, moved or re-enabled
 * someone): what the admin API changed stands only while the config entry is the
 * same, and a config user removed from the file is gone, whatever its document says
 * (docs/configuration.md, ADR 0024).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AgentConfig, OrgConfig } from '../../config/config-schema.js';
import type { ChatStore } from '../../ports/chat-store.js';
import type { Clock } from '../../ports/clock.js';
import { MAX_API_KEY_NAME_LENGTH, MAX_USERNAME_LENGTH, MAX_USER_NAME_LENGTH, loginName, trimmedName, trimmedSkills } from '../../protocol/display-names.js';
import { fail } from '../../protocol/errors.js';
import { canonicalId } from '../../protocol/liberal-values.js';
import { hashPassword, passwordHashProblem, verifyPassword } from './password-hash.js';
import { OrgShards } from '../org-shards.js';
import type { TokenService } from './token-service.js';
import { ACCESS_TTL_MS } from './token-service.js';

export type Role = 'agent' | 'supervisor' | 'admin';
const RANK: Record<Role, number> = { agent: 1, supervisor: 2, admin: 3 };

export interface UserRecord {
  id: string;
  orgId: string;
  name: string;
  username?: string | undefined;
  passwordHash?: string | undefined;
  role: Role;
  skills: string[];
  capacity: number;
  bot?: 'echo' | undefined;
  tokenVersion: number;
  disabled: boolean;
  /** A config user's: the fingerprint of the config entry this record started from. */
  configFingerprint?: string | undefined;
}

export interface ApiKeyRecord {
  id: string;
  userId: string;
  name: string;
  /** The highest role this key may act with (never above its user's role). */
  role: Role;
  hash: string;
  createdAt: number;
  revokedAt: number | null;
}

export interface Principal {
  userId: string;
  orgId: string;
  name: string;
  role: Role;
  via: 'token' | 'apikey';
}

export interface PublicUser {
  id: string;
  orgId: string;
  name: string;
  username?: string | undefined;
  role: Role;
  skills: string[];
  capacity: number;
  disabled: boolean;
  /** 'config': an entry of the config file, which wins once it changes; 'api': made through the admin API. */
  source: 'config' | 'api';
}

export function roleAtLeast(role: Role, needed: Role): boolean {
  return RANK[role] >= RANK[needed];
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** What the routing side needs of a user made through the admin API (config users have their AgentConfig). */
export function agentConfigOf(u: UserRecord): AgentConfig {
  return { id: u.id, name: u.name, role: u.role, skills: u.skills, capacity: u.capacity };
}

export class UserDirectory {
  private readonly users = new Map<string, UserRecord>();
  private readonly keys = new Map<string, ApiKeyRecord>();
  /**
   * In a cluster (ADR 0066): the canonical ids of other shards' config users. A new user's id and
   * username are then checked against the whole cluster, not only the people this node holds.
   */
  private elsewhereIds: Set<string> | null = null;
  /** Config users of other shards of a cluster, by username: a login here is told where they sign in (ADR 0066). */
  private readonly elsewhereLogins = new Map<string, { passwordHash: string; detail: string }>();
  /**
   * Users of other shards of a cluster (config users, and stored ones as the store had them at
   * start-up), by id, with where they are served: a valid token or API key of theirs is answered
   * 421 naming that shard rather than 401, so a client goes there instead of signing out (ADR 0066).
   */
  private readonly elsewhereUsers = new Map<string, string>();
  /** Which orgs are this node's and where the others are served (a cluster, ADR 0066); set by load(). */
  private shards: OrgShards | undefined;
  /** The running (or last) look at the store for other shards' people made since start-up (learnOtherShards). */
  private learning: Promise<void> | null = null;
  private learnedAt = Number.NEGATIVE_INFINITY;
  /**
   * The ids (15-character form) of config users removed from the file, whose documents stay
   * marked removed. Never handed out again: a user made with one would pick up the removed
   * user's refresh tokens once its token version caught up, and list its API keys.
   */
  private readonly retiredIds = new Set<string>();

  private unmatchable: Promise<string> | null = null;

  /** A scrypt hash of a random secret nobody knows (made once, on first use). */
  private unmatchableHash(): Promise<string> {
    return (this.unmatchable ??= hashPassword(randomBytes(32).toString('base64')));
  }

  /** Told when a user's credentials stop working (logout, password change, disabled, API key revoked). */
  private readonly revokedListeners: ((userId: string) => void)[] = [];

  constructor(
    private readonly store: ChatStore,
    readonly tokens: TokenService,
    private readonly clock: Clock,
  ) {}

  /**
   * Calls `listener` whenever credentials of a user are revoked, so that what a
   * credential opened earlier (a stream) can end too: a request checks its
   * credential, an open stream would otherwise go on pushing events.
   */
  onCredentialsRevoked(listener: (userId: string) => void): void {
    this.revokedListeners.push(listener);
  }

  private revoked(userId: string): void {
    for (const l of this.revokedListeners) l(userId);
  }

  /**
   * Loads the config's users and the stored ones; returns what the config changed or removed (logged at start-up).
   *
   * Every config user gets a stored record, written at its first start: tokens carry only
   * a version, so without a record of the entry they were issued under, a password changed
   * in the file could not revoke them (a config user nobody had changed through the API or
   * logged out would keep its tokens for ever). A config user with no record yet starts at
   * token version 1, so tokens of version 0, issued before such records existed, stop
   * working once: the file may have changed meanwhile, and nothing says whether it did.
   *
   * In a cluster (ADR 0066) `orgs` is the whole file and `serves` says which orgs are this
   * node's: only their users are held, and only their documents written. Another shard's
   * user, in the file or made through its API, is that shard's to load, change or retire.
   */
  async load(orgs: OrgConfig[], shards?: OrgShards): Promise<{ changedByConfig: string[]; removedFromConfig: string[]; recordedFirst: string[] }> {
    const serves = (orgId: string): boolean => shards?.serves(orgId) ?? true;
    this.shards = shards;
    const elsewhereInFile = new Set<string>();
    for (const org of orgs) {
      const place = serves(org.id) ? null : shards?.elsewhere(org.id);
      if (place) {
        this.elsewhereIds ??= new Set();
        for (const a of org.agents) {
          elsewhereInFile.add(a.id);
          this.elsewhereIds.add(canonicalId(a.id));
          this.elsewhereUsers.set(a.id, OrgShards.misdirectedDetail(org.id, place));
          if (a.username && a.password) this.elsewhereLogins.set(a.username, { passwordHash: a.password, detail: OrgShards.misdirectedDetail(org.id, place) });
        }
        continue;
      }
      for (const a of org.agents) {
        this.users.set(a.id, {
          id: a.id, orgId: org.id, name: a.name, username: a.username, passwordHash: a.password, role: a.role,
          skills: a.skills, capacity: a.capacity, bot: a.bot, tokenVersion: 0, disabled: false,
          configFingerprint: configFingerprint(org.id, a),
        });
      }
    }
    // Before the users: a removed config user's keys are revoked below.
    for (const d of await this.store.listDocuments('apikey')) this.keys.set(d.id, d.body as ApiKeyRecord);
    const changedByConfig: string[] = [];
    const removedFromConfig: string[] = [];
    const recorded = new Set<string>();
    for (const d of await this.store.listDocuments('user')) {
      const stored = d.body as UserRecord;
      const fromConfig = this.users.get(d.id);
      if (!fromConfig && (elsewhereInFile.has(d.id) || !serves(stored.orgId))) {
        // Another shard's: sent there when it signs in here (a config user's login is, above).
        const place = shards?.elsewhere(stored.orgId);
        if (place && !elsewhereInFile.has(d.id)) {
          const detail = OrgShards.misdirectedDetail(stored.orgId, place);
          this.elsewhereUsers.set(d.id, detail);
          if (stored.username && stored.passwordHash && !stored.disabled) this.elsewhereLogins.set(stored.username, { passwordHash: stored.passwordHash, detail });
        }
        continue;
      }
      if (!fromConfig) {
        if (!stored.configFingerprint) this.users.set(d.id, stored); // made through the admin API
        else {
          this.retiredIds.add(canonicalId(d.id));
          if (stored.configFingerprint !== REMOVED_FROM_CONFIG) {
            // A config user's document outlives its entry: the operator removed the user.
            removedFromConfig.push(d.id);
            await this.forgetRemoved(stored);
          }
        }
        continue;
      }
      recorded.add(d.id);
      if (stored.configFingerprint === fromConfig.configFingerprint) {
        this.users.set(d.id, stored);
        continue;
      }
      // The config entry changed since the document was written (or the user was removed and
      // is back, or the document predates fingerprints): the config's fields win, `disabled`
      // included, so that changing the entry is how an operator gets a user disabled through
      // the API (the last admin, say) back in. Tokens issued under another password, role or
      // org, or before the user was enabled again, stop working.
      changedByConfig.push(d.id);
      fromConfig.tokenVersion = stored.tokenVersion + (signsOut(stored, fromConfig) ? 1 : 0);
      await this.store.putDocument('user', d.id, fromConfig);
    }
    const recordedFirst: string[] = [];
    for (const u of this.users.values()) {
      if (!u.configFingerprint || recorded.has(u.id)) continue;
      u.tokenVersion = 1;
      recordedFirst.push(u.id);
      await this.store.putDocument('user', u.id, u);
    }
    return { changedByConfig, removedFromConfig, recordedFirst };
  }

  /**
   * A config user removed from the file: its document stays, marked removed, with its tokens
   * and API keys revoked for good, so that neither comes back if the entry is added again.
   */
  private async forgetRemoved(stored: UserRecord): Promise<void> {
    await this.store.putDocument('user', stored.id, { ...stored, tokenVersion: stored.tokenVersion + 1, configFingerprint: REMOVED_FROM_CONFIG });
    for (const k of this.keys.values()) {
      if (k.userId !== stored.id || k.revokedAt !== null) continue;
      k.revokedAt = this.clock.now();
      await this.store.putDocument('apikey', k.id, k);
    }
  }

  /**
   * A user made here must not take the id or username of another shard's (ADR 0066): ids route
   * agents, and a username signs in at one place. Their config users and every stored user are
   * looked at (an admin action: reading the documents is cheap enough).
   */
  private async checkClusterWide(canonical: string, username: string | undefined): Promise<void> {
    if (this.elsewhereIds?.has(canonical)) fail('CONFLICT', `user ${canonical} exists in another shard of the cluster`);
    if (username !== undefined && this.elsewhereLogins.has(username)) fail('CONFLICT', `username ${username} is taken (in another shard of the cluster)`);
    for (const d of await this.store.listDocuments('user')) {
      const other = d.body as UserRecord;
      if (this.users.has(d.id)) continue;
      if (canonicalId(d.id) === canonical) fail('CONFLICT', `user ${d.id} exists in another shard of the cluster`);
      if (username !== undefined && other.username === username && other.configFingerprint !== REMOVED_FROM_CONFIG) fail('CONFLICT', `username ${username} is taken (in another shard of the cluster)`);
    }
  }

  get(id: string): UserRecord | undefined {
    return this.users.get(id);
  }

  /** Every user of every org: those of the config and those created through the admin API. */
  all(): UserRecord[] {
    return [...this.users.values()];
  }

  list(orgId: string): PublicUser[] {
    return [...this.users.values()].filter((u) => u.orgId === orgId).map(toPublic);
  }

  async login(username: string, password: string): Promise<{ accessToken: string; refreshToken: string; expiresIn: number; user: PublicUser }> {
    const name = loginName(username);
    // A username stored padded, before the admin API trimmed them, is matched by its trimmed form.
    const all = [...this.users.values()];
    const user = name === '' ? undefined : all.find((u) => u.username === name) ?? all.find((u) => u.username?.trim() === name);
    const stored = user?.passwordHash;
    // Another shard's config user (ADR 0066) is sent there, once the password shows it is them:
    // a wrong one is told what anyone would be, so the 421 names no one to a guesser.
    if (!user && name !== '' && !this.elsewhereLogins.has(name) && this.elsewhereIds !== null) await this.learnOtherShards();
    const elsewhere = user ? undefined : this.elsewhereLogins.get(name);
    // An unknown user, or one without a password, is checked against a scrypt hash of a
    // random secret, like a real one: the answer takes as long, and never succeeds.
    const ok = await verifyPassword(password, stored ?? elsewhere?.passwordHash ?? (await this.unmatchableHash()));
    if (elsewhere && ok) fail('MISDIRECTED_REQUEST', elsewhere.detail);
    if (!user || stored === undefined || !ok || user.disabled) fail('UNAUTHENTICATED', 'wrong username or password');
    return this.issuePair(user);
  }

  refresh(refreshToken: string): { accessToken: string; refreshToken: string; expiresIn: number; user: PublicUser } {
    const claims = this.tokens.verify(refreshToken, 'refresh');
    const user = claims ? this.users.get(claims.sub) : undefined;
    if (claims && !user) this.sendElsewhere(claims.sub);
    if (!claims || !user || user.disabled || claims.ver !== user.tokenVersion) fail('UNAUTHENTICATED', 'refresh token invalid or expired');
    return this.issuePair(user);
  }

  /** Revokes every token issued to the user so far. */
  async logout(userId: string): Promise<void> {
    const user = this.users.get(userId);
    if (!user) return;
    user.tokenVersion += 1;
    await this.store.putDocument('user', user.id, user);
    this.revoked(user.id);
  }

  /**
   * An access token for an in-process client (the demo bot). It never leaves the
   * process; it lasts as long as the process and dies with a logout or restart
   * of the token version.
   */
  serviceToken(userId: string): string {
    const user = this.users.get(userId) ?? fail('NOT_FOUND', `user ${userId}`);
    return this.tokens.issue(user.id, 'access', user.tokenVersion, 365 * 24 * 60 * 60 * 1000).token;
  }

  /** Resolves a bearer credential (access token or API key) to a principal. */
  authenticate(credential: string): Principal | null {
    if (credential.startsWith('sbk_')) return this.authenticateKey(credential);
    const claims = this.tokens.verify(credential, 'access');
    const user = claims ? this.users.get(claims.sub) : undefined;
    if (claims && !user) this.sendElsewhere(claims.sub);
    if (!claims || !user || user.disabled || claims.ver !== user.tokenVersion) return null;
    return { userId: user.id, orgId: user.orgId, name: user.name, role: user.role, via: 'token' };
  }

  async createUser(orgId: string, input: { id?: string | undefined; name: string; username?: string | undefined; password?: string | undefined; role: Role; skills: string[]; capacity: number }): Promise<UserRecord> {
    const name = trimmedName('name', input.name, MAX_USER_NAME_LENGTH);
    // Trimmed like a name: a username of spaces, or with spaces nobody sees, is one nobody types at login.
    const username = input.username === undefined ? undefined : trimmedName('username', input.username, MAX_USERNAME_LENGTH);
    const skills = trimmedSkills(input.skills);
    const id = input.id ?? `005${randomBytes(6).toString('hex').slice(0, 12)}`;
    // The routing side finds agents by the 15-character form of their id (an 18-character
    // Salesforce id and its 15-character twin are one agent): an id that shares it with
    // any user, of any org, would take that user's place.
    const same = canonicalId(id);
    if ([...this.users.keys()].some((u) => canonicalId(u) === same)) fail('CONFLICT', `user ${id} exists`);
    if (this.retiredIds.has(same)) fail('CONFLICT', `user ${id} was removed from the config file: its id is not used again`);
    if (username !== undefined && [...this.users.values()].some((u) => u.username === username)) fail('CONFLICT', `username ${username} is taken`);
    if (this.elsewhereIds !== null) await this.checkClusterWide(same, username);
    // The checks above read, then the user is written after awaits: two admins making the same
    // username or id at once (in this process, or on two shards of one database) could both
    // pass them. A claim in the store is atomic: the second one is refused.
    const claims = await this.claim(same, username, id);
    try {
      const user: UserRecord = {
        id, orgId, name, username, role: input.role, skills, capacity: input.capacity,
        passwordHash: input.password ? await hashPassword(input.password) : undefined, tokenVersion: 0, disabled: false,
      };
      await this.store.putDocument('user', id, user);
      this.users.set(id, user);
      return user;
    } catch (err) {
      // Not made: its username and id are free again.
      for (const [kind, key] of claims) await this.store.deleteDocument(kind, key).catch(() => undefined);
      throw err;
    }
  }

  /** Claims the user's id (its 15-character form) and username in the store; what it claimed, for an undo. */
  private async claim(canonical: string, username: string | undefined, id: string): Promise<Array<[string, string]>> {
    const claimed: Array<[string, string]> = [];
    if (!(await this.store.claimDocument(USER_ID_CLAIM, canonical, { userId: id }))) fail('CONFLICT', `user ${id} exists`);
    claimed.push([USER_ID_CLAIM, canonical]);
    // By its hash: a username may be longer (256) than a document id (128).
    const login = username === undefined ? undefined : sha256(username);
    if (login !== undefined && !(await this.store.claimDocument(LOGIN_CLAIM, login, { userId: id }))) {
      await this.store.deleteDocument(USER_ID_CLAIM, canonical).catch(() => undefined);
      fail('CONFLICT', `username ${username!} is taken`);
    }
    if (login !== undefined) claimed.push([LOGIN_CLAIM, login]);
    return claimed;
  }

  async updateUser(id: string, patch: { name?: string | undefined; password?: string | undefined; role?: Role | undefined; skills?: string[] | undefined; capacity?: number | undefined; disabled?: boolean | undefined }): Promise<UserRecord> {
    const user = this.users.get(id) ?? fail('NOT_FOUND', `user ${id}`);
    const name = patch.name === undefined ? undefined : trimmedName('name', patch.name, MAX_USER_NAME_LENGTH);
    const skills = patch.skills === undefined ? undefined : trimmedSkills(patch.skills);
    // Checked and changed in one turn of the event loop (the first await comes after), so two
    // admins demoting each other at once cannot both pass.
    this.keepAnAdmin(user, patch);
    if (name !== undefined) user.name = name;
    if (patch.role !== undefined) user.role = patch.role;
    if (skills !== undefined) user.skills = skills;
    if (patch.capacity !== undefined) user.capacity = patch.capacity;
    if (patch.disabled !== undefined) user.disabled = patch.disabled;
    if (patch.password !== undefined) {
      user.passwordHash = await hashPassword(patch.password);
      user.tokenVersion += 1;
    }
    if (patch.disabled) {
      user.tokenVersion += 1;
      // Revoked for good, as the docs say: enabling the user again does not bring back keys
      // that may have leaked with the account.
      for (const k of this.keys.values()) {
        if (k.userId !== id || k.revokedAt !== null) continue;
        k.revokedAt = this.clock.now();
        await this.store.putDocument('apikey', k.id, k);
      }
    }
    await this.store.putDocument('user', id, user);
    if (patch.password !== undefined || patch.disabled) this.revoked(id);
    return user;
  }

  /**
   * Refuses a change that would leave the user's org with no enabled admin anyone can sign in
   * as: nobody could then manage its users through the API, and only the config file could
   * bring an admin back. An admin with no way to sign in (no password, no admin API key) is no
   * such admin, so it does not let another go.
   */
  private keepAnAdmin(user: UserRecord, patch: { role?: Role | undefined; disabled?: boolean | undefined }): void {
    const losesAdmin = (patch.role !== undefined && patch.role !== 'admin') || patch.disabled === true;
    if (!losesAdmin || user.role !== 'admin' || user.disabled) return;
    const others = [...this.users.values()].filter((u) => u !== user && u.orgId === user.orgId && u.role === 'admin' && !u.disabled);
    if (others.some((u) => this.signInProblem(u) === null)) return;
    if (others.length === 0) fail('LAST_ADMIN', `${user.id} is its only enabled admin; make another user admin first`);
    // Why the other admins do not count, so the caller knows what to fix.
    const why = others.map((u) => `${u.id} ${this.signInProblem(u) ?? ''}`).join('; ');
    fail('LAST_ADMIN', `${user.id}: no other enabled admin of its org can sign in (${why}); give one a password and username or an admin API key, or make another user admin first`);
  }

  /**
   * Refuses to revoke the last way anyone can sign in as an admin of the key's org: the key is
   * an admin key of an enabled admin who has no other way in, and no other admin of the org can
   * sign in. A leaked key still goes quickly: make another admin key (or give the admin a
   * password) first, then revoke it; the config file stays the way back in for an operator.
   */
  private keepAnAdminWithoutKey(key: ApiKeyRecord): void {
    const user = this.users.get(key.userId);
    if (!user || user.role !== 'admin' || user.disabled || key.role !== 'admin') return;
    if (this.signInProblem(user, key.id) === null) return;
    const others = [...this.users.values()].filter((u) => u !== user && u.orgId === user.orgId && u.role === 'admin' && !u.disabled);
    if (others.some((u) => this.signInProblem(u) === null)) return;
    fail('LAST_ADMIN', `API key ${key.id} is the last way to sign in as an admin of ${user.id}'s org; make another admin API key or give ${user.id} a password first, then revoke this one`);
  }

  /**
   * Why an enabled user cannot sign in as itself with its own role, or null when it can: with a
   * username and a usable password (POST /auth/login), or with an unrevoked API key of its role
   * (a key of a lower role cannot do an admin's work). A refresh token needs a sign-in first, and
   * the demo bot's in-process token is nobody's to use; there is no other way in (no SSO).
   * `withoutKey`: as if that key were revoked.
   */
  private signInProblem(user: UserRecord, withoutKey?: string): string | null {
    if (user.username !== undefined && user.passwordHash !== undefined && passwordHashProblem(user.passwordHash) === null) return null;
    if ([...this.keys.values()].some((k) => k.userId === user.id && k.revokedAt === null && k.role === user.role && k.id !== withoutKey)) return null;
    const password = user.passwordHash === undefined ? 'no password' : user.username === undefined ? 'no username' : 'an unusable password';
    return `has ${password} and no unrevoked ${user.role} API key`;
  }

  async createApiKey(userId: string, name: string, role: Role): Promise<{ id: string; key: string; record: ApiKeyRecord }> {
    const user = this.users.get(userId) ?? fail('NOT_FOUND', `user ${userId}`);
    const keyName = trimmedName('name', name, MAX_API_KEY_NAME_LENGTH);
    const effective: Role = roleAtLeast(user.role, role) ? role : user.role;
    const id = randomBytes(6).toString('hex');
    const key = `sbk_${id}_${randomBytes(24).toString('base64url')}`;
    const record: ApiKeyRecord = { id, userId, name: keyName, role: effective, hash: sha256(key), createdAt: this.clock.now(), revokedAt: null };
    this.keys.set(id, record);
    await this.store.putDocument('apikey', id, record);
    return { id, key, record };
  }

  listApiKeys(orgId: string): Omit<ApiKeyRecord, 'hash'>[] {
    return [...this.keys.values()].filter((k) => this.users.get(k.userId)?.orgId === orgId).map(({ hash: _hash, ...rest }) => rest);
  }

  apiKey(id: string): ApiKeyRecord | undefined {
    return this.keys.get(id);
  }

  /**
   * Revokes a key for good. Revoking a revoked key changes nothing (an idempotent DELETE):
   * `revokedAt` keeps saying when it stopped working.
   */
  async revokeApiKey(id: string): Promise<void> {
    const k = this.keys.get(id) ?? fail('NOT_FOUND', `api key ${id}`);
    if (k.revokedAt !== null) return;
    // Checked and revoked in one turn of the event loop, like a demotion (updateUser).
    this.keepAnAdminWithoutKey(k);
    k.revokedAt = this.clock.now();
    await this.store.putDocument('apikey', id, k);
    this.revoked(k.userId);
  }

  private authenticateKey(key: string): Principal | null {
    const id = key.split('_')[1] ?? '';
    const record = this.keys.get(id);
    if (!record || record.revokedAt !== null) return null;
    const a = Buffer.from(record.hash);
    const b = Buffer.from(sha256(key));
    if (a.length !== b.length || !timingSafeEqual(a, b)) return null;
    const user = this.users.get(record.userId);
    if (!user) this.sendElsewhere(record.userId);
    if (!user || user.disabled) return null;
    const role: Role = roleAtLeast(user.role, record.role) ? record.role : user.role;
    return { userId: user.id, orgId: user.orgId, name: user.name, role, via: 'apikey' };
  }

  /**
   * Whether `credential` may belong to a person another shard of the cluster made after this
   * node loaded its users (ADR 0066): a genuine access token of someone unknown here, or an API
   * key this node has never seen (`kind` refresh: a genuine refresh token). The agent API then
   * looks at the store first (learnOtherShards), so that such a person is sent to their shard
   * (421), not signed out (401).
   */
  mayBeOtherShards(credential: string, kind: 'access' | 'refresh' = 'access'): boolean {
    if (this.elsewhereIds === null) return false;
    if (kind === 'access' && credential.startsWith('sbk_')) return !this.keys.has(credential.split('_')[1] ?? '');
    const claims = this.tokens.verify(credential, kind);
    return claims !== null && !this.users.has(claims.sub) && !this.elsewhereUsers.has(claims.sub);
  }

  /**
   * Reads the people and API keys other shards of the cluster made since start-up from the
   * store, so that their credentials and logins are answered 421 naming their shard. At most
   * one read every LEARN_INTERVAL_MS, shared by everyone waiting: made-up API keys cannot make
   * this node read the store once per request.
   */
  learnOtherShards(): Promise<void> {
    const shards = this.shards;
    if (!shards || this.elsewhereIds === null) return Promise.resolve();
    if (this.learning && this.clock.now() - this.learnedAt < LEARN_INTERVAL_MS) return this.learning;
    this.learnedAt = this.clock.now();
    this.learning = (async () => {
      for (const d of await this.store.listDocuments('user')) {
        const stored = d.body as UserRecord;
        if (this.users.has(d.id) || shards.serves(stored.orgId)) continue;
        const place = shards.elsewhere(stored.orgId);
        if (!place) continue;
        const detail = OrgShards.misdirectedDetail(stored.orgId, place);
        this.elsewhereIds?.add(canonicalId(d.id));
        this.elsewhereUsers.set(d.id, detail);
        if (stored.username && stored.passwordHash && !stored.disabled) this.elsewhereLogins.set(stored.username, { passwordHash: stored.passwordHash, detail });
      }
      // Only keys of people held elsewhere: this node's own are all in the map already.
      for (const d of await this.store.listDocuments('apikey')) {
        const key = d.body as ApiKeyRecord;
        if (!this.keys.has(d.id) && this.elsewhereUsers.has(key.userId)) this.keys.set(d.id, key);
      }
    })().catch(() => undefined);
    return this.learning;
  }

  /** A genuine credential of another shard's user: 421 naming the shard (ADR 0066); nothing for anyone else. */
  private sendElsewhere(userId: string): void {
    const detail = this.elsewhereUsers.get(userId);
    if (detail !== undefined) fail('MISDIRECTED_REQUEST', detail);
  }

  private issuePair(user: UserRecord): { accessToken: string; refreshToken: string; expiresIn: number; user: PublicUser } {
    const access = this.tokens.issue(user.id, 'access', user.tokenVersion);
    const refresh = this.tokens.issue(user.id, 'refresh', user.tokenVersion);
    return { accessToken: access.token, refreshToken: refresh.token, expiresIn: Math.round(ACCESS_TTL_MS / 1000), user: toPublic(user) };
  }
}

/** The shortest time between two reads of other shards' people from the store (learnOtherShards). */
const LEARN_INTERVAL_MS = 2_000;

/** The fingerprint of a removed config user's document: no config entry has it. */
const REMOVED_FROM_CONFIG = 'removed';
/** Store documents that reserve a user's id (its 15-character form) and username, made with the user (claimDocument). */
const USER_ID_CLAIM = 'user-id-claim';
const LOGIN_CLAIM = 'login-claim';

/**
 * Whether tokens issued to `before` must stop working for `after`: another password, role,
 * org or disabled state (a change of name, skills or capacity leaves the user signed in).
 */
function signsOut(before: UserRecord, after: UserRecord): boolean {
  return before.passwordHash !== after.passwordHash || before.role !== after.role || before.orgId !== after.orgId || before.disabled !== after.disabled;
}

/** What identifies a config entry's content: any change to it (or a move to another org) changes this. */
function configFingerprint(orgId: string, a: AgentConfig): string {
  return sha256(JSON.stringify([orgId, a.id, a.name, a.username ?? null, a.password ?? null, a.role, a.skills, a.capacity, a.bot ?? null]));
}

/**
 * A user as the API shows it. Its source is read from the record's config fingerprint, which
 * every config user's record carries (and keeps through changes made with the admin API and
 * restarts) and no user made through the admin API has.
 */
export function toPublic(u: UserRecord): PublicUser {
  return {
    id: u.id, orgId: u.orgId, name: u.name, username: u.username, role: u.role, skills: u.skills, capacity: u.capacity, disabled: u.disabled,
    source: u.configFingerprint ? 'config' : 'api',
  };
}
