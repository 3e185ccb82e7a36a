/**
 * Where tests find their servers; the only file of this package that reads
 * process.env. Test databases are created on TEST_DATABASE_URL's server (the
 * URL names a database that exists, normally `postgres`, from which the
 * per-test databases are created and dropped). REDIS_URL is the Redis tests
 * use, each under its own key prefix.
 */
export interface TestEnv {
  testDatabaseUrl: string;
  redisUrl: string;
}

const DEFAULT_TEST_DATABASE_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';
const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

let cached: TestEnv | undefined;

export function testEnv(): TestEnv {
  cached ??= {
    testDatabaseUrl: urlVariable('TEST_DATABASE_URL', DEFAULT_TEST_DATABASE_URL, [
      'postgres:',
      'postgresql:',
    ]),
    redisUrl: urlVariable('REDIS_URL', DEFAULT_REDIS_URL, ['redis:', 'rediss:']),
  };
  return cached;
}

function urlVariable(name: string, fallback: string, protocols: readonly string[]): string {
  const value = process.env[name]?.trim() || fallback;
  let protocol: string;
  try {
    protocol = new URL(value).protocol;
  } catch {
    throw new Error(`${name} is not a URL; expected e.g. ${fallback}`);
  }
  if (!protocols.includes(protocol)) {
    throw new Error(`${name} must be a ${protocols.join(' or ')}// URL, e.g. ${fallback}`);
  }
  return value;
}
