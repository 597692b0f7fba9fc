import fs from 'node:fs';
import { Redis } from 'ioredis';
// By path: Jest runs its global set-up outside the test runtime, without moduleNameMapper.
import { dropTestDatabase } from '../../libs/testing/src/test-database';

export default async function globalTeardown(): Promise<void> {
  if (process.env.STEWARD_TEST_DATABASE) await dropTestDatabase(process.env.STEWARD_TEST_DATABASE);
  if (process.env.STEWARD_CLAUDE_CODE_DIR) {
    fs.rmSync(process.env.STEWARD_CLAUDE_CODE_DIR, { recursive: true, force: true });
  }
  const prefix = process.env.STEWARD_QUEUE_PREFIX;
  if (prefix && process.env.REDIS_URL) {
    const redis = new Redis(process.env.REDIS_URL);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  }
}
