import { describe, expect, it } from 'vitest';
import { redactSecrets } from './redact';

describe('redactSecrets', () => {
  it.each([
    ['token fdt_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcdefg used', 'token fdt_[redacted] used'],
    ['open /setup?token=fds_0123456789abcdefghijABCDEFGHIJ', 'open /setup?token=fds_[redacted]'],
    [
      'OpenAI said: bad key sk-proj-abcdefghijklmnop1234',
      'OpenAI said: bad key sk-proj-[redacted]',
    ],
    ['sk-ant-api03-abcdefghijklmnopqrstu', 'sk-ant-[redacted]'],
    ['Authorization: Bearer abc.def.ghi-123', 'Authorization: Bearer [redacted]'],
    ['postgresql://fd:hunter2hunter@db:5432/x', 'postgresql://fd:[redacted]@db:5432/x'],
    ['{"api_key": "s3cr3t-value"}', '{"api_key": "[redacted]"}'],
    ['password=letmein123&x=1', 'password=[redacted]&x=1'],
  ])('redacts %s', (input, expected) => {
    expect(redactSecrets(input)).toBe(expected);
  });

  it('redacts known values wherever they appear, and leaves ordinary text alone', () => {
    expect(redactSecrets('key is my-own-provider-key!', ['my-own-provider-key'])).toBe(
      'key is [redacted]!',
    );
    const plain = 'run 3f2a killed by ada@example.test: spend too high (sk = 3)';
    expect(redactSecrets(plain)).toBe(plain);
  });
});
