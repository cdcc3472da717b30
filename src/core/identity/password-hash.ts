/**
 * Password hashing with scrypt (node:crypto). Stored form:
 * `scrypt$N$r$p$<salt base64>$<hash base64>`. `plain:<secret>` is accepted for
 * demo configs only and is logged as a warning at start-up.
 */
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** Key length of hashes made here; a stored hash of another length (16–64 bytes) is verified at its own. */
const KEY_LENGTH = 32;
const MIN_KEY_LENGTH = 16;
const MAX_KEY_LENGTH = 64;

function scrypt(password: string, salt: Buffer, keyLength: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCb(password, salt, keyLength, opts, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/**
 * Why a stored password is not usable, or null when it is: `plain:<secret>`, or
 * `scrypt$N$r$p$<salt base64>$<key base64>` with N a power of two, a salt and a
 * key of 16–64 bytes (check-config reports these instead of every login failing).
 */
export function passwordHashProblem(stored: string): string | null {
  if (stored.startsWith('plain:')) return stored.length > 'plain:'.length ? null : 'empty plain: password';
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return 'not plain:<secret> nor scrypt$N$r$p$salt$key (make one with `switchboard hash-password`)';
  const [, n, r, p, salt, key] = parts as [string, string, string, string, string, string];
  const N = Number(n);
  if (!Number.isInteger(N) || N < 2 || (N & (N - 1)) !== 0) return `scrypt N must be a power of two, not ${n}`;
  if (!(Number(r) >= 1 && Number(p) >= 1)) return 'scrypt r and p must be positive integers';
  if (Buffer.from(salt, 'base64').length < 8) return 'scrypt salt too short (base64, at least 8 bytes)';
  const keyBytes = Buffer.from(key, 'base64').length;
  if (keyBytes < MIN_KEY_LENGTH || keyBytes > MAX_KEY_LENGTH) return `scrypt key must be ${MIN_KEY_LENGTH}–${MAX_KEY_LENGTH} bytes (base64), not ${keyBytes}`;
  return null;
}

export async function hashPassword(password: string, cost = 16384): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, KEY_LENGTH, { N: cost, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
  return `scrypt$${cost}$8$1$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if (stored.startsWith('plain:')) {
    const a = Buffer.from(password);
    const b = Buffer.from(stored.slice('plain:'.length));
    return a.length === b.length && timingSafeEqual(a, b);
  }
  if (passwordHashProblem(stored) !== null) return false;
  const [, n, r, p, saltB64, hashB64] = stored.split('$') as [string, string, string, string, string, string];
  const expected = Buffer.from(hashB64, 'base64');
  // Derived at the stored key's length: a hash made elsewhere with a 64-byte key verifies too.
  const key = await scrypt(password, Buffer.from(saltB64, 'base64'), expected.length, { N: Number(n), r: Number(r), p: Number(p), maxmem: 64 * 1024 * 1024 });
  return key.length === expected.length && timingSafeEqual(key, expected);
}
