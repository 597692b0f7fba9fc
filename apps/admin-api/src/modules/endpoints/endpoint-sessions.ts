import { LRUCache } from 'lru-cache';
import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { EVENT_BUS } from '../../platform/redis/event-bus';
import type { EventBus } from '../../platform/redis/event-bus';
import { CredentialsService } from '../credentials/credentials.service';
import { hashSecret } from '../credentials/secrets';
import { ENDPOINT_REVOKED_CHANNEL } from './endpoint-events';
import type { EndpointRevoked } from './endpoint-events';
import { EndpointsRepository } from './endpoints.repository';

export interface AuthenticatedEndpoint {
  endpointId: string;
  organizationId: string;
  userId: string;
  credentialId: string;
}

// How long a replica trusts a credential it looked up. Revoking an endpoint in Steward reaches
// every replica at once over the bus; this bounds a revocation the bus did not carry (the
// credential revoked by id from the operator CLI, or a lost message) to 10 seconds.
export const CREDENTIAL_CACHE_MS = 10_000;
const MAX_CACHED_CREDENTIALS = 100_000;
// Last-seen is written at most this often per endpoint, so pulls do not turn into writes.
export const LAST_SEEN_PRECISION_MS = 60_000;

// Authenticates endpoint requests on the hot path (bundle pulls, long-polls) without a database
// round trip per request.
@Injectable()
export class EndpointSessions implements OnModuleInit, OnModuleDestroy {
  // By credential hash; an entry lives CREDENTIAL_CACHE_MS.
  private readonly cache = new LRUCache<string, AuthenticatedEndpoint>({
    max: MAX_CACHED_CREDENTIALS,
    ttl: CREDENTIAL_CACHE_MS,
  });
  private readonly lookups = new Map<string, Promise<AuthenticatedEndpoint | null>>();
  private readonly lastSeen = new Map<string, number>();
  private readonly revokedListeners = new Set<(endpointId: string) => void>();
  private unsubscribe?: () => void;

  constructor(
    private readonly credentials: CredentialsService,
    private readonly endpoints: EndpointsRepository,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
  ) {}

  async onModuleInit(): Promise<void> {
    this.unsubscribe = await this.bus.subscribe(ENDPOINT_REVOKED_CHANNEL, (message) => {
      const { endpointId } = JSON.parse(message) as EndpointRevoked;
      for (const [hash, endpoint] of this.cache.entries()) {
        if (endpoint.endpointId === endpointId) this.cache.delete(hash);
      }
      for (const listener of this.revokedListeners) listener(endpointId);
    });
  }

  onModuleDestroy(): void {
    this.unsubscribe?.();
  }

  onRevoked(listener: (endpointId: string) => void): void {
    this.revokedListeners.add(listener);
  }

  // The endpoint of a credential this replica looked up lately, without waiting for anything (the
  // bundle pull's fast lane); undefined when it would take a lookup.
  cachedEndpoint(authorization: string | undefined): AuthenticatedEndpoint | undefined {
    if (!authorization?.startsWith('Bearer ')) return undefined;
    return this.fromCache(hashSecret(authorization.slice(7).trim()), Date.now());
  }

  async authenticate(authorization: string | undefined): Promise<AuthenticatedEndpoint | null> {
    if (!authorization?.startsWith('Bearer ')) return null;
    const secret = authorization.slice(7).trim();
    const hash = hashSecret(secret);
    const now = Date.now();
    const cached = this.fromCache(hash, now);
    if (cached) return cached;
    // Requests with the same credential that miss together share one lookup.
    let lookup = this.lookups.get(hash);
    if (!lookup) {
      lookup = this.lookUp(secret, hash).finally(() => this.lookups.delete(hash));
      this.lookups.set(hash, lookup);
    }
    const endpoint = await lookup;
    if (endpoint) this.touch(endpoint, now);
    return endpoint;
  }

  private fromCache(hash: string, now: number): AuthenticatedEndpoint | undefined {
    const cached = this.cache.get(hash);
    if (cached) this.touch(cached, now);
    return cached;
  }

  private async lookUp(secret: string, hash: string): Promise<AuthenticatedEndpoint | null> {
    this.cache.delete(hash);
    const credential = await this.credentials.authenticate(secret, 'endpoint');
    if (!credential) return null;
    const row = await this.endpoints.findActiveByCredential(credential.id);
    if (!row) return null;
    const endpoint: AuthenticatedEndpoint = {
      endpointId: row.id,
      organizationId: row.organizationId,
      userId: row.userId,
      credentialId: credential.id,
    };
    this.cache.set(hash, endpoint);
    return endpoint;
  }

  private touch(endpoint: AuthenticatedEndpoint, now: number): void {
    const last = this.lastSeen.get(endpoint.endpointId) ?? 0;
    if (now - last < LAST_SEEN_PRECISION_MS) return;
    this.lastSeen.set(endpoint.endpointId, now);
    void this.endpoints
      .touch(endpoint.organizationId, endpoint.endpointId, new Date(now))
      .catch(() => this.lastSeen.delete(endpoint.endpointId));
  }
}
