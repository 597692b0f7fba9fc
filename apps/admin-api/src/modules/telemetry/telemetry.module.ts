import { Module } from '@nestjs/common';
import { AnalyticsModule } from '../analytics/analytics.module';
import { AuditModule } from '../audit/audit.module';
import { AuthModule } from '../auth/auth.module';
import { EndpointsModule } from '../endpoints/endpoints.module';
import { SpendModule } from '../spend/spend.module';
import { CollectorRepository } from './collector.repository';
import { CollectorService } from './collector.service';
import { EventPartitions } from './event-partitions.repository';
import { EventStoreModule } from './event-store.module';
import { ForwardingService } from './forwarding.service';
import { IngestRoute } from './ingest-route';
import { IngestService } from './ingest.service';
import { UploadPreparer } from './upload-preparer';
import { OtlpReceiverService } from './otlp-receiver.service';
import { OtlpRoute } from './otlp-route';
import { TelemetryJobs } from './telemetry.jobs';
import { TelemetryResolver } from './telemetry.resolver';

// Agent events in: ingest from endpoints (Steward's runtime uploads, governed agents' OTLP) into
// the day-partitioned AgentEvent table, and out to the organization's OpenTelemetry collector.
@Module({
  imports: [
    AnalyticsModule,
    AuditModule,
    AuthModule,
    EndpointsModule,
    EventStoreModule,
    SpendModule,
  ],
  providers: [
    EventPartitions,
    IngestService,
    UploadPreparer,
    IngestRoute,
    OtlpReceiverService,
    OtlpRoute,
    ForwardingService,
    CollectorRepository,
    CollectorService,
    TelemetryResolver,
    TelemetryJobs,
  ],
  exports: [IngestService, EventPartitions, ForwardingService],
})
export class TelemetryModule {}
