/**
 * What pg is given for a password apart from the URL (ADR 0040): pg reads a
 * connection string over its `password` option, so the password goes into the URL.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { withPassword } from './connection-url.js';

const PASSWORD = 'pa55 w@rd:/%41-apart';
const BARE_URL = 'postgres://switchboard@db:5432/switchboard';

describe('withPassword (what pg is given)', () => {
  it('puts the password in the URL so that pg reads back exactly its characters', () => {
    for (const password of [PASSWORD, 'ü€ \'"#?&=', '%zz%', 'x']) {
      const client = new pg.Client({ connectionString: withPassword(`${BARE_URL}?sslmode=disable&application_name=a%20b`, password) });
      expect(client.password, password).toBe(password);
      expect(client.user).toBe('switchboard');
      expect(client.database).toBe('switchboard');
    }
    expect(withPassword(BARE_URL, undefined)).toBe(BARE_URL);
  });
});
