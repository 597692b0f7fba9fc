import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { CredentialsModule } from '../credentials/credentials.module';
import { DirectoryModule } from '../directory/directory.module';
import { EventStoreModule } from '../telemetry/event-store.module';
import { AnalyticsController } from './analytics.controller';
import { AnalyticsJobs } from './analytics.jobs';
import { AnalyticsResolver } from './analytics.resolver';
import { AnalyticsService } from './analytics.service';
import { ApiKeyGuard } from '../credentials/api-key.guard';
import { MetricsRepository } from './metrics.repository';
import { RollupsRepository } from './rollups.repository';
import { RollupsService } from './rollups.service';

// Daily rollups of agent events, the Analytics API that serves them, and the console's charts.
@Module({
  imports: [AuthModule, CredentialsModule, DirectoryModule, EventStoreModule],
  controllers: [AnalyticsController],
  providers: [
    AnalyticsService,
    AnalyticsResolver,
    MetricsRepository,
    RollupsRepository,
    RollupsService,
    AnalyticsJobs,
    ApiKeyGuard,
  ],
  exports: [RollupsService, ApiKeyGuard],
})
export class AnalyticsModule {}
