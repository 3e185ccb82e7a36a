export {
  createTestDatabase,
  testDatabaseName,
  TEST_DATABASE_PREFIX,
  type TestDatabase,
} from './database';
export { deleteRedisKeys, redisUrl, uniqueRedisPrefix } from './redis';
