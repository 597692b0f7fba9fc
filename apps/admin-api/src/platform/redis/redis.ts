import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';

const logger = new Logger('Redis');

export const REDIS = Symbol('Redis');

// null when REDIS_URL is unset: features then use their in-process alternative.
export type OptionalRedis = Redis | null;

export class RedisUnreachableError extends Error {
  override readonly name = 'RedisUnreachableError';
}

const CONNECT_TIMEOUT_MS = 5000;

// Connects and checks that Redis answers, so a wrong REDIS_URL stops the start with a clear
// sentence. Afterwards commands fail fast instead of queueing forever while Redis is down, so
// readiness and callers see an outage (ingest keeps working; jobs catch up when Redis returns).
export async function connectRedis(url: string): Promise<Redis> {
  const redis = new Redis(url, {
    maxRetriesPerRequest: 2,
    connectTimeout: CONNECT_TIMEOUT_MS,
    lazyConnect: true,
  });
  // ioredis reconnects by itself; without a listener each failed attempt is an "unhandled error".
  let lastError: Error | undefined;
  redis.on('error', (error: Error) => {
    if (lastError?.message !== error.message) logger.warn(`Redis: ${error.message}`);
    lastError = error;
  });
  try {
    await redis.connect();
    await redis.ping();
    return redis;
  } catch (error) {
    redis.disconnect();
    const { hostname, port } = new URL(url);
    throw new RedisUnreachableError(
      `cannot reach Redis at ${hostname}:${port || 6379} (REDIS_URL): ${(lastError ?? (error as Error)).message}`,
    );
  }
}
