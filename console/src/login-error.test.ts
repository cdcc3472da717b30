import { describe, expect, it } from 'vitest';
import { loginError } from './login-error.ts';

describe('login error text', () => {
  it('sends a person of another shard\'s organization to its address (ADR 0066), or says whom to ask', () => {
    const misdirected = (body: string) => ({ status: 421, body });
    expect(loginError(misdirected('Misdirected Request: organization 00D000000000002 is served by shard b at https://la-b.example.com')))
      .toBe('Your organization is served at https://la-b.example.com. Log in there.');
    expect(loginError(misdirected('Misdirected Request: organization 00D000000000002 is served by shard b')))
      .toBe('Your organization is served by another part of this cluster (shard b). Ask your administrator for its address.');
    expect(loginError({ status: 401, body: '' })).toBe('Wrong username or password.');
  });
});
