import { Logger, Module, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { JobName } from '../../platform/jobs/job-names';
import { JobsService } from '../../platform/jobs/jobs.service';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { EndpointsModule } from '../endpoints/endpoints.module';
import { CollectorService } from './collector.service';
import { EventPartitions } from './event-partitions';
import { EventsRepository } from './events.repository';
import { ForwardingService } from './forwarding.service';
import { IngestRoute } from './ingest-route';
import { IngestService } from './ingest.service';
import { TelemetryResolver } from './telemetry.resolver';

const PARTITIONS_EVERY_MS = 6 * 3600_000;
const FORWARD_SWEEP_EVERY_MS = 15_000;

// Agent events in: ingest from endpoints into the day-partitioned AgentEvent table, and out to the
// organization's OpenTelemetry collector.
@Module({
  imports: [AuditModule, AuthModule, EndpointsModule],
  providers: [
    EventPartitions,
    EventsRepository,
    IngestService,
    IngestRoute,
    ForwardingService,
    CollectorService,
    TelemetryResolver,
  ],
  exports: [IngestService, EventsRepository, EventPartitions, ForwardingService],
})
export class TelemetryModule implements OnModuleInit, OnApplicationBootstrap {
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
