import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { secretKey, secretProblem, signWebhook } from './webhook-signature.js';

describe('Standard Webhooks signature', () => {
  it('matches the vector of the Standard Webhooks JavaScript library ("sign function works")', () => {
    // libraries/javascript/src/webhook.test.ts in github.com/standard-webhooks/standard-webhooks.
    const key = secretKey('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
    expect(signWebhook(key, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}')).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('takes the secret with or without its whsec_ prefix, keyed by the decoded bytes', () => {
    const raw = 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    expect(secretKey(raw)).toEqual(secretKey(`whsec_${raw}`));
    expect(secretKey(raw)).toHaveLength(24);
    const mac = createHmac('sha256', Buffer.from(raw, 'base64')).update('i.1.{}').digest('base64');
    expect(signWebhook(secretKey(raw), 'i', 1, '{}')).toBe(`v1,${mac}`);
    // Any change to the id, the timestamp or the body changes the signature.
    expect(signWebhook(secretKey(raw), 'j', 1, '{}')).not.toBe(`v1,${mac}`);
    expect(signWebhook(secretKey(raw), 'i', 2, '{}')).not.toBe(`v1,${mac}`);
    expect(signWebhook(secretKey(raw), 'i', 1, '{ }')).not.toBe(`v1,${mac}`);
  });

  it('refuses secrets that are not base64 of 24 to 64 bytes, saying how to make one', () => {
    expect(secretProblem('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')).toBeNull();
    expect(secretProblem(`whsec_${Buffer.alloc(64, 7).toString('base64')}`)).toBeNull();
    expect(secretProblem('whsec_c2hvcnQ=')).toMatch(/holds 5 bytes, fewer than 24.*openssl rand -base64 32/);
    expect(secretProblem(`whsec_${Buffer.alloc(65).toString('base64')}`)).toMatch(/65 bytes, more than 64/);
    expect(secretProblem('a plain password of some length!!')).toMatch(/is not whsec_ and base64/);
    expect(secretProblem('whsec_')).toMatch(/is not whsec_ and base64/);
  });
});
