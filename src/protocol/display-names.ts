/**
 * Names people read (a user's display name, an API key's name): trimmed, never blank.
 * The request schemas bound their length; they cannot say "not only spaces" in a way a
 * caller reads (a pattern error names a regex), so this says it in words. Pure.
 */
import { fail } from './errors.js';

/** The longest user display name (CreateUserRequest, UpdateUserRequest; the console says the same). */
export const MAX_USER_NAME_LENGTH = 256;
/** The longest API key name (CreateApiKeyRequest). */
export const MAX_API_KEY_NAME_LENGTH = 128;

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
