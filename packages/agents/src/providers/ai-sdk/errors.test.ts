import { APICallError } from 'ai';
import { describe, expect, it } from 'vitest';
import { ModelCallError } from '../types';
import { sanitizeMessage, toModelCallError } from './errors';

const context = { label: 'OpenAI', secrets: ['sk-live-abcdefghijklmnop'] };

function apiError(statusCode: number | undefined, message: string) {
  return new APICallError({
    message,
    url: 'https://api.example.com/v1/responses?api_key=sk-live-abcdefghijklmnop',
    requestBodyValues: { secret: 'prompt' },
    statusCode,
    isRetryable: statusCode === undefined,
  });
}

describe('model call errors', () => {
  it('classifies by status: 400, 401, 403, 404 are final; 408, 409, 429, 5xx and network trouble are retryable', () => {
    const cases: Array<[number | undefined, boolean]> = [
      [400, false],
      [401, false],
      [403, false],
      [404, false],
      [408, true],
      [409, true],
      [429, true],
      [500, true],
      [503, true],
      [529, true],
      [undefined, true],
    ];
    for (const [status, retryable] of cases) {
      const error = toModelCallError(apiError(status, 'x'), context);
      expect(error).toBeInstanceOf(ModelCallError);
      expect([status, error.retryable]).toEqual([status, retryable]);
    }
  });

  it('keeps only the message: no URL, no request body, no stack', () => {
    const error = toModelCallError(apiError(500, 'boom'), context);
    expect(error.message).toBe('OpenAI answered HTTP 500: boom');
    expect(JSON.stringify({ ...error })).not.toContain('prompt');
  });

  it('treats anything unknown as a final failure, safely worded', () => {
    const error = toModelCallError(
      new TypeError('Cannot read properties of undefined\n    at parse (/srv/app/x.js:1:1)'),
      context,
    );
    expect(error).toMatchObject({
      retryable: false,
      message:
        'OpenAI call failed: Cannot read properties of undefined at parse (/srv/app/x.js:1:1)',
    });
  });
});

describe('sanitizeMessage', () => {
  it('redacts the configured key, key-shaped tokens and bearer tokens', () => {
    const text = sanitizeMessage(
      'bad key sk-live-abcdefghijklmnop, also sk-proj-****1234abcd and Authorization: Bearer abc.def and x-api-key: qwerty',
      context.secrets,
    );
    expect(text).toBe(
      'bad key [redacted], also [redacted] and Authorization: Bearer [redacted] and x-api-key: [redacted]',
    );
  });

  it('cuts the query, fragment and credentials from URLs', () => {
    expect(sanitizeMessage('see https://user:pw@host.example/v1/x?key=1#frag now', [])).toBe(
      'see https://host.example/v1/x now',
    );
  });

  it('is one line, bounded', () => {
    const text = sanitizeMessage(`a\n\nb ${'y'.repeat(2000)}`, []);
    expect(text.startsWith('a b y')).toBe(true);
    expect(text.length).toBeLessThanOrEqual(500);
  });
});
