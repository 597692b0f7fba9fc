import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { BusPoller } from '../../platform/redis/bus-poller';
import { EVENT_BUS } from '../../platform/redis/event-bus';
import type { EventBus } from '../../platform/redis/event-bus';
import { BUNDLES_PUBLISHED_CHANNEL } from '../bundles/bundle-events';
import type { BundlesPublished } from '../bundles/bundle-events';
import { BundlesService } from '../bundles/bundles.service';
import type { ServedBundle } from '../bundles/bundles.service';
import { SigningKeysService } from '../bundles/signing-keys.service';
import { EndpointSessions } from './endpoint-sessions';

export interface FeedEntry {
  version: number;
  etag: string;
  trustSetVersion: number;
}

export type WaitOutcome = 'changed' | 'timeout' | 'revoked' | 'closed';

// A replica re-reads a subject's latest version after this long even with no bus message, which
// bounds how stale a lost message can leave it; while the bus is down (every message lost), after
// the short one.
const ENTRY_TTL_MS = 30_000;
const ENTRY_TTL_WHILE_DOWN_MS = 1000;
// While the bus is down, the held long-polls' subjects are looked up in the database this often.
const POLL_WHILE_DOWN_MS = 1000;
// Bundle bodies kept in memory (least recently served dropped first).
const BODY_BUDGET_BYTES = 64 * 1024 * 1024;

export interface Waiting {
  organizationId: string;
  endpointId: string;
  // The version the endpoint holds.
  version: number;
}

