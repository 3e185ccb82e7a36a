import { createTestDatabase, type TestDatabase } from '@flightdeck/testing';
import { migrate } from './migrations/migrator';

/**
 * For integration tests of this and later packages: a fresh database on the
 * local test server with every migration applied. Drop it in afterAll.
 */
export async function createMigratedTestDatabase(label: string): Promise<TestDatabase> {
  const database = await createTestDatabase(label);
  try {
    await migrate(database.url);
  } catch (error) {
    await database.drop();
    throw error;
  }
  return database;
}
