import { describe, expect, it } from 'vitest';
import { EnvError, parseEnv } from './env';

describe('the web env', () => {
  it('has working defaults', () => {
    const env = parseEnv({});
    expect(env).toMatchObject({
      DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/flightdeck',
      REDIS_URL: 'redis://127.0.0.1:6379',
      HOST: '127.0.0.1',
      PORT: 3000,
      FLIGHTDECK_QUEUE_PREFIX: '{fd}',
      NODE_ENV: 'development',
    });
    expect(env.FLIGHTDECK_WORKSPACE_ROOT).toMatch(/\.flightdeck\/workspaces$/);
  });

  it('treats empty values as unset', () => {
    expect(parseEnv({ PORT: '' }).PORT).toBe(3000);
  });

  it('names each bad variable and what it should be', () => {
    let error: unknown;
    try {
      parseEnv({ PORT: 'eighty', REDIS_URL: 'localhost:6379', DATABASE_URL: 'mysql://x' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EnvError);
    const message = (error as EnvError).message;
    expect(message).toMatch(/PORT should be .*port.* \(got "eighty"\)/);
    expect(message).toMatch(/REDIS_URL should be a redis:\/\/ or rediss:\/\/ URL/);
    expect(message).toMatch(/DATABASE_URL should be a postgresql:\/\/ or postgres:\/\/ URL/);
  });

  it('rejects a port out of range', () => {
    expect(() => parseEnv({ PORT: '70000' })).toThrow(
      /PORT should be a TCP port between 1 and 65535/,
    );
  });
});
