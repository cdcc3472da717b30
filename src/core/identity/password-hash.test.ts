/**
 * Stored passwords: hashes made here verify; a scrypt hash made elsewhere with
 * another key length (Node's scryptSync(pw, salt, 64)) verifies at its own
 * length; malformed ones are named by passwordHashProblem (check-config).
 */
import { randomBytes, scryptSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashPassword, passwordHashProblem, verifyPassword } from './password-hash.js';

describe('password hashes', () => {
  it('verifies its own hashes, and refuses the wrong password', async () => {
    const h = await hashPassword('correct horse', 1024);
    expect(passwordHashProblem(h)).toBeNull();
    expect(await verifyPassword('correct horse', h)).toBe(true);
    expect(await verifyPassword('correct horsf', h)).toBe(false);
  });

  it('verifies a 64-byte scrypt key made elsewhere, at its own length', async () => {
    const salt = randomBytes(16);
    const key = scryptSync('root pw', salt, 64, { N: 1024, r: 8, p: 1 });
    const stored = `scrypt$1024$8$1$${salt.toString('base64')}$${key.toString('base64')}`;
    expect(passwordHashProblem(stored)).toBeNull();
    expect(await verifyPassword('root pw', stored)).toBe(true);
    expect(await verifyPassword('root px', stored)).toBe(false);
  });

  it('names what is wrong with a malformed one', () => {
    const salt = randomBytes(16).toString('base64');
    const key = randomBytes(32).toString('base64');
    expect(passwordHashProblem('hunter2')).toMatch(/hash-password/);
    expect(passwordHashProblem(`scrypt$1000$8$1$${salt}$${key}`)).toMatch(/power of two/);
    expect(passwordHashProblem(`scrypt$1024$8$1$${salt}$${randomBytes(8).toString('base64')}`)).toMatch(/16–64 bytes/);
    expect(passwordHashProblem('plain:')).toMatch(/empty/);
    expect(passwordHashProblem('plain:demo')).toBeNull();
  });
});
