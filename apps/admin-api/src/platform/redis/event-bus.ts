import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';

export type Listener = (message: string) => void;

// Fan-out between processes: a change made on one API replica wakes long-polls held by every
// other. Redis pub/sub in production; an in-memory emitter when Steward runs as one process.
// Messages are hints, never the only record of anything: while the bus is not live (Redis away,
// or just back and resubscribing) messages are lost, and listeners poll the database instead.
export interface EventBus {
  // This process's own listeners have the message when it returns, whatever Redis's state (a
  // change is visible at once on the replica that made it); other processes' soon after, or never
  // when Redis is unreachable: then it fails at once (BusUnavailableError), after the local delivery.
  publish(channel: string, message: string): Promise<void>;
  // Returns the unsubscribe function.
  subscribe(channel: string, listener: Listener): Promise<() => void>;
  live(): boolean;
  // Called whenever live() changes; returns the unsubscribe function.
  onLiveChange(listener: (live: boolean) => void): () => void;
  close(): Promise<void>;
}

export class BusUnavailableError extends Error {
  override readonly name = 'BusUnavailableError';
}

// After Redis returns, the bus counts as live only once its subscriptions are surely restored, so
// a message published in between is covered by the pollers' last fast round.
const RESUME_GRACE_MS = 1000;

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

  live(): boolean {
    return true;
  }

  onLiveChange(): () => void {
    return () => undefined;
  }

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}

export class RedisEventBus implements EventBus {
  private readonly local = new EventEmitter().setMaxListeners(0);
  // Marks this bus's messages on the wire: they are delivered locally when published, so their
  // echo from Redis is dropped.
  private readonly origin = randomUUID();
  private readonly subscriber: Redis;
  private isLive = false;
  private grace?: NodeJS.Timeout;
  private readonly liveListeners = new Set<(live: boolean) => void>();

  constructor(
    private readonly publisher: Redis,
    private readonly prefix: string,
  ) {
    // A connection in subscriber mode can do nothing else, so it is a separate one; one Redis
    // subscription per channel however many local listeners wait on it.
    this.subscriber = publisher.duplicate();
    this.subscriber.on('message', (channel: string, wire: string) => {
      const separator = wire.indexOf(' ');
      if (wire.slice(0, separator) === this.origin) return;
      this.local.emit(channel.slice(this.prefix.length + 1), wire.slice(separator + 1));
    });
    // ioredis reconnects by itself (and resubscribes); the outage is the pollers' to cover.
    this.subscriber.on('error', () => undefined);
    for (const connection of [publisher, this.subscriber]) {
      for (const event of ['ready', 'close', 'reconnecting', 'end']) {
        connection.on(event, () => this.updateLive());
      }
    }
    this.updateLive();
  }

  private connected(): boolean {
    return this.publisher.status === 'ready' && this.subscriber.status === 'ready';
  }

  private updateLive(): void {
    if (!this.connected()) {
      clearTimeout(this.grace);
      this.grace = undefined;
      this.setLive(false);
    } else if (!this.isLive && !this.grace) {
      this.grace = setTimeout(() => {
        this.grace = undefined;
        this.setLive(this.connected());
      }, RESUME_GRACE_MS);
      this.grace.unref();
    }
  }

  private setLive(live: boolean): void {
    if (live === this.isLive) return;
    this.isLive = live;
    for (const listener of [...this.liveListeners]) listener(live);
  }

  live(): boolean {
    return this.isLive;
  }

  onLiveChange(listener: (live: boolean) => void): () => void {
    this.liveListeners.add(listener);
    return () => this.liveListeners.delete(listener);
  }

  async publish(channel: string, message: string): Promise<void> {
    // Not queued for later: a message delivered after the outage would be stale, and the caller
    // must not wait out Redis's reconnection attempts.
    this.local.emit(channel, message);
    if (this.publisher.status !== 'ready') throw new BusUnavailableError('Redis is unreachable');
    await this.publisher.publish(`${this.prefix}:${channel}`, `${this.origin} ${message}`);
  }

  async subscribe(channel: string, listener: Listener): Promise<() => void> {
    const first = this.local.listenerCount(channel) === 0;
    // Listening locally first: this process's own messages reach it whatever Redis's state.
    this.local.on(channel, listener);
    if (first) await this.subscriber.subscribe(`${this.prefix}:${channel}`);
    return () => {
      this.local.off(channel, listener);
      if (this.local.listenerCount(channel) === 0) {
        void this.subscriber.unsubscribe(`${this.prefix}:${channel}`).catch(() => undefined);
      }
    };
  }

  async close(): Promise<void> {
    clearTimeout(this.grace);
    this.liveListeners.clear();
    this.local.removeAllListeners();
    this.subscriber.disconnect();
  }
}
