import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { JobsService } from '../../platform/jobs/jobs.service';
import { BusPoller } from '../../platform/redis/bus-poller';
import { EVENT_BUS } from '../../platform/redis/event-bus';
import type { EventBus } from '../../platform/redis/event-bus';
import { DirectoryService } from '../directory/directory.service';
import { PropagationService } from '../propagation/propagation.service';
import type { PendingChange } from '../propagation/propagation.types';
import { BundlesService } from './bundles.service';

// Changes claimed per round; those of one organization are republished together.
const CLAIM_BATCH = 200;
// How long a claimed change stays out of other dispatchers' reach: longer than delivering a batch
// takes. A dispatcher that dies holding it leaves it due again after this.
const CLAIM_LEASE_MS = 120_000;
// The outbox poll: every second while Redis is away (no announcement arrives), and a slow safety
// net while it is up (an announcement lost, a lease that ran out).
const POLL_WHILE_DOWN_MS = 1000;
const POLL_WHILE_UP_MS = 10_000;
const RETRY_BASE_MS = 1000;
const RETRY_MAX_MS = 60_000;
const DRAIN_POLL_MS = 25;

// Delivers the propagation outbox: claims due changes (one dispatcher per change, whichever
// process claims it first), republishes the bundles of the subjects they affect, and removes them.
// Runs in every process that works on jobs, woken by the change's announcement on the bus, or by
// its database poll when Redis is away. A change whose delivery fails is retried with back-off;
// none is dropped.
@Injectable()
export class PropagationDispatcher implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Propagation');
  private poller?: BusPoller;
  private unsubscribe?: () => void;

  constructor(
    private readonly propagation: PropagationService,
    private readonly bundles: BundlesService,
    private readonly directory: DirectoryService,
    private readonly jobs: JobsService,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.jobs.worksHere()) return;
    const poller = new BusPoller(
      this.bus,
      () => this.deliverDue(),
      { downMs: POLL_WHILE_DOWN_MS, upMs: POLL_WHILE_UP_MS },
      (error) => this.logger.warn(`propagation outbox not read: ${String(error)}`),
    );
    this.poller = poller;
    this.unsubscribe = await this.propagation.onAnnounced(() => void poller.run());
    this.jobs.drainAlso(() => this.drain());
    poller.start();
    // What was committed while no dispatcher ran.
    void poller.run();
  }

  async onModuleDestroy(): Promise<void> {
    this.unsubscribe?.();
    await this.poller?.stop();
  }

  // Until the outbox is empty (what other processes hold included).
  private async drain(): Promise<void> {
    for (;;) {
      await this.poller?.run();
      if ((await this.propagation.pending()) === 0) return;
      await new Promise((resolve) => setTimeout(resolve, DRAIN_POLL_MS));
    }
  }

  private async deliverDue(): Promise<void> {
    for (;;) {
      const changes = await this.propagation.claim(CLAIM_BATCH, CLAIM_LEASE_MS);
      if (!changes.length) return;
      const byOrganization = new Map<string, PendingChange[]>();
      for (const change of changes) {
        const list = byOrganization.get(change.organizationId) ?? [];
        list.push(change);
        byOrganization.set(change.organizationId, list);
      }
      for (const [organizationId, list] of byOrganization) {
        await this.deliver(organizationId, list);
      }
    }
  }

  private async deliver(organizationId: string, changes: PendingChange[]): Promise<void> {
    try {
      const userIds = await this.affectedUsers(organizationId, changes);
      if (userIds === 'all' || userIds.length) {
        const reasons = [...new Set(changes.map((change) => change.reason))].join(',');
        await this.bundles.publishForUsers(organizationId, userIds, reasons);
      }
      await this.propagation.delivered(changes);
    } catch (error) {
      const attempts = Math.max(...changes.map((change) => change.attempts));
      const delay = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (attempts - 1));
      this.logger.warn(
        `changes of organization ${organizationId} not delivered yet (attempt ${attempts}, next in ${delay} ms): ${String(error)}`,
      );
      await this.propagation.retryLater(changes, delay, error);
    }
  }

  // The users the changes name plus the current members of the groups they name.
  private async affectedUsers(
    organizationId: string,
    changes: PendingChange[],
  ): Promise<string[] | 'all'> {
    if (changes.some((change) => change.userIds === 'all')) return 'all';
    const users = new Set(changes.flatMap((change) => change.userIds as string[]));
    for (const groupId of new Set(changes.flatMap((change) => change.groupIds))) {
      const group = await this.directory.findGroup(organizationId, groupId, { members: true });
      for (const id of group?.memberIds ?? []) users.add(id);
    }
    return [...users];
  }
}
