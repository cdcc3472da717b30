/**
 * Names people read or type (a user's display name and username, an API key's name, a skill):
 * trimmed, never blank.
 * The request schemas bound their length; they cannot say "not only spaces" in a way a
 * caller reads (a pattern error names a regex), so this says it in words. Pure.
 */
import { fail } from './errors.js';

/** The longest user display name (CreateUserRequest, UpdateUserRequest; the console says the same). */
export const MAX_USER_NAME_LENGTH = 256;
/** The longest API key name (CreateApiKeyRequest). */
export const MAX_API_KEY_NAME_LENGTH = 128;
/** The longest username (CreateUserRequest). */
export const MAX_USERNAME_LENGTH = 256;
/** The longest skill (CreateUserRequest, UpdateUserRequest). */
export const MAX_SKILL_LENGTH = 128;

/**
 * `value` without leading and trailing white space; 400 BODY_INVALID naming `field` when
 * nothing is left or it is longer than `maxLength`. A name of spaces shows as an empty row
 * in every list, and one with stray spaces sorts and reads apart from its twin.
 */
export function trimmedName(field: string, value: string, maxLength: number): string {
  const name = value.trim();
  if (name === '') fail('BODY_INVALID', `${field} is blank: give a name with a letter or digit in it`);
  if (name.length > maxLength) fail('BODY_INVALID', `${field} is longer than ${maxLength} characters`);
  return name;
}

/**
 * The user name a login is for: trimmed, as every stored username is (trimmedName, the config
 * file's check), so " alice " signs in as alice. The failed-login limit keys on it too: a padded
 * guess counts against the same name, or padding would buy an attacker a fresh allowance.
 */
export function loginName(username: string): string {
  return username.trim();
}

/**
 * Each skill trimmed (400 BODY_INVALID naming `skills/<index>` when one is blank): a skill of
 * spaces matches no button, and " billing" would not match "billing", so the agent would
 * silently serve nothing it was meant to.
 */
export function trimmedSkills(skills: string[]): string[] {
  return skills.map((s, i) => trimmedName(`skills/${i}`, s, MAX_SKILL_LENGTH));
}

/**
 * Why a name in the config file is not one the API would take as it stands (blank, or with white
 * space around it), or null. The file is not rewritten: check-config names the entry to fix.
 */
export function untrimmedProblem(value: string): string | null {
  if (value.trim() === '') return 'is blank (only white space)';
  if (value.trim() !== value) return `${JSON.stringify(value)} has white space around it`;
  return null;
}
