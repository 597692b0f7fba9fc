import { Redis } from 'ioredis';

export const REDIS = Symbol('Redis');

// null when REDIS_URL is unset: features then use their in-process alternative.
export type OptionalRedis = Redis | null;

export function connectRedis(url: string): Redis {
  // Fail commands fast instead of queueing them forever while Redis is down, so readiness and
  // callers see the outage (ingest keeps working; jobs catch up when Redis returns).
  return new Redis(url, { maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: false });
}
