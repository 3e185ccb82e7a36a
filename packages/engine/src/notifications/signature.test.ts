import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateWebhookSecret, signWebhookBody, verifyWebhookSignature } from './signature';

const secret = 'whsec_test';
const body = '{"type":"approval.requested","n":1}';
const t = 1_800_000_000;

describe('webhook signatures', () => {
  it('signs "<t>.<body>" with HMAC-SHA256 in hex', () => {
    const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
    expect(signWebhookBody(secret, body, t)).toBe(`t=${t},v1=${expected}`);
  });

  it('verifies its own signature, for a string or a Buffer body', () => {
    const header = signWebhookBody(secret, body, t);
    expect(verifyWebhookSignature(secret, header, body, 300, t)).toBe(true);
    expect(verifyWebhookSignature(secret, header, Buffer.from(body), 300, t + 300)).toBe(true);
  });

  it('refuses a tampered body, a wrong secret, a stale or future timestamp', () => {
    const header = signWebhookBody(secret, body, t);
    expect(verifyWebhookSignature(secret, header, body.replace('1', '2'), 300, t)).toBe(false);
    expect(verifyWebhookSignature('whsec_other', header, body, 300, t)).toBe(false);
    expect(verifyWebhookSignature(secret, header, body, 300, t + 301)).toBe(false);
    expect(verifyWebhookSignature(secret, header, body, 300, t - 301)).toBe(false);
  });

  it('refuses a timestamp changed after signing', () => {
    const header = signWebhookBody(secret, body, t).replace(`t=${t}`, `t=${t + 1}`);
    expect(verifyWebhookSignature(secret, header, body, 300, t)).toBe(false);
  });

  it.each([
    ['no header', undefined],
    ['an empty header', ''],
    ['no timestamp', `v1=${'a'.repeat(64)}`],
    ['no signature', `t=${t}`],
    ['a short signature', `t=${t},v1=abcd`],
    ['garbage', 'hello'],
  ])('refuses %s', (_label, header) => {
    expect(verifyWebhookSignature(secret, header, body, 300, t)).toBe(false);
  });

  it('accepts any matching v1 among several (secret rotation)', () => {
    const good = signWebhookBody(secret, body, t).split(',')[1]!;
    const header = `t=${t},v1=${'0'.repeat(64)},${good}`;
    expect(verifyWebhookSignature(secret, header, body, 300, t)).toBe(true);
  });

  it('generates distinct, long secrets', () => {
    const a = generateWebhookSecret();
    expect(a).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(generateWebhookSecret()).not.toBe(a);
  });
});
