import { Inject, Injectable, Logger } from '@nestjs/common';
import { EVENT_BUS } from '../../platform/redis/event-bus';
import type { EventBus } from '../../platform/redis/event-bus';
import { PropagationRepository } from './propagation.repository';
import type { OutboxTx } from './propagation.repository';
import { PROPAGATION_PENDING_CHANNEL } from './propagation.types';
import type { PendingChange, PropagationChange, PropagationPending } from './propagation.types';

// The transactional outbox between a committed change and the endpoints. A writer records its
// change in its own transaction (`record`), then announces it (`announce`, best effort: Redis may be
// away, the dispatcher's database poll finds the row anyway). A dispatcher (modules/bundles) claims
// due rows, republishes, and removes them.
@Injectable()
export class PropagationService {
  private readonly logger = new Logger('Propagation');

  constructor(
    private readonly outbox: PropagationRepository,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
  ) {}

  async record(tx: OutboxTx, change: PropagationChange): Promise<void> {
    if (Array.isArray(change.userIds) && !change.userIds.length && !change.groupIds.length) return;
    await this.outbox.insert(tx, change);
  }

  // After the commit: never waits on Redis, never fails the caller's answer.
  announce(organizationId: string): void {
    const message: PropagationPending = { organizationId };
    this.bus
      .publish(PROPAGATION_PENDING_CHANNEL, JSON.stringify(message))
      .catch((error: unknown) =>
        this.logger.debug(`change not announced (the outbox poll delivers it): ${String(error)}`),
      );
  }

  // Wakes `listener` on announced changes; returns the unsubscribe function.
  onAnnounced(listener: (organizationId: string) => void): Promise<() => void> {
    return this.bus.subscribe(PROPAGATION_PENDING_CHANNEL, (message) =>
      listener((JSON.parse(message) as PropagationPending).organizationId),
    );
  }

  claim(limit: number, leaseMs: number): Promise<PendingChange[]> {
    return this.outbox.claim(limit, leaseMs);
  }

  delivered(changes: PendingChange[]): Promise<void> {
    return this.outbox.remove(changes.map((change) => change.id));
  }

  retryLater(changes: PendingChange[], delayMs: number, error: unknown): Promise<void> {
    return this.outbox.retryLater(
      changes.map((change) => change.id),
      delayMs,
      String(error),
    );
  }

  pending(): Promise<number> {
    return this.outbox.pending();
  }
}
