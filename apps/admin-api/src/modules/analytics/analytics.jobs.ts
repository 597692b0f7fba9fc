import { Injectable, OnModuleInit } from '@nestjs/common';
import { JobName } from '../../platform/jobs/job-names';
import { JobsService } from '../../platform/jobs/jobs.service';
import { RollupsService } from './rollups.service';

const ROLLUP_EVERY_MS = 10_000;
const DAYS_PER_RUN = 50;

// Days are marked pending by ingest in the events' own transaction; this job drains the marks, so
// it catches up after any outage of Redis or of the workers.
@Injectable()
export class AnalyticsJobs implements OnModuleInit {
  constructor(
    private readonly jobs: JobsService,
    private readonly rollups: RollupsService,
  ) {}

  onModuleInit(): void {
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
