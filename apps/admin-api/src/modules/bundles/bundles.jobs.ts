import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { JobName } from '../../platform/jobs/job-names';
import { JobsService } from '../../platform/jobs/jobs.service';
import { EVENT_BUS } from '../../platform/redis/event-bus';
import type { EventBus } from '../../platform/redis/event-bus';
import { DirectoryService } from '../directory/directory.service';
import { DIRECTORY_CHANGED_CHANNEL } from '../directory/directory.types';
import type { DirectoryChanged } from '../directory/directory.types';
import { GOVERNANCE_CHANGED_CHANNEL } from '../governance/governance.types';
import type { GovernanceChanged } from '../governance/governance.types';
import { BundlesService } from './bundles.service';

interface RepublishJob {
  organizationId: string;
  userIds: string[] | 'all';
  groupIds: string[];
  reason: string;
}

// Turns governance and directory changes into republish jobs: one job per change and organization,
// covering exactly the users it names plus the current members of the groups it names. The job is
// idempotent: subjects whose bundle would not change get no new version, so the copies that other
// replicas (which hear the same bus message) enqueue publish nothing.
@Injectable()
export class BundlesJobs implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Bundles');
  private readonly unsubscribe: (() => void)[] = [];

  constructor(
    private readonly jobs: JobsService,
    private readonly bundles: BundlesService,
    private readonly directory: DirectoryService,
    @Inject(EVENT_BUS) private readonly bus: EventBus,
  ) {}

  async onModuleInit(): Promise<void> {
    this.jobs.register(JobName.BundlesRepublish, (data) => this.republish(data as never));
    this.unsubscribe.push(
      await this.bus.subscribe(GOVERNANCE_CHANGED_CHANNEL, (message) => {
        const change = JSON.parse(message) as GovernanceChanged;
        void this.enqueue({
          organizationId: change.organizationId,
          userIds: change.userIds ?? 'all',
          groupIds: [],
          reason: 'governance.changed',
        });
      }),
      await this.bus.subscribe(DIRECTORY_CHANGED_CHANNEL, (message) => {
        const change = JSON.parse(message) as DirectoryChanged;
        void this.enqueue({
          organizationId: change.organizationId,
          userIds: change.userIds ?? [],
          groupIds: change.groupIds ?? [],
          reason: 'directory.changed',
        });
      }),
    );
  }

  onModuleDestroy(): void {
    for (const unsubscribe of this.unsubscribe) unsubscribe();
  }

  private async enqueue(job: RepublishJob): Promise<void> {
    try {
      await this.jobs.enqueue(JobName.BundlesRepublish, { ...job }, { attempts: 5 });
    } catch (error) {
      this.logger.error(`could not enqueue a bundle republish: ${String(error)}`);
    }
  }

  private async republish(job: RepublishJob) {
    let userIds = job.userIds;
    if (userIds !== 'all' && job.groupIds.length) {
      const members = new Set(userIds);
      for (const groupId of job.groupIds) {
        const group = await this.directory.findGroup(job.organizationId, groupId, {
          members: true,
        });
        for (const id of group?.memberIds ?? []) members.add(id);
      }
      userIds = [...members];
    }
    if (userIds !== 'all' && !userIds.length) return { published: 0 };
    return this.bundles.publishForUsers(job.organizationId, userIds, job.reason);
  }
}
