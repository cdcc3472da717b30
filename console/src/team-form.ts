/**
 * The Team view's rules for what an admin types, and its words for what the
 * server answers: pure functions (no DOM, no port), so they are unit-tested.
 * The limits are the server's (CreateUserRequest, UpdateUserRequest in
 * src/protocol/agent-api-types.ts): checked here first so the admin learns
 * them beside the field, not from a 400.
 */
import type { PublicUser, Role, UpdateUserInput, UserSource } from './wire-types.ts';

export const ROLES: readonly Role[] = ['agent', 'supervisor', 'admin'];
export const MIN_PASSWORD = 8;
export const MAX_CAPACITY = 1000;

/** A field's problem, to show beside it. */
export interface FieldError {
  field: 'name' | 'username' | 'password' | 'skills' | 'capacity';
  message: string;
}

/** "billing, support ,, sales" → ['billing', 'support', 'sales']: trimmed, empties and repeats dropped. */
export function parseSkills(text: string): string[] {
  return [...new Set(text.split(',').map((s) => s.trim()).filter(Boolean))];
}

/** A capacity box's value, or a message: a whole number from 0 (no limit, for bots) to 1000. */
export function parseCapacity(text: string): number | string {
  const value = Number(text.trim());
  if (text.trim() === '' || !Number.isInteger(value) || value < 0 || value > MAX_CAPACITY) return `Capacity is a whole number from 0 to ${MAX_CAPACITY} (0: no limit)`;
  return value;
}

function skillErrors(skills: string[]): FieldError[] {
  if (skills.length > 100) return [{ field: 'skills', message: 'At most 100 skills' }];
  if (skills.some((s) => s.length > 128)) return [{ field: 'skills', message: 'A skill is at most 128 characters' }];
  return [];
}

/** What is wrong with a new person's fields (none: they can be sent). */
export function newPersonErrors(f: { name: string; username: string; password: string; skills: string; capacity: string }): FieldError[] {
  const errors: FieldError[] = [];
  if (!f.name.trim()) errors.push({ field: 'name', message: 'Enter a name' });
  else if (f.name.trim().length > 256) errors.push({ field: 'name', message: 'A name is at most 256 characters' });
  if (!f.username.trim()) errors.push({ field: 'username', message: 'Enter a username: it is what the person logs in with' });
  else if (f.username.trim().length > 256) errors.push({ field: 'username', message: 'A username is at most 256 characters' });
  errors.push(...passwordErrors(f.password));
  errors.push(...skillErrors(parseSkills(f.skills)));
  const capacity = parseCapacity(f.capacity);
  if (typeof capacity === 'string') errors.push({ field: 'capacity', message: capacity });
  return errors;
}

/** What is wrong with changed skills and capacity. */
export function changeErrors(f: { skills: string; capacity: string }): FieldError[] {
  const capacity = parseCapacity(f.capacity);
  return [...skillErrors(parseSkills(f.skills)), ...(typeof capacity === 'string' ? [{ field: 'capacity' as const, message: capacity }] : [])];
}

/**
 * The settings form's change: only the fields that differ from what the server last answered.
 * A field sent unchanged is not "no change" to the server: a `capacity` in a PATCH replaces the
 * capacity the agent set for themselves in their console (docs/agent-api.md, presence), so new
 * skills alone must not send it.
 */
export function settingsPatch(user: Pick<PublicUser, 'role' | 'skills' | 'capacity'>, wanted: { role: Role; skills: string[]; capacity: number }): UpdateUserInput {
  const patch: UpdateUserInput = {};
  if (wanted.role !== user.role) patch.role = wanted.role;
  if (wanted.skills.length !== user.skills.length || wanted.skills.some((s, i) => s !== user.skills[i])) patch.skills = wanted.skills;
  if (wanted.capacity !== user.capacity) patch.capacity = wanted.capacity;
  return patch;
}

export function passwordErrors(password: string): FieldError[] {
  if (password.length < MIN_PASSWORD) return [{ field: 'password', message: `A password has at least ${MIN_PASSWORD} characters` }];
  if (password.length > 1024) return [{ field: 'password', message: 'A password is at most 1024 characters' }];
  return [];
}

/** Where a person is defined, as the people table's "Defined in" column says it. */
export function sourceLabel(source: UserSource): string {
  return source === 'config' ? 'Config file' : 'Admin API';
}

/**
 * What the editor of a config user says before any change (ADR 0024): the admin API's changes
 * hold only until the person's entry in the file changes. A person made through the admin API
 * has no entry, so its editor says nothing about the file.
 */
export function configFileNote(source: UserSource): string | undefined {
  if (source !== 'config') return undefined;
  return `This person is in the server's config file: these changes hold until their entry in the file changes; the file then wins at the next start, disabled included.`;
}

/** The catalogue's body texts (docs/errors.md) this view tells apart. */
const LAST_ADMIN = 'Would leave the organization without an enabled admin';
/** In LAST_ADMIN's detail when the org has other enabled admins nobody can sign in as. */
const LAST_USABLE_ADMIN = 'no other enabled admin of its org can sign in';
/** In LAST_ADMIN's detail for revoking the last admin API key anyone can sign in with. */
const LAST_ADMIN_KEY = 'is the last way to sign in as an admin';

/**
 * A refused admin call in words an admin can act on. `who` names the person the call was about
 * (`self`: the admin using the console).
 * The server's own text follows where it says more (a taken username, the field a 400 names).
 */
export function adminErrorText(err: unknown, who = 'this person', self = false): string {
  const e = err as { status?: unknown; body?: unknown } | null;
  const status = typeof e?.status === 'number' ? e.status : undefined;
  const body = typeof e?.body === 'string' ? e.body : '';
  if (status === 409 && body.startsWith(LAST_ADMIN)) {
    if (body.includes(LAST_ADMIN_KEY)) {
      return "Not revoked: this key is the last way anyone can sign in as an admin of the organization. Make another admin API key (or give the admin a username and password) first, then revoke this one.";
    }
    // Other enabled admins exist, but nobody can sign in as them (no password, no admin API key): the detail names them.
    if (body.includes(LAST_USABLE_ADMIN)) {
      const others = body.slice(body.indexOf('(') + 1, body.lastIndexOf(')'));
      return `Not changed: ${self ? 'you are' : `${who} is`} the organization's only admin anyone can sign in as (${others}). Give another admin a username and password or an admin API key, or make another person admin first.`;
    }
    return self
      ? "Not changed: you are the organization's only enabled admin. Make another person admin first."
      : `Not changed: ${who} is the organization's only enabled admin. Make another person admin first, then change ${who}.`;
  }
  const detail = body.includes(': ') ? body.slice(body.indexOf(': ') + 2) : body;
  if (status === 409) return `Not saved: ${detail || 'it conflicts with what the server has'}.`;
  if (status === 400) return `The server refused it: ${detail || 'invalid input'}.`;
  if (status === 403) return 'Only admins can do this (your role may have changed: log in again).';
  if (status === 404) return `Not found: ${detail || 'it may have been removed'}. Refresh the list.`;
  if (status !== undefined && status >= 500) return 'The server had a problem. Try again in a moment.';
  if (status !== undefined) return `Failed (${status}${detail ? `: ${detail}` : ''}).`;
  return 'Cannot reach the server. Check your connection and try again.';
}