// What each subject's newest bundle is, kept per replica from the bus, and the long-polls waiting
// for it to change. The bus message updates the ETag before it wakes the waiters, so a woken poll
// always sees the new version. While the bus is down, a database poll over the subjects of the held
// long-polls wakes them instead.
@Injectable()
export class BundleFeed implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('BundleFeed');
  private readonly entries = new Map<string, FeedEntry & { at: number }>();
  private readonly bodies = new Map<string, ServedBundle>();
  private bodyBytes = 0;
  private readonly waiters = new Map<string, Set<(outcome: WaitOutcome) => void>>();
  private readonly watched = new Map<string, Waiting>();
  private unsubscribe?: () => void;
  private unsubscribeLive?: () => void;
  // When the bus last went down or came back: an entry loaded before it may have missed a message
  // lost in the gap, so it is read again (trusting it for 30 s would leave a long-poll waiting for
  // a message that never comes).
  private busChangedAt = 0;
  private readonly poller: BusPoller;

  constructor(
    private readonly bundles: BundlesService,
    private readonly keys: SigningKeysService,
    sessions: EndpointSessions,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
  ) {
    sessions.onRevoked((endpointId) => this.wake(endpointId, 'revoked'));
    this.poller = new BusPoller(
      bus,
      () => this.checkWatched(),
      { downMs: POLL_WHILE_DOWN_MS, upMs: null },
      (error) => this.logger.warn(`bundle versions not polled: ${String(error)}`),
    );
  }

  async onModuleInit(): Promise<void> {
    this.unsubscribeLive = this.bus.onLiveChange(() => {
      this.busChangedAt = Date.now();
    });
    this.unsubscribe = await this.bus.subscribe(BUNDLES_PUBLISHED_CHANNEL, (message) => {
      const published = JSON.parse(message) as BundlesPublished;
      for (const subject of published.subjects) {
        const entry = this.entries.get(subject.endpointId);
        if (!entry || subject.version > entry.version) {
          this.entries.set(subject.endpointId, {
            version: subject.version,
            etag: subject.etag,
            trustSetVersion: published.trustSetVersion,
            at: Date.now(),
          });
        }
        this.wake(subject.endpointId, 'changed');
      }
    });
    this.poller.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.poller.stop();
    this.unsubscribe?.();
    this.unsubscribeLive?.();
    for (const endpointId of [...this.waiters.keys()]) this.wake(endpointId, 'closed');
  }

  get heldPolls(): number {
    let count = 0;
    for (const set of this.waiters.values()) count += set.size;
    return count;
  }

  // The subject's entry when it is recent enough to answer from without reading the database.
  freshEntry(endpointId: string): FeedEntry | undefined {
    const entry = this.entries.get(endpointId);
    return entry && entry.at > this.freshSince(Date.now()) ? entry : undefined;
  }

  private freshSince(now: number): number {
    return Math.max(
      now - (this.bus.live() ? ENTRY_TTL_MS : ENTRY_TTL_WHILE_DOWN_MS),
      this.busChangedAt,
    );
  }

  async current(organizationId: string, endpointId: string): Promise<FeedEntry | null> {
    const entry = this.freshEntry(endpointId);
    if (entry) return entry;
    const now = Date.now();
    const fresh = this.freshSince(now);
    const served = await this.bundles.served(organizationId, endpointId);
    if (!served) return null;
    const trustSet = await this.keys.latestTrustSetVersion(organizationId);
    const loaded = { version: served.version, etag: served.etag, trustSetVersion: trustSet };
    // A newer version may have been announced while this read was in flight: keep the newest.
    const raced = this.entries.get(endpointId);
    if (raced && raced.version > loaded.version && raced.at > fresh) return raced;
    this.entries.set(endpointId, { ...loaded, at: now });
    this.remember(endpointId, served);
    return loaded;
  }

  // The bundle whose ETag is `etag`, or the subject's newest when that one is no longer at hand
  // (the caller labels the response with what it got).
  async body(
    organizationId: string,
    endpointId: string,
    etag: string,
  ): Promise<ServedBundle | null> {
    const cached = this.cachedBody(endpointId, etag);
    if (cached) return cached;
    const served = await this.bundles.served(organizationId, endpointId);
    if (!served) return null;
    this.remember(endpointId, served);
    return served;
  }

  // The bundle whose ETag is `etag` when this replica holds its bytes (kept as recently served).
  cachedBody(endpointId: string, etag: string): ServedBundle | undefined {
    const cached = this.bodies.get(endpointId);
    if (cached?.etag !== etag) return undefined;
    this.bodies.delete(endpointId);
    this.bodies.set(endpointId, cached);
    return cached;
  }

  // Resolves when the subject's bundle changes, its endpoint is revoked, or after `ms`.
  waitForChange(held: Waiting, ms: number, abort: AbortSignal): Promise<WaitOutcome> {
    const { endpointId } = held;
    return new Promise((resolve) => {
      let set = this.waiters.get(endpointId);
      if (!set) this.waiters.set(endpointId, (set = new Set()));
      this.watched.set(endpointId, held);
      const finish = (outcome: WaitOutcome) => {
        clearTimeout(timer);
        abort.removeEventListener('abort', onAbort);
        set!.delete(finish);
        if (!set!.size && this.waiters.get(endpointId) === set) {
          this.waiters.delete(endpointId);
          this.watched.delete(endpointId);
        }
        resolve(outcome);
      };
      const onAbort = () => finish('closed');
      const timer = setTimeout(() => finish('timeout'), ms);
      abort.addEventListener('abort', onAbort, { once: true });
      set.add(finish);
    });
  }

  // The bus is down: wakes the held long-polls whose subject has a newer version in the database.
  private async checkWatched(): Promise<void> {
    const byOrganization = new Map<string, Waiting[]>();
    for (const held of this.watched.values()) {
      const list = byOrganization.get(held.organizationId) ?? [];
      list.push(held);
      byOrganization.set(held.organizationId, list);
    }
    for (const [organizationId, list] of byOrganization) {
      const newest = await this.bundles.newestVersions(
        organizationId,
        list.map((held) => held.endpointId),
      );
      for (const held of list) {
        if ((newest.get(held.endpointId) ?? 0) <= held.version) continue;
        this.entries.delete(held.endpointId);
        this.wake(held.endpointId, 'changed');
      }
    }
  }

  private wake(endpointId: string, outcome: WaitOutcome): void {
    for (const finish of [...(this.waiters.get(endpointId) ?? [])]) finish(outcome);
  }

  private remember(endpointId: string, served: ServedBundle): void {
    const previous = this.bodies.get(endpointId);
    if (previous) {
      this.bodyBytes -= previous.body.length;
      this.bodies.delete(endpointId);
    }
    this.bodies.set(endpointId, served);
    this.bodyBytes += served.body.length;
    for (const [id, oldest] of this.bodies) {
      if (this.bodyBytes <= BODY_BUDGET_BYTES) break;
      this.bodies.delete(id);
      this.bodyBytes -= oldest.body.length;
    }
  }
}
