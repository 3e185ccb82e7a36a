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
    expect(env.FLIGHTDECK_AUDIT_CHECKPOINT).toMatch(/\/\.flightdeck\/audit\/flightdeck\.jsonl$/);
  });

  it('keeps one audit checkpoint file per database unless told otherwise', () => {
    const other = parseEnv({ DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/fd_other' });
    expect(other.FLIGHTDECK_AUDIT_CHECKPOINT).toMatch(/\/\.flightdeck\/audit\/fd_other\.jsonl$/);
    const set = parseEnv({ FLIGHTDECK_AUDIT_CHECKPOINT: '/var/lib/flightdeck/audit.jsonl' });
    expect(set.FLIGHTDECK_AUDIT_CHECKPOINT).toBe('/var/lib/flightdeck/audit.jsonl');
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

  it('never echoes a secret or URL credentials in a configuration error', () => {
    const secret = 'CANARY-too-short';
    let message = '';
    try {
      parseEnv({
        FLIGHTDECK_AUTH_SECRET: secret,
        DATABASE_URL: 'mysql://postgres:hunter2-canary@127.0.0.1/fd',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'ftp://user:otel-canary@collector',
      });
    } catch (e) {
      message = (e as EnvError).message;
    }
    expect(message).toMatch(/FLIGHTDECK_AUTH_SECRET should be .* \(got a hidden value\)/);
    expect(message).toMatch(
      /DATABASE_URL should be .* \(got "mysql:\/\/\*\*\*@127\.0\.0\.1\/fd"\)/,
    );
    expect(message).toMatch(
      /OTEL_EXPORTER_OTLP_ENDPOINT should be .* \(got "ftp:\/\/\*\*\*@collector"\)/,
    );
    expect(message).not.toMatch(/CANARY|hunter2|otel-canary/);
  });

  it('rejects a port out of range', () => {
    expect(() => parseEnv({ PORT: '70000' })).toThrow(
      /PORT should be a TCP port between 1 and 65535/,
    );
  });
});
