import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { BusUnavailableError, EventBus, InProcessEventBus, RedisEventBus } from './event-bus';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

function nextMessage(bus: EventBus, channel: string): Promise<string> {
  return new Promise((resolve) => {
    void bus.subscribe(channel, (message) => resolve(message));
  });
}

describe('event bus', () => {
  it('delivers in-process', async () => {
    const bus = new InProcessEventBus();
    const received = nextMessage(bus, 'c');
    await bus.publish('c', 'hello');
    expect(await received).toBe('hello');
  });

  it('delivers across two processes’ buses through Redis, and stops after unsubscribe', async () => {
    const prefix = `steward-bus-spec-${randomBytes(4).toString('hex')}`;
    // Connected before use, as connectRedis does for the API: a bus refuses to publish on a
    // connection that is not ready yet (under load the publisher was still connecting here).
    const a = new Redis(REDIS_URL, { lazyConnect: true });
    const b = new Redis(REDIS_URL, { lazyConnect: true });
    await Promise.all([a.connect(), b.connect()]);
    const publisher = new RedisEventBus(a, prefix);
    const subscriber = new RedisEventBus(b, prefix);
    try {
      const got: string[] = [];
      const unsubscribe = await subscriber.subscribe('bundles', (message) => got.push(message));
      const second = nextMessage(subscriber, 'bundles');
      await publisher.publish('bundles', 'v2');
      expect(await second).toBe('v2');
      expect(got).toEqual(['v2']);
      // The publishing process's own listener has the message when publish resolves, and only
      // once: its echo from Redis is not delivered again.
      const own: string[] = [];
      await publisher.subscribe('bundles', (message) => own.push(message));
      const echoed = nextMessage(subscriber, 'bundles');
      await publisher.publish('bundles', 'mine');
      expect(own).toEqual(['mine']);
      expect(await echoed).toBe('mine');
      // Redis delivers in publish order, so once the other process's later message has arrived,
      // the echo of 'mine' has too.
      const pong = nextMessage(publisher, 'bundles');
      await subscriber.publish('bundles', 'pong');
      expect(await pong).toBe('pong');
      expect(own).toEqual(['mine', 'pong']);
      expect(got).toEqual(['v2', 'mine', 'pong']);
      unsubscribe();
      // Another deployment sharing the Redis (another prefix) never sees these messages.
      const otherConnection = a.duplicate();
      const other = new RedisEventBus(otherConnection, `${prefix}-other`);
      const otherGot: string[] = [];
      await other.subscribe('bundles', (message) => otherGot.push(message));
      const third = nextMessage(subscriber, 'bundles');
      await publisher.publish('bundles', 'v3');
      expect(await third).toBe('v3');
      expect(got).toEqual(['v2', 'mine', 'pong']);
      expect(otherGot).toEqual([]);
      await other.close();
      otherConnection.disconnect();
    } finally {
      await publisher.close();
      await subscriber.close();
      a.disconnect();
      b.disconnect();
    }
  });

  it('delivers to its own process while Redis is unreachable, and says the others were not told', async () => {
    // Nothing listens on port 1: the connection never becomes ready.
    const unreachable = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    const bus = new RedisEventBus(unreachable, 'steward-bus-spec-down');
    try {
      const own: string[] = [];
      bus.subscribe('bundles', (message) => own.push(message)).catch(() => undefined);
      await expect(bus.publish('bundles', 'v9')).rejects.toBeInstanceOf(BusUnavailableError);
      expect(own).toEqual(['v9']);
      expect(bus.live()).toBe(false);
    } finally {
      await bus.close();
      unreachable.disconnect();
    }
  });
});
