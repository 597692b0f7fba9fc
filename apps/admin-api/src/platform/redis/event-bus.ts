import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';

export type Listener = (message: string) => void;

// Fan-out between processes: a change made on one API replica wakes long-polls held by every
// other. Redis pub/sub in production; an in-memory emitter when Steward runs as one process.
export interface EventBus {
  publish(channel: string, message: string): Promise<void>;
  // Returns the unsubscribe function.
  subscribe(channel: string, listener: Listener): Promise<() => void>;
  close(): Promise<void>;
}

export const EVENT_BUS = Symbol('EventBus');

export class InProcessEventBus implements EventBus {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  async publish(channel: string, message: string): Promise<void> {
    this.emitter.emit(channel, message);
  }

  async subscribe(channel: string, listener: Listener): Promise<() => void> {
    this.emitter.on(channel, listener);
    return () => this.emitter.off(channel, listener);
  }

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}

export class RedisEventBus implements EventBus {
  private readonly local = new EventEmitter().setMaxListeners(0);
  private readonly subscriber: Redis;

  constructor(
    private readonly publisher: Redis,
    private readonly prefix: string,
  ) {
    // A connection in subscriber mode can do nothing else, so it is a separate one; one Redis
    // subscription per channel however many local listeners wait on it.
    this.subscriber = publisher.duplicate();
    this.subscriber.on('message', (channel: string, message: string) =>
      this.local.emit(channel.slice(this.prefix.length + 1), message),
    );
  }

  async publish(channel: string, message: string): Promise<void> {
    await this.publisher.publish(`${this.prefix}:${channel}`, message);
  }

  async subscribe(channel: string, listener: Listener): Promise<() => void> {
    if (this.local.listenerCount(channel) === 0) {
      await this.subscriber.subscribe(`${this.prefix}:${channel}`);
    }
    this.local.on(channel, listener);
    return () => {
      this.local.off(channel, listener);
      if (this.local.listenerCount(channel) === 0) {
        void this.subscriber.unsubscribe(`${this.prefix}:${channel}`).catch(() => undefined);
      }
    };
  }

  async close(): Promise<void> {
    this.local.removeAllListeners();
    this.subscriber.disconnect();
  }
}
