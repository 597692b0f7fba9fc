import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyMigrations } from '../../apps/admin-api/src/platform/database/migrations';
// By path: Jest runs its global set-up outside the test runtime, without moduleNameMapper.
import { createTestDatabase } from '../../libs/testing/src/test-database';

// One migrated database and one Redis key prefix for the whole run, shared by every test file
// through the environment; each test makes its own data (its own organizations).
export default async function globalSetup(): Promise<void> {
  const database = await createTestDatabase();
  await applyMigrations(database.url);
  process.env.STEWARD_TEST_DATABASE = database.name;
  process.env.DATABASE_URL = database.url;
  process.env.REDIS_URL ??= 'redis://127.0.0.1:6379';
  process.env.STEWARD_QUEUE_PREFIX = `steward-test-${randomBytes(4).toString('hex')}`;
  // steward-agent writes Claude Code's managed files (/etc/claude-code on Linux): never the
  // machine's from a test. Tests that run Claude Code give it this folder in a mount namespace.
  process.env.STEWARD_CLAUDE_CODE_DIR = fs.mkdtempSync(
    path.join(os.tmpdir(), 'steward-claude-code-'),
  );
}
