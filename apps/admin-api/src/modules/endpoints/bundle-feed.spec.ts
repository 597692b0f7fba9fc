import type { EventBus, Listener } from '../../platform/redis/event-bus';
import { BUNDLES_PUBLISHED_CHANNEL } from '../bundles/bundle-events';
import type { BundlesPublished } from '../bundles/bundle-events';
import type { BundlesService } from '../bundles/bundles.service';
import type { SigningKeysService } from '../bundles/signing-keys.service';
import { BundleFeed } from './bundle-feed';
import type { EndpointSessions } from './endpoint-sessions';

// A bus whose liveness the test sets, as Redis going away and coming back sets the real one's;
// messages published while it is down are lost, as on Redis.
class SwitchableBus implements EventBus {
  private isLive = true;
  private readonly liveListeners = new Set<(live: boolean) => void>();
  private readonly listeners = new Map<string, Set<Listener>>();

  setLive(live: boolean): void {
    this.isLive = live;
    for (const listener of this.liveListeners) listener(live);
  }

  async publish(channel: string, message: string): Promise<void> {
    if (!this.isLive) throw new Error('bus down');
    for (const listener of this.listeners.get(channel) ?? []) listener(message);
  }

  async subscribe(channel: string, listener: Listener): Promise<() => void> {
    const set = this.listeners.get(channel) ?? new Set<Listener>();
    set.add(listener);
    this.listeners.set(channel, set);
    return () => set.delete(listener);
  }

  live(): boolean {
    return this.isLive;
  }

  onLiveChange(listener: (live: boolean) => void): () => void {
    this.liveListeners.add(listener);
    return () => this.liveListeners.delete(listener);
  }

  async close(): Promise<void> {}
}

// The database's newest bundle per subject, as BundlesService serves it.
function storedBundles(versions: Map<string, number>): BundlesService {
  const served = async (_organizationId: string, endpointId: string) => {
    const version = versions.get(endpointId);
    if (version === undefined) return null;
    return { version, etag: `"v${version}"`, body: Buffer.from(`bundle ${version}`) };
  };
  const newestVersions = async (_organizationId: string, endpointIds: string[]) =>
    new Map(endpointIds.map((id) => [id, versions.get(id) ?? 0]));
  return { served, newestVersions } as Partial<BundlesService> as BundlesService;
}

describe('BundleFeed across a bus outage', () => {
  let bus: SwitchableBus;
  let versions: Map<string, number>;
  let feed: BundleFeed;

  beforeEach(async () => {
    bus = new SwitchableBus();
    versions = new Map([['endpoint-1', 1]]);
    const keys = { latestTrustSetVersion: async () => 1 } as Partial<SigningKeysService>;
    const sessions = { onRevoked: () => undefined } as Partial<EndpointSessions>;
    feed = new BundleFeed(
      storedBundles(versions),
      keys as SigningKeysService,
      sessions as EndpointSessions,
      bus,
    );
    await feed.onModuleInit();
  });

  afterEach(() => feed.onModuleDestroy());

  it('reads again, once the bus is back, what it read while the bus was down', async () => {
    bus.setLive(false);
    expect((await feed.current('org', 'endpoint-1'))?.version).toBe(1);
    // Published while the bus was down: its message was lost.
    versions.set('endpoint-1', 2);
    bus.setLive(true);
    expect((await feed.current('org', 'endpoint-1'))?.version).toBe(2);
  });

  it('keeps trusting what it read while the bus has stayed live', async () => {
    expect((await feed.current('org', 'endpoint-1'))?.version).toBe(1);
    versions.set('endpoint-1', 2);
    // No message announced version 2, so the cached entry stands (the bus is the signal).
    expect((await feed.current('org', 'endpoint-1'))?.version).toBe(1);
    const published: BundlesPublished = {
      organizationId: 'org',
      trustSetVersion: 1,
      subjects: [{ endpointId: 'endpoint-1', version: 2, etag: '"v2"' }],
    };
    await bus.publish(BUNDLES_PUBLISHED_CHANNEL, JSON.stringify(published));
    expect((await feed.current('org', 'endpoint-1'))?.version).toBe(2);
  });
});
