import { Injectable, Logger, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { JobName } from '../../platform/jobs/job-names';
import { JobsService } from '../../platform/jobs/jobs.service';
import { EventPartitions } from './event-partitions.repository';
import { ForwardingService } from './forwarding.service';

const PARTITIONS_EVERY_MS = 6 * 3600_000;
const FORWARD_SWEEP_EVERY_MS = 15_000;

// Day partitions made ahead (and emptied old ones dropped); batches forwarded to the
// organization's collector, one job per batch and a periodic sweep of the outbox.
@Injectable()
export class TelemetryJobs implements OnModuleInit, OnApplicationBootstrap {
  constructor(
    private readonly jobs: JobsService,
    private readonly partitions: EventPartitions,
    private readonly forwarding: ForwardingService,
  ) {}

  onModuleInit(): void {
    this.jobs.register(
      JobName.TelemetryPartitions,
      async () => ({
        created: await this.partitions.createAhead(),
        dropped: await this.partitions.dropEmptyPast(),
      }),
      { everyMs: PARTITIONS_EVERY_MS },
    );
    this.jobs.register(
      JobName.TelemetryForward,
      (data) =>
        typeof data.batchId === 'string'
          ? this.forwarding.forwardBatch(data.batchId)
          : this.forwarding.sweep(),
      { everyMs: FORWARD_SWEEP_EVERY_MS },
    );
  }

  // The schedule's first run is hours away; the coming week's partitions are made at start too.
  async onApplicationBootstrap(): Promise<void> {
    await this.partitions
      .createAhead()
      .catch((error: unknown) =>
        new Logger('Telemetry').warn(`event partitions not created ahead: ${String(error)}`),
      );
  }
}
