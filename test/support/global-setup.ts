import { randomBytes } from 'node:crypto';
import { applyMigrations } from '../../apps/admin-api/src/platform/database/migrations';
import { createTestDatabase } from './test-database';

// One migrated database and one Redis key prefix for the whole run, shared by every test file
// through the environment; each test makes its own data (its own organizations).
export default async function globalSetup(): Promise<void> {
  const database = await createTestDatabase();
  await applyMigrations(database.url);
  process.env.STEWARD_TEST_DATABASE = database.name;
  process.env.DATABASE_URL = database.url;
  process.env.REDIS_URL ??= 'redis://127.0.0.1:6379';
  process.env.STEWARD_QUEUE_PREFIX = `steward-test-${randomBytes(4).toString('hex')}`;
}
