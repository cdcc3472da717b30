/**
 * Bearer tokens signed with HMAC-SHA256: short-lived access tokens and longer
 * refresh tokens. Stateless, except a per-user `tokenVersion` that logout and
 * password changes bump to revoke everything issued before.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../ports/clock.js';

export interface TokenClaims {
  sub: string;
  typ: 'access' | 'refresh';
  /** Expiry, ms since epoch. */
  exp: number;
  /** The user's token version when issued. */
  ver: number;
}

export const ACCESS_TTL_MS = 15 * 60 * 1000;
export const REFRESH_TTL_MS = 7 * 24 * 60 * 60 * 1000;

export class TokenService {
  constructor(
    private readonly secret: Buffer,
    private readonly clock: Clock,
  ) {}

  issue(sub: string, typ: TokenClaims['typ'], ver: number, ttlMs?: number): { token: string; expiresAt: number } {
    const exp = this.clock.now() + (ttlMs ?? (typ === 'access' ? ACCESS_TTL_MS : REFRESH_TTL_MS));
    const payload = Buffer.from(JSON.stringify({ sub, typ, exp, ver } satisfies TokenClaims)).toString('base64url');
    return { token: `sb1.${payload}.${this.sign(payload)}`, expiresAt: exp };
  }

  /** Tokens already verified (each request of an agent carries the same one). */
  private readonly verified = new Map<string, TokenClaims>();

  /** The claims of a valid, unexpired token of the given type; null otherwise. */
  verify(token: string, typ: TokenClaims['typ']): TokenClaims | null {
    const cached = this.verified.get(token);
    if (cached) return cached.typ === typ && cached.exp > this.clock.now() ? cached : null;
    const claims = this.verifyUncached(token, typ);
    if (claims) {
      if (this.verified.size >= 10_000) this.verified.clear();
      this.verified.set(token, claims);
    }
    return claims;
  }

  private verifyUncached(token: string, typ: TokenClaims['typ']): TokenClaims | null {
    const parts = token.split('.');
    if (parts.length !== 3 || parts[0] !== 'sb1') return null;
    const [, payload, sig] = parts as [string, string, string];
    const expected = Buffer.from(this.sign(payload));
    const given = Buffer.from(sig);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
    let claims: TokenClaims;
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as TokenClaims;
    } catch {
      return null;
    }
    if (claims.typ !== typ || typeof claims.sub !== 'string' || !(claims.exp > this.clock.now())) return null;
    return claims;
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.secret).update(payload).digest('base64url');
  }
}
