import { Module, OnModuleInit } from '@nestjs/common';
import { JobName } from '../../platform/jobs/job-names';
import { JobsService } from '../../platform/jobs/jobs.service';
import { AuthModule } from '../auth/auth.module';
import { CredentialsModule } from '../credentials/credentials.module';
import { AnalyticsController } from './analytics.controller';
import { AnalyticsResolver } from './analytics.resolver';
import { AnalyticsService } from './analytics.service';
import { ApiKeyGuard } from '../credentials/api-key.guard';
import { RollupsRepository } from './rollups.repository';

const ROLLUP_EVERY_MS = 10_000;
const DAYS_PER_RUN = 50;

// Daily rollups of agent events, the Analytics API that serves them, and the console's charts.
@Module({
  imports: [AuthModule, CredentialsModule],
  controllers: [AnalyticsController],
  providers: [AnalyticsService, AnalyticsResolver, RollupsRepository, ApiKeyGuard],
  exports: [RollupsRepository, ApiKeyGuard],
})
export class AnalyticsModule implements OnModuleInit {
  constructor(
    private readonly jobs: JobsService,
    private readonly rollups: RollupsRepository,
  ) {}

  onModuleInit(): void {
    // Days are marked pending by ingest in the events' own transaction; this job drains the marks,
    // so it catches up after any outage of Redis or of the workers.
    this.jobs.register(
      JobName.AnalyticsRollup,
      async () => {
        let total = 0;
        for (let done = DAYS_PER_RUN; done === DAYS_PER_RUN; total += done) {
          done = await this.rollups.rollupPending(DAYS_PER_RUN);
        }
        return total;
      },
      { everyMs: ROLLUP_EVERY_MS },
    );
  }
}
